"""Interventions: opened from a call or an alarm, assigned, worked and closed (``transitions``)."""

import logging
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from dispatch import ports
from dispatch.choices import CALL_TYPE_PRIORITY, InterventionStatus, Priority, Role, ServiceClass
from dispatch.errors import TransitionNotAllowed
from dispatch.history import event_record, subject_save_with_first_event, value_plain
from dispatch.models import NOTES_MAX_LENGTH, Call, Event, Intervention, InterventionAssignment, Plant
from dispatch.roles import has_role
from dispatch.transitions import Transition, transition_check

from .common import require_role, required_text

User = get_user_model()
logger = logging.getLogger(__name__)


def intervention_default_priority(*, call_type: str, plant: Plant) -> int:
    """Severity from the call type, raised one step for Business and Gold customers."""
    return priority_for_customer(base=CALL_TYPE_PRIORITY.get(call_type, Priority.NORMAL), plant=plant)


def priority_for_customer(*, base: int, plant: Plant) -> int:
    """``base`` severity raised one step for Business and Gold customers."""
    priority = base
    if plant.customer.service_class in (ServiceClass.BUSINESS, ServiceClass.GOLD):
        priority = max(Priority.CRITICAL, priority - 1)
    return int(priority)


def _intervention_snapshot(intervention: Intervention) -> dict:
    return {
        "call": intervention.call_id,
        "plant": value_plain(intervention.plant),
        "summary": intervention.summary,
        "priority": intervention.priority,
        "status": intervention.status,
        "technician": value_plain(intervention.technician),
    }


@transaction.atomic
def intervention_open(
    *, actor, summary: str, plant: Plant | None = None, priority: int | None = None, call: Call | None = None
) -> Intervention:
    """Open an intervention on a plant, from a call or (``actor=None``) from a telemetry alarm.

    The plant defaults to the call's. The priority defaults to the call type's severity and
    the customer's class.
    """
    if actor is not None:
        require_role(actor, Role.OPERATOR, Role.SUPERVISOR)
    if plant is None and call is not None:
        plant = call.plant
    if plant is None:
        raise ValidationError({"plant": _("Say which plant the intervention is for.")})
    if not (summary or "").strip():
        raise ValidationError({"summary": _("A summary is required.")})
    if priority is None:
        priority = intervention_default_priority(call_type=call.call_type if call else "", plant=plant)
    intervention = Intervention(
        call=call,
        plant=plant,
        summary=summary.strip(),
        priority=priority,
        status=InterventionStatus.OPEN,
        opened_at=timezone.now(),
        opened_by=actor,
    )
    intervention.full_clean(validate_unique=False, validate_constraints=False)
    subject_save_with_first_event(
        intervention,
        kind="intervention.opened",
        actor=actor,
        data={"after": _intervention_snapshot(intervention)},
    )
    return intervention


def _intervention_lock_and_check(*, actor, intervention: Intervention, action: str):
    # The before/after of an assignment names the technician, and the notifications it sends
    # describe the plant and the call: load them with the lock (only the intervention is locked).
    locked = (
        Intervention.objects.select_for_update(of=("self",))
        .select_related("technician", "plant", "call")
        .get(pk=intervention.pk)
    )
    return locked, transition_check(user=actor, intervention=locked, action=action)


def _intervention_apply(
    *, actor, intervention: Intervention, transition: Transition, changes: dict
) -> Intervention:
    fields = {"status": transition.target, **changes}
    before = {name: value_plain(getattr(intervention, name)) for name in fields}
    for name, value in fields.items():
        setattr(intervention, name, value)
    # Only what changes is validated: the rest was when it was set. A related object handed in
    # loaded (the technician) exists: checking its foreign key again would cost a query.
    unchanged = [
        field.name
        for field in Intervention._meta.concrete_fields
        if field.name not in fields or (field.is_relation and isinstance(fields[field.name], models.Model))
    ]
    intervention.full_clean(exclude=unchanged, validate_unique=False, validate_constraints=False)
    intervention.save(update_fields=list(fields))
    after = {name: value_plain(getattr(intervention, name)) for name in fields}
    event_record(
        subject=intervention,
        kind=f"intervention.{transition.action}",
        actor=actor,
        data={"before": before, "after": after},
    )
    return intervention


@transaction.atomic
def intervention_assign(*, actor, intervention: Intervention, technician) -> Intervention:
    """Assign (or re-assign) to a technician; operators and supervisors, or the system itself
    (``actor=None``: an escalation step handing the case to the technician on call; the history
    records "system" as who did it). The technician is remembered among those ever assigned to
    it (``InterventionAssignment``). Refused: a technician not active or not a technician, the
    one it is assigned to already (ValidationError), a case no longer active (TransitionNotAllowed)."""
    locked, transition = _intervention_lock_and_check(actor=actor, intervention=intervention, action="assign")
    if technician is None or not technician.is_active or not has_role(technician, Role.TECHNICIAN):
        raise ValidationError({"technician": _("Choose an active technician.")})
    if locked.status == InterventionStatus.ASSIGNED and locked.technician_id == technician.pk:
        raise ValidationError({"technician": _("The intervention is already assigned to this technician.")})
    previous_technician_id = locked.technician_id
    now = timezone.now()
    assigned = _intervention_apply(
        actor=actor,
        intervention=locked,
        transition=transition,
        changes={"technician": technician, "assigned_at": now, "acknowledged_at": None},
    )
    # Under the intervention's lock: two assignments of it never race for the same row.
    InterventionAssignment.objects.get_or_create(
        intervention=assigned, technician=technician, defaults={"assigned_at": now}
    )
    # Inside the transaction: the notifications' outbox rows commit or roll back with it.
    ports.notifier().intervention_assigned(
        intervention=assigned, previous_technician_id=previous_technician_id
    )
    return assigned


