"""The page reads of the major incidents: the list, the incident's page (its reach, members by
kind, proposals, updates, deliveries), the call screen's banner, the public status page (no
personal data), the after-action timeline, the board's groups and the wallboard's tile.

Every read a person makes goes through the access layer (``dispatch.access.restrict``): a
utility user sees its own customer's incidents, a technician the incident and its updates but
not its members (``IncidentMember``'s visibility), subscribers and deliveries stay with staff and
supervisors. The status page is the exception: it is public, so it reads only fields that hold
no personal data (``StatusPage`` lists what it carries, and nothing else leaves this module)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from dispatch.access import restrict
from dispatch.choices import Role
from dispatch.models import Call, Intervention
from dispatch.roles import AnyUser, has_role
from incidents.choices import ACTIVE_STATES, IncidentState, UpdateKind
from incidents.models import (
    IncidentDelivery,
    IncidentMember,
    IncidentSubscriber,
    IncidentUpdate,
    MajorIncident,
)
from incidents.selectors.core import incident_for_call, proposed_alarms, proposed_calls
from network.selectors import Reach, reach
from telecontrol.models import PlantAlarm

# How long a resolved incident stays on its status page's "recently resolved" wording and on the
# wallboard; the page itself stays readable at its address.
RECENTLY_RESOLVED = timedelta(hours=24)
# The after-action chart: at most this many bars, the bucket widened (1, 5, 15, 60 minutes ...)
# so a day-long incident still reads on one screen and one page.
CHART_BUCKETS_MAX = 120
BUCKET_STEPS = (1, 5, 10, 15, 30, 60, 120, 240, 720, 1440)
# The incident page lists this many members of each kind and proposals (the figures count all).
MEMBERS_LISTED = 200
PROPOSALS_LISTED = 50
TIMELINE_LISTED = 500


def incident_counts(*, incident_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Per incident: how many calls, alarms and interventions are attached (one query)."""
    rows = (
        IncidentMember.objects.filter(incident_id__in=list(incident_ids))
        .values("incident_id")
        .annotate(
            calls=Count("pk", filter=Q(call__isnull=False)),
            alarms=Count("pk", filter=Q(alarm__isnull=False)),
            interventions=Count("pk", filter=Q(intervention__isnull=False)),
        )
    )
    counts = {pk: {"calls": 0, "alarms": 0, "interventions": 0} for pk in incident_ids}
    for row in rows:
        counts[row["incident_id"]] = {k: row[k] for k in ("calls", "alarms", "interventions")}
    return counts


@dataclass
class IncidentPage:
    """What the incident's page shows to one user. ``None`` for a section the user may not read."""

    incident: MajorIncident
    reach: Reach
    counts: dict[str, int]
    calls: list[IncidentMember]
    alarms: list[IncidentMember]
    interventions: list[IncidentMember]
    updates: list[IncidentUpdate]
    proposed_calls: list[Call] | None = None
    proposed_alarms: list[PlantAlarm] | None = None
    proposed_interventions: list[Intervention] | None = None
    subscribers: int | None = None
    deliveries: dict[str, int] | None = None

    @property
    def active(self) -> bool:
        return self.incident.state in ACTIVE_STATES


def _members(incident: MajorIncident, user: AnyUser) -> QuerySet[IncidentMember]:
    return restrict(IncidentMember.objects.filter(incident=incident), user).select_related(
        "call", "call__plant", "alarm", "alarm__plant", "intervention", "intervention__plant",
        "intervention__technician", "attached_by",
    )  # fmt: skip


def _proposed_interventions(incident: MajorIncident, user: AnyUser, limit: int) -> list[Intervention]:
    """Open interventions on plants within the reach, not yet attached (to any incident), nor
    the incident's own case."""
    from network.selectors import reach_ids

    plants = reach_ids(plant_ids=[incident.node_id])
    return list(
        restrict(Intervention.objects.all(), user)
        .not_final()
        .filter(plant_id__in=plants, incident_member__isnull=True)
        .exclude(pk=incident.lead_intervention_id or 0)
        .select_related("plant", "technician")
        .order_by("opened_at", "pk")[:limit]
    )


