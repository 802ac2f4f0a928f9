"""An incident's life: declared on a node (by a supervisor or a rule), updated, resolved, and
closed once every case under it is closed."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.choices import InterventionStatus, Priority, Role
from dispatch.models import Call, Intervention, Plant
from dispatch.services import intervention_open, priority_for_customer
from dispatch.services.common import require_role
from incidents import broadcast
from incidents.choices import AttachedHow, IncidentState, UpdateKind
from incidents.models import (
    PUBLIC_MESSAGE_MAX,
    TITLE_MAX,
    IncidentMember,
    IncidentRule,
    IncidentUpdate,
    MajorIncident,
)
from incidents.selectors.core import PROPOSAL_WINDOW_MINUTES
from network.selectors import reach, reach_ids
from telecontrol.models import PlantAlarm

from .common import incident_lock, next_position, now_or, require_active
from .members import intervention_event

# ``incident_update(eta=UNCHANGED)``: the message changes, the estimate stays.
UNCHANGED: Any = object()
FINAL_STATUSES = (InterventionStatus.CLOSED, InterventionStatus.CANCELLED)


def _text(value: str | None, field: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: _("This field is required.")})
    if len(text) > limit:
        raise ValidationError(
            {
                field: _("At most %(limit)s characters (this has %(length)s).")
                % {"limit": limit, "length": len(text)}
            }
        )
    return text


def _validate_declaration(*, node: Plant, rule: IncidentRule | None) -> None:
    if not node.active:
        raise ValidationError({"node": _("This plant is out of service.")})
    if not node.customer.active:
        raise ValidationError({"node": _("This plant's customer is no longer active.")})
    if rule is not None and rule.customer_id is not None and rule.customer_id != node.customer_id:
        raise ValidationError({"node": _("This plant is not the rule's customer's.")})
    if MajorIncident.objects.filter(node=node, state=IncidentState.OPEN).exists():
        raise ValidationError({"node": _("A major incident is already open on this plant.")})


def _update_add(
    *, incident: MajorIncident, kind: str, public_text: str, actor: Any, at: datetime, eta: datetime | None
) -> IncidentUpdate:
    update = IncidentUpdate.objects.create(
        incident=incident,
        position=next_position(incident),
        kind=kind,
        public_text=public_text,
        eta=eta,
        by=actor,
        at=at,
    )
    # Inside the transaction: the outbox rows commit (or roll back) with the update. Every kind:
    # the declaration goes to the customer's contacts (incidents.broadcast decides who gets what).
    broadcast.update_broadcast(update=update)
    return update


def _attach_recent(*, incident: MajorIncident, window_minutes: int, now: datetime) -> datetime | None:
    """Attach, in bulk, the calls received within the window and the alarms raised within it and
    still up, on plants within the reach and attached to no incident; the cases those alarms
    opened hang under the incident. The earliest of their times, or None."""
    since = now - timedelta(minutes=window_minutes)
    plants = reach_ids(plant_ids=[incident.node_id])
    calls = list(
        Call.objects.filter(
            plant_id__in=plants, received_at__gte=since, received_at__lte=now, incident_member__isnull=True
        ).values_list("pk", "plant_id", "received_at")
    )
    alarms = list(
        PlantAlarm.objects.filter(
            plant_id__in=plants,
            raised_at__gte=since,
            raised_at__lte=now,
            cleared_at__isnull=True,
            incident_member__isnull=True,
        ).values_list("pk", "plant_id", "raised_at", "intervention_id")
    )
    attached_at = timezone.now()
    common = {"incident": incident, "how": AttachedHow.DECLARED, "attached_at": attached_at}
    rows = [IncidentMember(call_id=pk, plant_id=plant_id, **common) for pk, plant_id, _at in calls]
    rows += [IncidentMember(alarm_id=pk, plant_id=plant_id, **common) for pk, plant_id, _at, _case in alarms]
    IncidentMember.objects.bulk_create(rows, batch_size=500)
    cases = {case for *_rest, case in alarms if case is not None and case != incident.lead_intervention_id}
    for case in Intervention.objects.filter(pk__in=cases, incident_member__isnull=True).not_final():
        IncidentMember.objects.create(intervention=case, plant_id=case.plant_id, **common)
        intervention_event(intervention=case, incident=incident, actor=None, kind="incident.attached")
    times = [at for _pk, _plant, at in calls] + [at for _pk, _plant, at, _case in alarms]
    return min(times, default=None)


@transaction.atomic
def incident_declare(
    *,
    actor: Any,
    node: Plant,
    title: str,
    public_message: str,
    cause: str = "",
    eta: datetime | None = None,
    auto_attach: bool = False,
    rule: IncidentRule | None = None,
    now: datetime | None = None,
) -> MajorIncident:
    """Declare a major incident on ``node`` (``actor``: a supervisor, or None for a rule): one
    open incident per node. Opens the incident's lead case on the node (alarms within the reach
    join it when the incident attaches automatically), keeps the reach's figures, writes the
    declaration as update 1. With a rule or ``auto_attach``, the calls and alarms of the rule's
    window (or the last hour) within the reach attach at once. Takes the node's plant lock, so
    two declarations on one node never both pass the check."""
    if actor is not None:
        require_role(actor, Role.SUPERVISOR)
    now = now_or(now)
    title = _text(title, "title", TITLE_MAX)
    public_message = _text(public_message, "public_message", PUBLIC_MESSAGE_MAX)
    node = Plant.objects.select_for_update(of=("self",)).select_related("customer").get(pk=node.pk)
    _validate_declaration(node=node, rule=rule)
    lead = intervention_open(
        actor=actor,
        plant=node,
        summary=_("Major incident: %(title)s") % {"title": title},
        priority=priority_for_customer(base=Priority.HIGH, plant=node),
    )
    figures = reach(plant=node, everything=True, limit=0)
    incident = MajorIncident(
        customer_id=node.customer_id,
        node=node,
        title=title,
        cause=(cause or "").strip(),
        public_message=public_message,
        eta=eta,
        state=IncidentState.OPEN,
        rule=rule,
        auto_attach=auto_attach,
        lead_intervention=lead,
        declared_by=actor,
        detected_at=now,
        declared_at=now,
        public_token=secrets.token_urlsafe(32),
        reach_nodes=figures.nodes,
        reach_supply_points=figures.total_supply_points,
    )
    incident.full_clean(exclude=["node", "customer", "rule", "lead_intervention", "declared_by"])
    try:
        with transaction.atomic():
            incident.save(force_insert=True)
    except IntegrityError as exc:  # a declaration on the same node committed in between
        raise ValidationError({"node": _("A major incident is already open on this plant.")}) from exc
    IncidentMember.objects.create(
        incident=incident,
        intervention=lead,
        plant=node,
        how=AttachedHow.DECLARED,
        attached_by=actor,
        attached_at=now,
    )
    intervention_event(intervention=lead, incident=incident, actor=actor, kind="incident.declared")
    if rule is not None or auto_attach:
        window = rule.window_minutes if rule is not None else PROPOSAL_WINDOW_MINUTES
        first = _attach_recent(incident=incident, window_minutes=window, now=now)
        if first is not None and first < incident.detected_at:
            incident.detected_at = first
            incident.save(update_fields=["detected_at"])
    _update_add(
        incident=incident, kind=UpdateKind.DECLARED, public_text=public_message, actor=actor, at=now, eta=eta
    )
    return incident


@transaction.atomic
def incident_update(
    *, actor: Any, incident: MajorIncident, public_text: str, eta: datetime | None | object = UNCHANGED
) -> IncidentUpdate:
    """A new public message (kind ``message``) or, when ``eta`` changes, a new estimate (kind
    ``eta``) on an open incident; sent to its subscribers and contacts. Supervisors only."""
    require_role(actor, Role.SUPERVISOR)
    text = _text(public_text, "public_text", PUBLIC_MESSAGE_MAX)
    incident = incident_lock(incident)
    require_active(incident)
    kind = UpdateKind.MESSAGE
    fields = ["public_message"]
    if eta is not UNCHANGED and eta != incident.eta:
        kind = UpdateKind.ETA
        incident.eta = cast("datetime | None", eta)
        fields.append("eta")
    incident.public_message = text
    incident.save(update_fields=fields)
    return _update_add(
        incident=incident, kind=kind, public_text=text, actor=actor, at=timezone.now(), eta=incident.eta
    )


@transaction.atomic
def incident_resolve(*, actor: Any, incident: MajorIncident, public_text: str) -> IncidentUpdate:
    """The fault is fixed: the final message goes out, no more calls attach; the incident closes
    when its cases are closed (at once if they already are). Supervisors only."""
    require_role(actor, Role.SUPERVISOR)
    text = _text(public_text, "public_text", PUBLIC_MESSAGE_MAX)
    incident = incident_lock(incident)
    require_active(incident)
    now = timezone.now()
    incident.state = IncidentState.RESOLVED
    incident.resolved_at = now
    incident.public_message = text
    incident.save(update_fields=["state", "resolved_at", "public_message"])
    update = _update_add(
        incident=incident, kind=UpdateKind.RESOLVED, public_text=text, actor=actor, at=now, eta=incident.eta
    )
    incident_close_if_done(incident=incident, now=now)
    return update


@transaction.atomic
def incident_close_if_done(*, incident: MajorIncident, now: datetime | None = None) -> bool:
    """Close a resolved incident whose member interventions are all closed or cancelled; True
    when it closed now. Idempotent (a closed or open incident: False)."""
    incident = incident_lock(incident)
    if incident.state != IncidentState.RESOLVED:
        return False
    pending = (
        IncidentMember.objects.filter(incident=incident, intervention__isnull=False)
        .exclude(intervention__status__in=FINAL_STATUSES)
        .exists()
    )
    if pending:
        return False
    incident.state = IncidentState.CLOSED
    incident.closed_at = now_or(now)
    incident.save(update_fields=["state", "closed_at"])
    return True