@transaction.atomic
def intervention_acknowledge(
    *, actor, intervention: Intervention, at: datetime | None = None
) -> Intervention:
    """The assigned technician has seen the assignment (``at``: when, if not now: a step taken
    offline on the phone)."""
    locked, transition = _intervention_lock_and_check(
        actor=actor, intervention=intervention, action="acknowledge"
    )
    changes = {"acknowledged_at": at or timezone.now()} if locked.acknowledged_at is None else {}
    return _intervention_apply(actor=actor, intervention=locked, transition=transition, changes=changes)


@transaction.atomic
def intervention_arrive(*, actor, intervention: Intervention, at: datetime | None = None) -> Intervention:
    """The assigned technician is on site. ``arrived_at`` keeps the first arrival, which the
    regulator's arrival-time standard measures."""
    locked, transition = _intervention_lock_and_check(actor=actor, intervention=intervention, action="arrive")
    changes = {"arrived_at": at or timezone.now()} if locked.arrived_at is None else {}
    return _intervention_apply(actor=actor, intervention=locked, transition=transition, changes=changes)


@transaction.atomic
def intervention_complete(
    *, actor, intervention: Intervention, closing_reason: str, at: datetime | None = None
) -> Intervention:
    """The assigned technician reports the work done and why the case can be closed."""
    locked, transition = _intervention_lock_and_check(
        actor=actor, intervention=intervention, action="complete"
    )
    reason = required_text(closing_reason, "closing_reason")
    return _intervention_apply(
        actor=actor,
        intervention=locked,
        transition=transition,
        changes={"closing_reason": reason, "completed_at": at or timezone.now()},
    )


@transaction.atomic
def intervention_close(*, actor, intervention: Intervention, override_reason: str = "") -> Intervention:
    """Close a completed intervention after reading its closing reason: supervisors only.

    While the plant still reports an anomaly or is out of service, closing needs
    ``override_reason``; the reason and the plant's state go into the history. A case in its
    type's verification period (``ports.case_verification``) is not closed before its end."""
    locked, transition = _intervention_lock_and_check(actor=actor, intervention=intervention, action="close")
    verifying_until = ports.case_verification().verifying_until(intervention=locked)
    if verifying_until is not None and timezone.now() < verifying_until:
        raise TransitionNotAllowed(
            _("This case is in verification until %(until)s: it may be closed after that.")
            % {"until": formats.date_format(timezone.localtime(verifying_until), "DATETIME_FORMAT")}
        )
    faults = ports.plant_telemetry().faults_reported(plant=locked.plant)
    override = (override_reason or "").strip()
    changes = {"closed_at": timezone.now(), "closed_by": actor}
    if faults:
        if not override:
            raise ValidationError(
                {
                    "override_reason": _(
                        "The plant still reports: %(faults)s. Give a reason to close anyway."
                    )
                    % {"faults": ", ".join(faults)}
                }
            )
        changes["close_override_reason"] = override
    closed = _intervention_apply(actor=actor, intervention=locked, transition=transition, changes=changes)
    if faults:
        event_record(
            subject=closed,
            kind="intervention.close_override",
            actor=actor,
            data={
                "override_reason": override,
                "faults": faults,
                "plant_status": ports.plant_telemetry().status_snapshot(plant_id=closed.plant_id),
            },
        )
    return closed


@transaction.atomic
def intervention_cancel(*, actor, intervention: Intervention, reason: str = "") -> Intervention:
    """Cancel an intervention that is not final: supervisors only."""
    locked, transition = _intervention_lock_and_check(actor=actor, intervention=intervention, action="cancel")
    cancelled = _intervention_apply(
        actor=actor,
        intervention=locked,
        transition=transition,
        changes={"cancel_reason": (reason or "").strip(), "cancelled_at": timezone.now()},
    )
    ports.notifier().intervention_cancelled(intervention=cancelled)
    return cancelled


@transaction.atomic
def intervention_note_add(*, actor, intervention: Intervention, text: str) -> Event:
    """Add a note to the intervention's history (operators, supervisors, its technician)."""
    locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
    is_assignee = has_role(actor, Role.TECHNICIAN) and locked.technician_id == actor.pk
    if not (has_role(actor, Role.OPERATOR, Role.SUPERVISOR) or is_assignee):
        raise PermissionDenied(_("Your role does not allow this action."))
    note = required_text(text, "text")
    if len(note) > NOTES_MAX_LENGTH:
        raise ValidationError(
            {"text": _("A note may be at most %(limit)d characters.") % {"limit": NOTES_MAX_LENGTH}}
        )
    return event_record(subject=locked, kind="intervention.note", actor=actor, data={"note": note})


@transaction.atomic
def intervention_priority_raise(
    *, actor, intervention: Intervention, priority: int, reason: str
) -> Intervention:
    """Raise an open case's priority (its type, the caller's class or its reach call for more):
    never lowered here, and said in its history with the reason."""
    require_role(actor, Role.OPERATOR, Role.SUPERVISOR)
    if priority not in Priority.values:
        raise ValidationError({"priority": _("Unknown priority.")})
    locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
    if (
        locked.status in (InterventionStatus.CLOSED, InterventionStatus.CANCELLED)
        or priority >= locked.priority
    ):
        return locked
    before = locked.priority
    locked.priority = priority
    locked.save(update_fields=["priority"])
    event_record(
        subject=locked,
        kind="intervention.priority_raised",
        actor=actor,
        data={"before": {"priority": before}, "after": {"priority": priority}, "reason": reason},
    )
    return locked
