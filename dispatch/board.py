"""Reads of the operator's live board (selectors, apart from ``selectors.py`` by subject): the
open interventions in the order asked for, the calls in progress, the counts, and the arrival
deadline of the critical interventions still waiting for a technician on site."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Case, Count, F, IntegerField, QuerySet, Value, When
from django.utils import timezone

from dispatch.timing import shifted

from .access import restrict
from .choices import InterventionStatus, Priority
from .models import Call, Intervention, ServiceLevelProfile
from .models.interventions import InterventionQuerySet
from .selectors import call_list_for_user, intervention_list_for_user

# The board lists this many open interventions (in its order) and calls in progress; it says how
# many more there are.
BOARD_INTERVENTIONS = 200
BOARD_CALLS = 50

# The orders the board offers, by name. Each ends on the age, so ties read the same on every
# refresh; by technician, the unassigned come first: they wait for one.
_STATE_RANK = Case(
    *(When(status=status, then=Value(rank)) for rank, status in enumerate(InterventionStatus.values)),
    output_field=IntegerField(),
)
BOARD_ORDERS: dict[str, tuple] = {
    "priority": ("priority", "opened_at", "pk"),
    "age": ("opened_at", "pk"),
    "plant": ("plant__code", "priority", "opened_at", "pk"),
    "technician": (
        F("technician__last_name").asc(nulls_first=True), "technician__first_name", "technician__username",
        "priority", "opened_at", "pk",
    ),
    "state": (_STATE_RANK, "priority", "opened_at", "pk"),
}  # fmt: skip
BOARD_ORDER_DEFAULT = "priority"
# What a row shows, and no more: 200 rows of four joined tables cost their columns twice, in the
# transfer and in building the objects. The rest of each row is deferred (a query if read).
BOARD_ROW_FIELDS = (
    "priority", "status", "opened_at", "summary", "plant_id", "technician_id", "call_id",
    "plant__code", "plant__municipality", "plant__customer_id",
    "technician__username", "technician__first_name", "technician__last_name",
    "call__caller_number", "call__received_at", "call__call_type",
)  # fmt: skip
# The arrival target runs until the technician is on site.
ARRIVAL_PENDING = (InterventionStatus.OPEN, InterventionStatus.ASSIGNED, InterventionStatus.ACKNOWLEDGED)


@dataclass(frozen=True)
class Board:
    """What the live board shows: the first open interventions in its order, the calls still in
    progress, how many interventions are open in each state, and of the critical ones waiting
    for a technician on site: the arrival ``deadlines`` of those listed, and how many (listed or
    not) are past theirs, ``overdue_critical``."""

    interventions: list[Intervention]
    calls: list[Call]
    counts: dict[str, int]
    total: int
    now: datetime
    deadlines: dict[int, datetime] = field(default_factory=dict)
    overdue_critical: int = 0


@dataclass
class ArrivalTargets:
    """The arrival-on-site target (minutes) of a customer's call by its type, from the
    service-level profiles chosen as the reports choose them (``reports.queries
    .profiles_for_customer``): the customer's own profile for a service, else the default one for
    that service. ``None`` where no chosen profile counts the type or it sets no arrival standard."""

    own: dict[int, dict[str, ServiceLevelProfile]]
    default: dict[str, ServiceLevelProfile]
    _known: dict[tuple[int, str], int | None] = field(default_factory=dict)

    def minutes(self, customer_id: int, call_type: str) -> int | None:
        key = (customer_id, call_type)
        if key not in self._known:
            chosen = {**self.default, **self.own.get(customer_id, {})}
            self._known[key] = next(
                (p.arrival_target_minutes for p in chosen.values() if call_type in p.call_types), None
            )
        return self._known[key]

    def deadline(self, *, customer_id: int, call_type: str, started_at: datetime) -> datetime | None:
        """When a technician must be on site. The regulator's clock starts with the call."""
        minutes = self.minutes(customer_id, call_type) if call_type else None
        return None if minutes is None else shifted(started_at, timedelta(minutes=minutes))


def arrival_targets() -> ArrivalTargets:
    """Every service-level profile, in one query (a few per customer at most)."""
    own: dict[int, dict[str, ServiceLevelProfile]] = {}
    default: dict[str, ServiceLevelProfile] = {}
    for profile in ServiceLevelProfile.objects.only(
        "customer", "service", "call_types", "arrival_target_minutes"
    ):
        if profile.customer_id is None:
            default[profile.service] = profile
        else:
            own.setdefault(profile.customer_id, {})[profile.service] = profile
    return ArrivalTargets(own=own, default=default)


def board_interventions_for_user(*, user) -> InterventionQuerySet:
    """What the board lists before its filters: the open interventions ``user`` may see."""
    return intervention_list_for_user(user=user).not_final()


def board_for_user(
    *,
    user,
    interventions: QuerySet[Intervention] | None = None,
    order: str = BOARD_ORDER_DEFAULT,
    limit: int | None = None,
    calls_limit: int | None = None,
) -> Board:
    """Five queries whatever the numbers: the first ``limit`` of ``interventions`` (the board's
    filters applied to ``board_interventions_for_user``; all of those by default) in ``order``
    (a key of ``BOARD_ORDERS``), with their plant, technician and call (``BOARD_ROW_FIELDS``
    only); the calls in
    progress (no end reported, received in the last ``PRONTO_BOARD_CALL_HOURS``: a call the
    phone system never ended does not stay forever); the interventions counted per state; the
    service-level profiles; the critical ones waiting for a technician, for their deadlines.
    The lists read partial indexes on what is open, so the board costs the same beside 100,000
    past calls."""
    now = timezone.now()
    limit, calls_limit = limit or BOARD_INTERVENTIONS, calls_limit or BOARD_CALLS
    # Narrowed by what ``user`` may see whatever queryset the caller brought.
    listed = (
        restrict(interventions, user)
        if interventions is not None
        else board_interventions_for_user(user=user)
    )
    rows = list(
        listed.select_related(None)
        .select_related("plant", "technician", "call")
        .only(*BOARD_ROW_FIELDS)
        .order_by(*BOARD_ORDERS.get(order, BOARD_ORDERS[BOARD_ORDER_DEFAULT]))[:limit]
    )
    counts = dict(listed.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    since = shifted(now, -timedelta(hours=settings.PRONTO_BOARD_CALL_HOURS))
    calls = list(
        call_list_for_user(user=user)
        .filter(ended_at__isnull=True, received_at__gte=since)
        .order_by("-received_at", "-pk")[:calls_limit]
    )
    targets = arrival_targets()
    deadlines: dict[int, datetime] = {}
    waiting = listed.filter(priority=Priority.CRITICAL, status__in=ARRIVAL_PENDING).order_by()
    for pk, customer_id, call_type, received_at, opened_at in waiting.values_list(
        "pk", "plant__customer_id", "call__call_type", "call__received_at", "opened_at"
    ):
        deadline = targets.deadline(
            customer_id=customer_id, call_type=call_type or "", started_at=received_at or opened_at
        )
        if deadline is not None:
            deadlines[pk] = deadline
    listed_pks = {intervention.pk for intervention in rows}
    return Board(
        interventions=rows,
        calls=calls,
        counts=counts,
        total=sum(counts.values()),
        now=now,
        deadlines={pk: deadline for pk, deadline in deadlines.items() if pk in listed_pks},
        overdue_critical=sum(1 for deadline in deadlines.values() if deadline < now),
    )
