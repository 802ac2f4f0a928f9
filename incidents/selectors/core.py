"""What covers a plant or a call, the open incidents, their members and the proposed attachments.

Coverage follows the supply network: an incident declared on a node covers the node and every
plant it feeds (``network.selectors``). The network walks are unrestricted (they serve code
that works for everybody); ``incidents_open`` is the one read here that a page lists for a user,
and it goes through the access layer.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q, QuerySet

from dispatch.access import restrict
from dispatch.models import Call
from incidents.choices import IncidentState
from incidents.models import IncidentMember, MajorIncident
from network.selectors import reach_ids, upstream_ids
from telecontrol.models import PlantAlarm

# How far before the first report a call or alarm is still proposed, without a rule's window.
PROPOSAL_WINDOW_MINUTES = 60
PROPOSAL_LIMIT = 200


def incident_covering(*, plant_id: int) -> MajorIncident | None:
    """The open incident (the most recently declared) whose node is ``plant_id`` or one of the
    plants feeding it; None when none does.

    The common case is no open incident at all: then this costs one small query and never walks
    the network (it is asked on every call logged on a plant and every alarm raised)."""
    open_nodes = set(MajorIncident.objects.filter(state=IncidentState.OPEN).values_list("node_id", flat=True))
    if not open_nodes:
        return None
    candidates = {plant_id, *upstream_ids(plant=plant_id)} & open_nodes
    if not candidates:
        return None
    return (
        MajorIncident.objects.filter(state=IncidentState.OPEN, node_id__in=candidates)
        .order_by("-declared_at", "-pk")
        .first()
    )


def incidents_open(*, user=None, include_resolved: bool = False) -> QuerySet[MajorIncident]:
    """The open incidents (with ``include_resolved``, also those resolved and not yet closed),
    latest first, as ``user`` may see them; ``user=None``: unrestricted, for code that works
    for everybody (tasks, the wallboard's own checks)."""
    states = [IncidentState.OPEN, IncidentState.RESOLVED] if include_resolved else [IncidentState.OPEN]
    incidents = MajorIncident.objects.filter(state__in=states).select_related("node", "customer")
    return incidents if user is None else restrict(incidents, user)


def incident_for_call(*, call: Call) -> MajorIncident | None:
    """The incident a call belongs to or is about: the one it is attached to; else the open one
    covering its plant; else, for a call with no plant, an open incident its caller's number
    already called about or subscribed to (a caller who rings again from the same phone)."""
    member = IncidentMember.objects.filter(call_id=call.pk).select_related("incident").first()
    if member is not None:
        return member.incident
    if call.plant_id is not None:
        covering = incident_covering(plant_id=call.plant_id)
        if covering is not None:
            return covering
    if not call.caller_number:
        return None
    return (
        MajorIncident.objects.filter(state=IncidentState.OPEN)
        .filter(
            Q(subscribers__number=call.caller_number, subscribers__unsubscribed_at__isnull=True)
            | Q(members__call__caller_number=call.caller_number)
        )
        .order_by("-declared_at", "-pk")
        .distinct()
        .first()
    )


def proposal_since(*, incident: MajorIncident) -> datetime:
    """From when calls and alarms within the reach are proposed: the rule's window (or an hour)
    before the first report."""
    minutes = incident.rule.window_minutes if incident.rule_id and incident.rule else PROPOSAL_WINDOW_MINUTES
    return incident.detected_at - timedelta(minutes=minutes)


def incident_reach_ids(*, incident: MajorIncident) -> set[int]:
    """The plants the incident covers now (the network may have changed since it was declared)."""
    return reach_ids(plant_ids=[incident.node_id])


def proposed_calls(
    *, incident: MajorIncident, limit: int = PROPOSAL_LIMIT, plant_ids: set[int] | None = None
) -> list[Call]:
    """Calls on plants within the reach since ``proposal_since``, attached to no incident, oldest
    first. ``plant_ids``: the reach when the caller has it already."""
    plants = incident_reach_ids(incident=incident) if plant_ids is None else plant_ids
    calls = (
        Call.objects.filter(
            plant_id__in=plants,
            received_at__gte=proposal_since(incident=incident),
            incident_member__isnull=True,
        )
        .select_related("plant")
        .order_by("received_at", "pk")
    )
    return list(calls[:limit]) if limit else list(calls)


def proposed_alarms(
    *, incident: MajorIncident, limit: int = PROPOSAL_LIMIT, plant_ids: set[int] | None = None
) -> list[PlantAlarm]:
    """Alarms on plants within the reach raised since ``proposal_since``, attached to no
    incident, oldest first."""
    plants = incident_reach_ids(incident=incident) if plant_ids is None else plant_ids
    alarms = (
        PlantAlarm.objects.filter(
            plant_id__in=plants,
            raised_at__gte=proposal_since(incident=incident),
            incident_member__isnull=True,
        )
        .select_related("plant")
        .order_by("raised_at", "pk")
    )
    return list(alarms[:limit]) if limit else list(alarms)


def incident_members(*, incident: MajorIncident) -> QuerySet[IncidentMember]:
    """Everything attached to the incident, in the order it was attached."""
    return IncidentMember.objects.filter(incident=incident).select_related(
        "call", "alarm", "intervention", "plant", "attached_by"
    )
