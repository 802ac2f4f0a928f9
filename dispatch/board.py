"""Reads of the operator's live board (selectors, apart from ``selectors.py`` by subject): the
open interventions in the order asked for, the calls in progress, the counts, and the arrival
deadline of the critical interventions still waiting for a technician on site."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.lookups import Exact, In
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
# What a row shows, and no more, read as plain values: 200 rows of four joined tables cost their
# columns twice (transfer and objects), and 800 model instances a third of the board's time.
BOARD_ROW_FIELDS = (
    "pk", "priority", "status", "opened_at", "summary", "plant_id", "technician_id", "call_id",
    "plant__code", "plant__municipality", "plant__customer_id",
    "technician__username", "technician__first_name", "technician__last_name",
    "call__caller_number", "call__received_at", "call__call_type",
)  # fmt: skip


class BoardItem(NamedTuple):
    """One open intervention as the board lists it (``BOARD_ROW_FIELDS``, in that order)."""

    pk: int
    priority: int
    status: str
    opened_at: datetime
    summary: str
    plant_id: int
    technician_id: int | None
    call_id: int | None
    plant_code: str
    plant_municipality: str
    customer_id: int
    technician_username: str | None
    technician_first_name: str | None
    technician_last_name: str | None
    caller_number: str | None
    received_at: datetime | None
    call_type: str | None

    @property
    def technician_name(self) -> str:
        """As ``User.get_full_name() or username``; empty when none is assigned."""
        if self.technician_id is None:
            return ""
        full = f"{self.technician_first_name or ''} {self.technician_last_name or ''}".strip()
        return full or self.technician_username or ""


# The arrival target runs until the technician is on site.
ARRIVAL_PENDING = (InterventionStatus.OPEN, InterventionStatus.ASSIGNED, InterventionStatus.ACKNOWLEDGED)


@dataclass(frozen=True)
class Board:
    """What the live board shows: the first open interventions in its order, the calls still in
    progress, how many interventions are open in each state, and of the critical ones waiting
    for a technician on site: the arrival ``deadlines`` of those listed, and how many (listed or
    not) are past theirs, ``overdue_critical``."""

    interventions: list[BoardItem]
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

    def overdue_calls(self, now: datetime, customer: OuterRef) -> Q:
        """``deadline(...) < now`` as a condition on the intervention's call (with ``customer``
        the intervention's plant's customer, from the outer query), to count in SQL what
        ``deadline`` decides row by row: per customer with profiles of its own and per call type,
        else per call type for every other customer. No call type, no target: not overdue."""
        call_types = sorted({t for p in self.default.values() for t in p.call_types} | {
            t for profiles in self.own.values() for p in profiles.values() for t in p.call_types
        })  # fmt: skip
        own_ids = sorted(self.own)

        def late(customer_id: int) -> Q:
            grouped: dict[int, list[str]] = {}
            for call_type in call_types:
                minutes = self.minutes(customer_id, call_type)
                if minutes is not None:
                    grouped.setdefault(minutes, []).append(call_type)
            return _any(
                Q(call_type__in=types, received_at__lt=now - timedelta(minutes=minutes))
                for minutes, types in grouped.items()
            )

        # No customer id is 0: it stands for "a customer without profiles of its own".
        condition = (~Q(In(customer, own_ids)) if own_ids else Q()) & late(0)
        for customer_id in own_ids:
            condition |= Q(Exact(customer, customer_id)) & late(customer_id)
        return condition


def _any(conditions) -> Q:
    combined = Q(pk__in=[])
    for condition in conditions:
        combined |= condition
    return combined


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
    """Four queries whatever the numbers: the first ``limit`` of ``interventions`` (the board's
    filters applied to ``board_interventions_for_user``; all of those by default) in ``order``
    (a key of ``BOARD_ORDERS``), with their plant, technician and call (``BOARD_ROW_FIELDS``
    only); the service-level profiles; the interventions counted per state, with the critical
    ones past their arrival deadline among them; the calls in progress (no end reported,
    received in the last ``PRONTO_BOARD_CALL_HOURS``: a call the phone system never ended does
    not stay forever). The deadlines of the critical rows listed are worked out from the rows.
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
    rows = [
        BoardItem(*values)
        for values in listed.select_related(None)
        .order_by(*BOARD_ORDERS.get(order, BOARD_ORDERS[BOARD_ORDER_DEFAULT]))
        .values_list(*BOARD_ROW_FIELDS)[:limit]
    ]
    targets = arrival_targets()
    # One pass over the filtered interventions: how many in each state, and how many critical ones
    # are past their arrival deadline (listed or not).
    tally = listed.order_by().aggregate(
        **{f"n_{status}": Count("pk", filter=Q(status=status)) for status in InterventionStatus.values},
        overdue=Count(
            "pk",
            # A subquery on the call by its key, evaluated for the critical rows only: a join
            # would read every call ever logged to count a few.
            filter=Q(priority=Priority.CRITICAL, status__in=ARRIVAL_PENDING)
            & Q(
                Exists(
                    Call.objects.filter(pk=OuterRef("call_id")).filter(
                        targets.overdue_calls(now, OuterRef("plant__customer_id"))
                    )
                )
            ),
        ),
    )
    overdue = tally.pop("overdue")
    counts = {name.removeprefix("n_"): n for name, n in tally.items() if n}
    since = shifted(now, -timedelta(hours=settings.PRONTO_BOARD_CALL_HOURS))
    calls = list(
        call_list_for_user(user=user)
        .filter(ended_at__isnull=True, received_at__gte=since)
        .order_by("-received_at", "-pk")[:calls_limit]
    )
    deadlines: dict[int, datetime] = {}
    for item in rows:
        if item.priority != Priority.CRITICAL or item.status not in ARRIVAL_PENDING:
            continue
        deadline = targets.deadline(
            customer_id=item.customer_id,
            call_type=item.call_type or "",
            started_at=item.received_at or item.opened_at,
        )
        if deadline is not None:
            deadlines[item.pk] = deadline
    return Board(
        interventions=rows,
        calls=calls,
        counts=counts,
        total=sum(counts.values()),
        now=now,
        deadlines=deadlines,
        overdue_critical=overdue,
    )