def deliveries_counts(*, incident: MajorIncident) -> dict[str, int]:
    """The outbox rows of the incident's updates, counted per notification status."""
    rows = (
        IncidentDelivery.objects.filter(update__incident=incident)
        .values("notification__status")
        .annotate(n=Count("pk"))
    )
    return {row["notification__status"]: row["n"] for row in rows}


def incident_page(*, incident: MajorIncident, user: AnyUser) -> IncidentPage:
    """The incident's page for ``user``: reach figures as the user may see them, members by
    kind, the updates; for operators and supervisors the proposals (open incident) and the
    number of subscribers; for supervisors the deliveries per status."""
    members = list(_members(incident, user)[: 3 * MEMBERS_LISTED])
    staff = has_role(user, Role.OPERATOR, Role.SUPERVISOR)
    page = IncidentPage(
        incident=incident,
        reach=reach(plant=incident.node, user=user, limit=0),
        counts=incident_counts(incident_ids=[incident.pk])[incident.pk],
        calls=[m for m in members if m.call_id][:MEMBERS_LISTED],
        alarms=[m for m in members if m.alarm_id][:MEMBERS_LISTED],
        interventions=[m for m in members if m.intervention_id][:MEMBERS_LISTED],
        updates=list(
            restrict(IncidentUpdate.objects.filter(incident=incident), user)
            .select_related("by")
            .order_by("position")
        ),
    )
    if staff:
        page.subscribers = IncidentSubscriber.objects.filter(
            incident=incident, unsubscribed_at__isnull=True
        ).count()
        if page.active:
            page.proposed_calls = list(proposed_calls(incident=incident, limit=PROPOSALS_LISTED))
            page.proposed_alarms = list(proposed_alarms(incident=incident, limit=PROPOSALS_LISTED))
            page.proposed_interventions = _proposed_interventions(incident, user, PROPOSALS_LISTED)
    if has_role(user, Role.SUPERVISOR):
        page.deliveries = deliveries_counts(incident=incident)
    return page


# ----------------------------------------------------------------------------------------------
# The call screen's banner


@dataclass(frozen=True)
class Banner:
    """The open incident covering a call's plant (or the caller's number), as the operator reads
    it out; whether the call is attached already, and whether its number is subscribed."""

    incident: MajorIncident
    attached: bool
    subscribed: bool
    attached_elsewhere: bool = False


def banner_for_call(*, call: Call) -> Banner | None:
    """The banner of ``call``, or None when no open incident covers it. A call attached to an
    incident shows that incident, even once another covers its plant."""
    member = IncidentMember.objects.filter(call=call).select_related("incident", "incident__node").first()
    incident = member.incident if member else incident_for_call(call=call)
    if incident is None or (member is None and incident.state not in ACTIVE_STATES):
        return None
    subscribed = bool(call.caller_number) and (
        IncidentSubscriber.objects.filter(
            incident=incident, unsubscribed_at__isnull=True
        ).filter(Q(call=call) | Q(number=call.caller_number)).exists()
    )  # fmt: skip
    return Banner(incident=incident, attached=member is not None, subscribed=subscribed)


# ----------------------------------------------------------------------------------------------
# The public status page: no personal data


@dataclass(frozen=True)
class StatusUpdate:
    kind: str
    kind_label: str
    text: str
    eta: datetime | None
    at: datetime


@dataclass(frozen=True)
class StatusPage:
    """Everything the public status page shows, and all it may: the utility's name, the area (the
    node's municipality), the title, the public message and ETA, the state and its times, the
    supply points within the reach, the public updates. No number, no person, no operator, no
    address below the node."""

    customer: str
    area: str
    title: str
    message: str
    eta: datetime | None
    state: str
    state_label: str
    declared_at: datetime
    resolved_at: datetime | None
    supply_points: int
    updates: list[StatusUpdate] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return self.state in ACTIVE_STATES


