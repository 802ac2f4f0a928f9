"""Timed callbacks to the caller, and their reminders."""

import logging
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch import ports
from dispatch.choices import CallbackStatus, Role
from dispatch.errors import TransitionNotAllowed
from dispatch.history import event_record, value_plain
from dispatch.models import Call, Callback, Intervention
from dispatch.phone_numbers import phone_number_normalize
from dispatch.roles import has_role
from dispatch.timing import seconds_between

from .common import require_role

User = get_user_model()
logger = logging.getLogger(__name__)


def _callback_subject_locked(callback: Callback) -> Call | Intervention:
    if callback.intervention_id is not None:
        return Intervention.objects.select_for_update().get(pk=callback.intervention_id)
    return Call.objects.select_for_update().get(pk=callback.call_id or 0)


def _callback_data(callback: Callback) -> dict:
    return {
        "callback": callback.pk,
        "number": callback.number,
        "due_at": callback.due_at,
        "note": callback.note,
        "assigned_to": value_plain(callback.assigned_to),
        "status": callback.status,
    }


@transaction.atomic
def callback_schedule(
    *,
    actor,
    due_at,
    call: Call | None = None,
    intervention: Intervention | None = None,
    number: str | None = None,
    note: str = "",
    assigned_to=None,
) -> Callback:
    """Schedule a callback to the caller (the call's number unless another is given) or any
    reminder on a call or intervention: operators and supervisors."""
    require_role(actor, Role.OPERATOR, Role.SUPERVISOR)
    if (call is None) == (intervention is None):
        raise ValidationError(_("A callback belongs to one call or one intervention."))
    if due_at is None:
        raise ValidationError({"due_at": _("Say when to call back.")})
    if seconds_between(timezone.now(), due_at) < -timedelta(minutes=1).total_seconds():
        raise ValidationError({"due_at": _("The time to call back is in the past.")})
    if assigned_to is not None and not has_role(assigned_to, Role.OPERATOR, Role.SUPERVISOR):
        raise ValidationError({"assigned_to": _("Callbacks are assigned to operators or supervisors.")})
    if number:
        number = phone_number_normalize(number, field="number")
    else:
        source_call = call if call is not None else intervention.call if intervention is not None else None
        number = source_call.caller_number if source_call is not None else ""
    callback = Callback(
        call=call,
        intervention=intervention,
        number=number,
        due_at=due_at,
        note=(note or "").strip(),
        assigned_to=assigned_to,
        created_at=timezone.now(),
        created_by=actor,
    )
    callback.full_clean(validate_constraints=False)
    callback.save()
    subject = _callback_subject_locked(callback)
    event_record(subject=subject, kind="callback.scheduled", actor=actor, data=_callback_data(callback))
    return callback


@transaction.atomic
def callback_request_by_caller(*, call: Call, due_at, note: str = "") -> Callback:
    """The caller chose, at the phone system's prompt, to be called back rather than wait (or
    booked a time): a callback to the call's number, for any operator. The phone system is the
    actor; a second request for the same call changes nothing."""
    locked = Call.objects.select_for_update().get(pk=call.pk)
    existing = Callback.objects.filter(
        call=locked, created_by__isnull=True, status=CallbackStatus.SCHEDULED
    ).first()
    if existing is not None:
        return existing
    callback = Callback(
        call=locked,
        number=locked.caller_number,
        due_at=due_at,
        note=(note or "").strip(),
        created_at=timezone.now(),
        created_by=None,
    )
    callback.full_clean(validate_constraints=False)
    callback.save()
    event_record(subject=locked, kind="callback.scheduled", actor=None, data=_callback_data(callback))
    return callback


def _callback_finish(*, actor, callback: Callback, status: str, outcome: str, kind: str) -> Callback:
    require_role(actor, Role.OPERATOR, Role.SUPERVISOR)
    locked = Callback.objects.select_for_update().get(pk=callback.pk)
    if locked.status != CallbackStatus.SCHEDULED:
        raise TransitionNotAllowed(
            _("This callback is already %(status)s.") % {"status": locked.get_status_display().lower()}
        )
    locked.status, locked.outcome = status, (outcome or "").strip()[:500]
    locked.completed_at, locked.completed_by = timezone.now(), actor
    locked.save(update_fields=["status", "outcome", "completed_at", "completed_by"])
    subject = _callback_subject_locked(locked)
    event_record(
        subject=subject, kind=kind, actor=actor, data={**_callback_data(locked), "outcome": locked.outcome}
    )
    return locked


@transaction.atomic
def callback_complete(*, actor, callback: Callback, outcome: str) -> Callback:
    """The operator called back; what was said is recorded in the history."""
    if not (outcome or "").strip():
        raise ValidationError({"outcome": _("Say how the callback went.")})
    return _callback_finish(
        actor=actor, callback=callback, status=CallbackStatus.DONE, outcome=outcome, kind="callback.completed"
    )


@transaction.atomic
def callback_cancel(*, actor, callback: Callback, reason: str = "") -> Callback:
    return _callback_finish(
        actor=actor,
        callback=callback,
        status=CallbackStatus.CANCELLED,
        outcome=reason,
        kind="callback.cancelled",
    )


def callbacks_remind(*, now=None) -> int:
    """Remind, once, of every callback that has come due: its history records it and the
    assigned operator is notified. Idempotent (``reminded_at`` is set under the row lock)."""
    now = now or timezone.now()
    reminded = 0
    due = Callback.objects.filter(status=CallbackStatus.SCHEDULED, reminded_at__isnull=True, due_at__lte=now)
    for pk in due.values_list("pk", flat=True)[:500]:
        with transaction.atomic():
            callback = (
                Callback.objects.select_for_update(of=("self",))
                .select_related("assigned_to", "intervention__plant", "call")
                .get(pk=pk)
            )
            if callback.status != CallbackStatus.SCHEDULED or callback.reminded_at is not None:
                continue
            callback.reminded_at = now
            callback.save(update_fields=["reminded_at"])
            subject = _callback_subject_locked(callback)
            event_record(subject=subject, kind="callback.due", actor=None, data=_callback_data(callback))
            ports.notifier().callback_due(callback=callback, now=now)
            reminded += 1
    return reminded
