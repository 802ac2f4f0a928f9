"""What an incident gathers: calls, alarms and field interventions attached to it (each at most
once, to one incident), and the callers who asked for its updates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.choices import Role
from dispatch.history import event_record
from dispatch.models import Call, Intervention
from dispatch.phone_numbers import phone_number_normalize
from dispatch.services.common import require_role
from incidents.choices import AttachedHow
from incidents.models import IncidentMember, IncidentSubscriber, MajorIncident
from incidents.selectors.core import incident_covering
from telecontrol.models import PlantAlarm

from .common import incident_lock, require_active

ATTACHING_ROLES = (Role.OPERATOR, Role.SUPERVISOR)


def _check_actor(actor: Any) -> None:
    # actor=None: the rule, the sweep or the alarm path, which work for everybody.
    if actor is not None:
        require_role(actor, *ATTACHING_ROLES)


def _already(member: IncidentMember, incident: MajorIncident) -> IncidentMember:
    if member.incident_id != incident.pk:
        raise ValidationError(
            _("This is already attached to another major incident (%(id)s).") % {"id": member.incident_id}
        )
    return member


def _detected_earlier(incident: MajorIncident, at: datetime) -> None:
    """The first report is the earliest call or alarm attached (the caller holds the lock)."""
    if at < incident.detected_at:
        incident.detected_at = at
        incident.save(update_fields=["detected_at"])


def intervention_event(*, intervention: Intervention, incident: MajorIncident, actor: Any, kind: str) -> None:
    """Write in the intervention's own history that it belongs to the incident (``kind``:
    ``incident.declared`` for the lead case, ``incident.attached`` for a child)."""
    locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
    event_record(
        subject=locked, kind=kind, actor=actor, data={"incident": incident.pk, "title": incident.title}
    )


@transaction.atomic
def call_attach(
    *,
    actor: Any,
    incident: MajorIncident,
    call: Call,
    how: str = AttachedHow.CLICKED,
    subscribe: bool = False,
    number: str = "",
) -> IncidentMember:
    """Attach ``call`` to the open ``incident``: idempotent (already attached to it: the existing
    member), refused when attached to another incident. ``subscribe``: the caller asked for the
    updates (``number``, else the call's). Takes the incident's lock."""
    _check_actor(actor)
    incident = incident_lock(incident)
    existing = IncidentMember.objects.filter(call_id=call.pk).first()
    if existing is not None:
        member = _already(existing, incident)
    else:
        require_active(incident)
        member = IncidentMember.objects.create(
            incident=incident,
            call=call,
            plant_id=call.plant_id,
            how=how,
            attached_by=actor,
            attached_at=timezone.now(),
        )
        _detected_earlier(incident, call.received_at)
    if subscribe:
        subscriber_add(actor=actor, incident=incident, number=number or call.caller_number, call=call)
    return member


@transaction.atomic
def intervention_attach(
    *, actor: Any, incident: MajorIncident, intervention: Intervention, how: str = AttachedHow.CLICKED
) -> IncidentMember:
    """Hang a field intervention under the incident (a child: the incident closes when its
    children are closed). Idempotent like ``call_attach``; the intervention's history says so."""
    _check_actor(actor)
    incident = incident_lock(incident)
    existing = IncidentMember.objects.filter(intervention_id=intervention.pk).first()
    if existing is not None:
        return _already(existing, incident)
    require_active(incident)
    member = IncidentMember.objects.create(
        incident=incident,
        intervention=intervention,
        plant_id=intervention.plant_id,
        how=how,
        attached_by=actor,
        attached_at=timezone.now(),
    )
    intervention_event(intervention=intervention, incident=incident, actor=actor, kind="incident.attached")
    return member


@transaction.atomic
def alarm_attach(
    *, actor: Any, incident: MajorIncident, alarm: PlantAlarm, how: str = AttachedHow.CLICKED
) -> IncidentMember:
    """Attach an alarm; the case it opened (if any, and still open) hangs under the incident too."""
    _check_actor(actor)
    incident = incident_lock(incident)
    existing = IncidentMember.objects.filter(alarm_id=alarm.pk).first()
    if existing is not None:
        return _already(existing, incident)
    require_active(incident)
    member = IncidentMember.objects.create(
        incident=incident,
        alarm=alarm,
        plant_id=alarm.plant_id,
        how=how,
        attached_by=actor,
        attached_at=timezone.now(),
    )
    _detected_earlier(incident, alarm.raised_at)
    if alarm.intervention_id is not None and alarm.intervention_id != incident.lead_intervention_id:
        case = Intervention.objects.filter(pk=alarm.intervention_id).not_final().first()
        if case is not None and not IncidentMember.objects.filter(intervention_id=case.pk).exists():
            intervention_attach(actor=actor, incident=incident, intervention=case, how=how)
    return member


def alarm_member_record(*, incident_id: int, alarm: PlantAlarm) -> IncidentMember:
    """The port's side of an alarm that ``telecontrol`` attached to the incident's lead case
    (inside its transaction, under the plant's lock): the alarm becomes a member. Idempotent."""
    member, _created = IncidentMember.objects.get_or_create(
        alarm=alarm,
        defaults={
            "incident_id": incident_id,
            "plant_id": alarm.plant_id,
            "how": AttachedHow.ALARM,
            "attached_at": timezone.now(),
        },
    )
    return member


def call_auto_attach(*, call: Call) -> IncidentMember | None:
    """The port's side of a call logged on (or tied to) a plant: attach it when an open incident
    covers the plant and attaches automatically. Quiet otherwise: one small query when no
    incident is open."""
    if call.plant_id is None:
        return None
    incident = incident_covering(plant_id=call.plant_id)
    if incident is None or not incident.auto_attach:
        return None
    if IncidentMember.objects.filter(call_id=call.pk).exists():
        return None
    return call_attach(actor=None, incident=incident, call=call, how=AttachedHow.RULE)


@transaction.atomic
def subscriber_add(
    *, actor: Any, incident: MajorIncident, number: str, call: Call | None = None
) -> IncidentSubscriber:
    """Subscribe a number (any common written form; stored as E.164) to the incident's updates:
    once per number (subscribing again returns the same row, subscribed again if it had left)."""
    _check_actor(actor)
    normalized = phone_number_normalize(number, field="number")
    if not normalized:
        raise ValidationError({"number": _("A phone number is required to receive the updates.")})
    incident = incident_lock(incident)
    existing = IncidentSubscriber.objects.filter(incident=incident, number=normalized).first()
    if existing is not None:
        if existing.unsubscribed_at is not None:
            existing.unsubscribed_at = None
            existing.save(update_fields=["unsubscribed_at"])
        return existing
    require_active(incident)
    return IncidentSubscriber.objects.create(
        incident=incident, number=normalized, call=call, subscribed_by=actor, subscribed_at=timezone.now()
    )


@transaction.atomic
def subscriber_remove(*, actor: Any, subscriber: IncidentSubscriber) -> IncidentSubscriber:
    """Stop sending the updates to a subscriber (``actor=None``: the caller asked, by SMS).
    The row stays, so the deliveries already made keep their recipient."""
    _check_actor(actor)
    locked = IncidentSubscriber.objects.select_for_update().get(pk=subscriber.pk)
    if locked.unsubscribed_at is None:
        locked.unsubscribed_at = timezone.now()
        locked.save(update_fields=["unsubscribed_at"])
    return locked