def status_page(*, token: str) -> StatusPage:
    """The status page at ``token`` (an unguessable string the utility may publish); 404 for any
    other string. Reads the public fields only."""
    incident = _incident_by_token(token)
    updates = [
        StatusUpdate(u.kind, str(UpdateKind(u.kind).label), u.public_text, u.eta, u.at)
        for u in IncidentUpdate.objects.filter(incident=incident).order_by("-position")
    ]
    return StatusPage(
        customer=incident.customer.name,
        area=incident.node.municipality,
        title=incident.title,
        message=incident.public_message,
        eta=incident.eta,
        state=incident.state,
        state_label=str(IncidentState(incident.state).label),
        declared_at=incident.declared_at,
        resolved_at=incident.resolved_at,
        supply_points=incident.reach_supply_points,
        updates=updates,
    )


def _incident_by_token(token: str) -> MajorIncident:
    from django.http import Http404

    # A token is 43 URL-safe characters; anything else is not worth a query.
    if not token or len(token) > 64:
        raise Http404
    incident = MajorIncident.objects.filter(public_token=token).select_related("customer", "node").first()
    if incident is None:
        raise Http404
    return incident


# ----------------------------------------------------------------------------------------------
# The after-action timeline


TIMELINE_KINDS = {
    "call": _("Call"), "alarm": _("Alarm"), "intervention": _("Intervention"), "update": _("Update"),
}  # fmt: skip


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # a key of TIMELINE_KINDS
    text: str

    @property
    def kind_label(self) -> str:
        return str(TIMELINE_KINDS.get(self.kind, self.kind))


@dataclass
class AfterAction:
    """The incident after the fact: calls per bucket of ``bucket_minutes`` from the first event,
    the counts, the times to detect (first event to first report), to declare (first report to
    declaration) and to resolve (declaration to resolution), and every event in order."""

    incident: MajorIncident
    start: datetime
    end: datetime
    bucket_minutes: int
    calls_per_bucket: list[tuple[datetime, int]]
    counts: dict[str, int]
    first_event_at: datetime
    to_detect: timedelta
    to_declare: timedelta
    to_resolve: timedelta | None
    timeline: list[TimelineEntry]
    timeline_total: int
    updates: list[IncidentUpdate]

    @property
    def peak(self) -> int:
        return max((count for _start, count in self.calls_per_bucket), default=0)


def _bucket_minutes(span: timedelta) -> int:
    minutes = max(1, int(span.total_seconds() // 60) + 1)
    return next((step for step in BUCKET_STEPS if minutes / step <= CHART_BUCKETS_MAX), BUCKET_STEPS[-1])


def _buckets(
    times: Iterable[datetime], start: datetime, end: datetime, minutes: int
) -> list[tuple[datetime, int]]:
    width = timedelta(minutes=minutes)
    tally = Counter(int((at - start) // width) for at in times if start <= at <= end)
    count = int((end - start) // width) + 1
    return [(start + index * width, tally.get(index, 0)) for index in range(count)]


def after_action(*, incident: MajorIncident, now: datetime | None = None) -> AfterAction:
    """The after-action report of ``incident`` (read by staff and its customer's utility users:
    no caller's number, no operator's name; calls are named by number and plant code)."""
    now = now or timezone.now()
    members = IncidentMember.objects.filter(incident=incident)
    calls = list(
        Call.objects.filter(incident_member__in=members).values_list("pk", "received_at", "plant__code")
    )
    alarms = list(
        PlantAlarm.objects.filter(incident_member__in=members).values_list(
            "pk", "raised_at", "plant__code", "kind", "cleared_at"
        )
    )
    interventions = list(
        Intervention.objects.filter(
            Q(incident_member__in=members) | Q(pk=incident.lead_intervention_id or 0)
        ).values_list("pk", "opened_at", "plant__code", "arrived_at", "closed_at", "cancelled_at", "status")
    )  # fmt: skip
    updates = list(IncidentUpdate.objects.filter(incident=incident).order_by("position"))
    firsts = [call[1] for call in calls] + [alarm[1] for alarm in alarms]
    first_event = min([*firsts, incident.detected_at])
    end = incident.resolved_at or now
    start = first_event.replace(second=0, microsecond=0)
    minutes = _bucket_minutes(end - start)
    entries = [TimelineEntry(at, "call", f"#{pk} {code or ''}".strip()) for pk, at, code in calls]
    entries += [TimelineEntry(at, "alarm", f"#{pk} {code} {kind}") for pk, at, code, kind, _c in alarms]
    said = {
        "opened": gettext("opened"),
        "on_site": gettext("technician on site"),
        "closed": gettext("closed"),
    }
    for pk, opened, code, arrived, closed, cancelled, _status in interventions:
        entries.append(TimelineEntry(opened, "intervention", f"#{pk} {code} {said['opened']}"))
        if arrived:
            entries.append(TimelineEntry(arrived, "intervention", f"#{pk} {code} {said['on_site']}"))
        ended = closed or cancelled
        if ended is not None:
            entries.append(TimelineEntry(ended, "intervention", f"#{pk} {code} {said['closed']}"))
    entries += [
        TimelineEntry(u.at, "update", f"{UpdateKind(u.kind).label}: {u.public_text}") for u in updates
    ]
    entries.sort(key=lambda entry: entry.at)
    return AfterAction(
        incident=incident,
        start=start,
        end=end,
        bucket_minutes=minutes,
        calls_per_bucket=_buckets((call[1] for call in calls), start, end, minutes),
        counts={
            "calls": len(calls),
            "alarms": len(alarms),
            "interventions": len(interventions),
            "updates": sum(1 for u in updates if u.kind != UpdateKind.DECLARED),
        },  # fmt: skip
        first_event_at=first_event,
        to_detect=incident.detected_at - first_event,
        to_declare=incident.declared_at - incident.detected_at,
        to_resolve=incident.resolved_at - incident.declared_at if incident.resolved_at else None,
        timeline=entries[:TIMELINE_LISTED],
        timeline_total=len(entries),
        updates=updates,
    )


# ----------------------------------------------------------------------------------------------
# The board's groups and the wallboard's tile


@dataclass(frozen=True)
class BoardGroup:
    """An incident as the board groups it: its title, node, and how many calls and interventions."""

    pk: int
    title: str
    node: str
    calls: int
    interventions: int
    eta: datetime | None


def board_groups(*, intervention_ids: Sequence[int]) -> tuple[dict[int, int], dict[int, BoardGroup]]:
    """Which of ``intervention_ids`` belong to an incident (a member: its own case is one), and
    those incidents: three queries whatever the board's size. The board's rows are already restricted
    to what the user sees; the groups name only incidents those rows belong to."""
    ids = list(intervention_ids)
    if not ids:
        return {}, {}
    of: dict[int, int] = dict(
        IncidentMember.objects.filter(intervention_id__in=ids).values_list("intervention_id", "incident_id")
    )
    incidents = MajorIncident.objects.filter(pk__in=set(of.values())).select_related("node")
    counts = incident_counts(incident_ids=sorted(set(of.values())))
    groups = {
        i.pk: BoardGroup(
            i.pk, i.title, i.node.code, counts[i.pk]["calls"],
            counts[i.pk]["interventions"], i.eta,
        )
        for i in incidents
    }  # fmt: skip
    return of, groups


@dataclass(frozen=True)
class WallboardIncident:
    pk: int
    title: str
    node: str
    state: str
    state_label: str
    calls: int
    eta: datetime | None
    declared_at: datetime


def wallboard_incidents(*, now: datetime | None = None) -> list[WallboardIncident]:
    """The open incidents and those resolved in the last ``RECENTLY_RESOLVED``, for the wall
    screen (staff only): newest first."""
    now = now or timezone.now()
    incidents = list(
        MajorIncident.objects.filter(
            Q(state__in=ACTIVE_STATES) | Q(resolved_at__gte=now - RECENTLY_RESOLVED)
        ).select_related("node").order_by("-declared_at", "-pk")[:12]
    )  # fmt: skip
    counts = incident_counts(incident_ids=[i.pk for i in incidents])
    return [
        WallboardIncident(
            i.pk, i.title, i.node.code, i.state, str(IncidentState(i.state).label),
            counts[i.pk]["calls"], i.eta, i.declared_at,
        )
        for i in incidents
    ]  # fmt: skip


def call_incident_titles(*, call_ids: Sequence[int]) -> dict[int, str]:
    """Of ``call_ids``, those attached to an incident: the incident's title (one query)."""
    return dict(
        IncidentMember.objects.filter(call_id__in=list(call_ids)).values_list("call_id", "incident__title")
    )
