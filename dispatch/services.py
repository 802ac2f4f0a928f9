"""Every write to calls, interventions and their history.

Services are keyword-only and atomic; each leaves its ``Event``. They raise
``PermissionDenied`` (403), ``ValidationError`` (400, keyed by field) or
``TransitionNotAllowed`` (409); callers (API, web, admin, tasks) translate, never re-check.
"""

import hashlib
import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models.sql import InsertQuery
from django.utils import timezone
from django.utils.translation import gettext as _

# telecontrol builds on dispatch's models; its reads are imported here, never its services.
from telecontrol.selectors import plant_faults_reported, plant_status_snapshot

from . import selectors
from .choices import (
    CALL_TYPE_PRIORITY,
    CallbackStatus,
    CallSource,
    CallType,
    DocumentKind,
    InterventionStatus,
    PlantMatch,
    Priority,
    ReportRunKind,
    ReportRunStatus,
    Role,
    Service,
    ServiceClass,
    SubjectType,
    TelephonyEventType,
)
from .errors import TransitionNotAllowed
from .history import event_canonical, event_digest, json_plain
from .models import (
    NOTES_MAX_LENGTH,
    Call,
    Callback,
    CallScript,
    CallScriptAnswer,
    Customer,
    Event,
    Intervention,
    InterventionStep,
    Plant,
    PlantDocument,
    ServiceLevelProfile,
    ServiceLevelProfileChange,
    ServiceLevelReportRun,
    ServiceLevelSignOff,
    TelephonyReceipt,
    UserProfile,
)
from .phone import phone_number_normalize
from .roles import has_role, user_customer_id
from .scripts import script_parse
from .transitions import TRANSITIONS, Transition, transition_check

User = get_user_model()

# A phone system's or operator's clock may run a little ahead of ours.
CLOCK_SKEW = timedelta(minutes=2)
logger = logging.getLogger(__name__)


# ----------------------------------------------------------------------------------------------
# History


def _actor_label(actor) -> str:
    return actor.get_username() if actor is not None else "system"


def _plain(value: Any) -> Any:
    """A field value as the history stores it: users by username, plants by code."""
    if isinstance(value, Plant):
        return value.code
    if isinstance(value, models.Model):
        return value.get_username() if hasattr(value, "get_username") else str(value.pk)
    return value


def _event_build(
    *, subject: Call | Intervention, kind: str, actor, data: dict | None, seq: int, prev_hash: str
) -> Event:
    """An unsaved event at ``seq`` of ``subject``'s chain, its digest computed."""
    if isinstance(subject, Call):
        subject_type, call_id, intervention_id = SubjectType.CALL, subject.pk, None
    else:
        subject_type, call_id, intervention_id = SubjectType.INTERVENTION, None, subject.pk
    fields = {
        "subject_type": str(subject_type),
        "subject_id": subject.pk,
        "seq": seq,
        "occurred_at": timezone.now(),
        "actor_id": actor.pk if actor is not None else None,
        "actor_label": _actor_label(actor),
        "kind": kind,
        "call_id": call_id,
        "intervention_id": intervention_id,
        "data": json_plain(data or {}),
        "prev_hash": prev_hash,
    }
    return Event(**fields, hash=event_digest(event_canonical(**fields)))


def event_record(
    *, subject: Call | Intervention, kind: str, actor, data: dict | None = None, chain_start: bool = False
) -> Event:
    """Append an event to ``subject``'s hash chain.

    The caller must hold the subject's row lock (``select_for_update``) or have created the
    subject in the current transaction (``chain_start=True``): that lock, not a global one,
    orders the chain, so writes on different calls never wait for each other.
    """
    seq, prev_hash = 1, ""
    if not chain_start:
        subject_type = SubjectType.CALL if isinstance(subject, Call) else SubjectType.INTERVENTION
        last = (
            Event.objects.filter(subject_type=subject_type, subject_id=subject.pk)
            .order_by("-seq")
            .values_list("seq", "hash")
            .first()
        )
        if last is not None:
            seq, prev_hash = last[0] + 1, last[1]
    event = _event_build(subject=subject, kind=kind, actor=actor, data=data, seq=seq, prev_hash=prev_hash)
    event.save(force_insert=True)
    return event


def _save_with_first_event(subject: Call | Intervention, *, kind: str, actor, data: dict) -> Event:
    """Insert a new call or intervention together with the first event of its chain."""
    with transaction.atomic():
        subject.save(force_insert=True)
        return event_record(subject=subject, kind=kind, actor=actor, data=data, chain_start=True)


# ----------------------------------------------------------------------------------------------
# Calls


def _require_role(actor, *roles: str) -> None:
    if not has_role(actor, *roles):
        raise PermissionDenied(_("Your role does not allow this action."))


def _validate_call_times(
    *, received_at: datetime, answered_at: datetime | None, ended_at: datetime | None
) -> None:
    limit = timezone.now() + CLOCK_SKEW
    errors: dict[str, str] = {}
    for name, value in (("received_at", received_at), ("answered_at", answered_at), ("ended_at", ended_at)):
        if value is not None and value > limit:
            errors[name] = _("This time is in the future.")
    if answered_at is not None and answered_at < received_at:
        errors["answered_at"] = _("A call cannot be answered before it was received.")
    if ended_at is not None and ended_at < received_at:
        errors["ended_at"] = _("A call cannot end before it was received.")
    elif ended_at is not None and answered_at is not None and ended_at < answered_at:
        errors["ended_at"] = _("A call cannot end before it was answered.")
    if errors:
        raise ValidationError(errors)


def _call_duration(call: Call) -> int | None:
    """Seconds from the first ring to hang-up (like a CDR's ``duration``); wait time is separate."""
    if call.ended_at is None:
        return None
    return int((call.ended_at - call.received_at).total_seconds())


def _validate_operator(operator) -> None:
    if operator is not None and not has_role(operator, Role.OPERATOR, Role.SUPERVISOR):
        raise ValidationError({"operator": _("This user is not an operator.")})


# One round trip for both ways a number identifies a plant (a KnownNumber registered for exactly
# one plant wins over the plant of the latest earlier call from the same number) and, on
# PostgreSQL, the new call's id, so that the call and its first event go in one statement.
_CALL_PREPARE_SQL = """
SELECT {next_id}, p.id, p.code, CASE WHEN m.known IS NOT NULL THEN %s ELSE %s END
FROM (
    SELECT
        (SELECT CASE WHEN COUNT(DISTINCT plant_id) = 1 THEN MIN(plant_id) END
           FROM dispatch_knownnumber WHERE number = %s) AS known,
        (SELECT plant_id FROM dispatch_call
          WHERE caller_number = %s AND plant_id IS NOT NULL
          ORDER BY received_at DESC LIMIT 1) AS earlier
) AS m
LEFT JOIN dispatch_plant AS p ON p.id = COALESCE(m.known, m.earlier)
"""


def _call_prepare(number: str | None) -> tuple[int | None, Plant | None, str]:
    """(new call id on PostgreSQL else None, plant the number identifies, how).

    The plant is deferred, with id and code loaded (as ``raw()`` would give, without its cost):
    enough to link the call and name the plant in its event without a second query.
    """
    next_id = "nextval(pg_get_serial_sequence('dispatch_call', 'id'))" if _one_statement_insert() else "NULL"
    params = [PlantMatch.KNOWN_NUMBER, PlantMatch.EARLIER_CALL, number, number]
    with connection.cursor() as cursor:
        cursor.execute(_CALL_PREPARE_SQL.format(next_id=next_id), params)
        call_id, plant_id, code, how = cursor.fetchone()
    if plant_id is None:
        return call_id, None, PlantMatch.NONE
    return call_id, Plant.from_db(connection.alias, ["id", "code"], [plant_id, code]), how


def _one_statement_insert() -> bool:
    return connection.vendor == "postgresql"


def _insert_sql(obj: models.Model) -> tuple[str, tuple]:
    """Django's own INSERT for ``obj`` (its id included when set), without executing it."""
    meta = obj._meta
    fields = [f for f in meta.local_concrete_fields if obj.pk is not None or f is not meta.auto_field]
    query = InsertQuery(type(obj))
    query.insert_values(fields, [obj])
    ((sql, params),) = query.get_compiler(connection=connection).as_sql()
    return sql, tuple(params)


def _call_insert_with_first_event(call: Call, event: Event) -> None:
    """Insert a new call and its first event as one statement: atomic without a transaction of
    its own, two round trips fewer than BEGIN / INSERT / INSERT / COMMIT on the busiest write of
    the system (benchmarks/bench_calls_api.py)."""
    call_sql, call_params = _insert_sql(call)
    event_sql, event_params = _insert_sql(event)
    with connection.cursor() as cursor:
        cursor.execute(f"WITH new_call AS ({call_sql}) {event_sql}", call_params + event_params)
    call._state.adding, call._state.db = False, connection.alias
    call._loaded_recorded = {name: getattr(call, name) for name in Call.RECORDED_FIELDS}


CALL_RELATED_FIELDS = ["operator", "plant", "created_by"]


def _call_snapshot(call: Call) -> dict:
    return {
        "caller_number": call.caller_number,
        "received_at": call.received_at,
        "answered_at": call.answered_at,
        "ended_at": call.ended_at,
        "duration_seconds": call.duration_seconds,
        "line": call.line,
        "operator": _plain(call.operator),
        "plant": _plain(call.plant),
        "plant_match": call.plant_match,
        "call_type": call.call_type,
        "notes": call.notes,
        "source": call.source,
        "external_id": call.external_id,
    }


def call_log(
    *,
    actor,
    caller_number: str | None,
    received_at: datetime | None = None,
    answered_at: datetime | None = None,
    ended_at: datetime | None = None,
    line: str = "",
    operator=None,
    plant: Plant | None = None,
    call_type: str = "",
    notes: str = "",
    source: str = CallSource.MANUAL,
    external_id: str | None = None,
) -> Call:
    """Record a call. Operators and supervisors log by hand; the phone system (``actor=None``,
    ``source=telephony``) through ``telephony_event_apply``.

    When the plant is not given, a known caller number identifies it (``plant_match`` says how).
    """
    if source == CallSource.MANUAL:
        _require_role(actor, Role.OPERATOR, Role.SUPERVISOR)
        if operator is None and has_role(actor, Role.OPERATOR, Role.SUPERVISOR):
            operator = actor
    number = phone_number_normalize(caller_number)
    received_at = received_at or timezone.now()
    _validate_call_times(received_at=received_at, answered_at=answered_at, ended_at=ended_at)
    _validate_operator(operator)
    plant_match = PlantMatch.OPERATOR if plant is not None else PlantMatch.NONE
    call_id = None
    if (plant is None and number) or _one_statement_insert():
        call_id, found, how = _call_prepare(number if plant is None and number else None)
        if plant is None:
            plant, plant_match = found, how
    call = Call(
        pk=call_id,
        source=source,
        external_id=external_id,
        caller_number=number,
        received_at=received_at,
        answered_at=answered_at,
        ended_at=ended_at,
        line=line or "",
        operator=operator,
        plant=plant,
        plant_match=plant_match,
        call_type=call_type or "",
        notes=notes or "",
        created_by=actor,
    )
    call.duration_seconds = _call_duration(call)
    # The related objects were loaded (and their roles checked) above: no need to query them again.
    call.full_clean(exclude=CALL_RELATED_FIELDS, validate_unique=False, validate_constraints=False)
    data = {"after": _call_snapshot(call)}
    if plant is not None:
        data["plant_status"] = plant_status_snapshot(plant_id=plant.pk)
    if call_id is not None:
        event = _event_build(subject=call, kind="call.logged", actor=actor, data=data, seq=1, prev_hash="")
        _call_insert_with_first_event(call, event)
        return call
    _save_with_first_event(call, kind="call.logged", actor=actor, data=data)
    return call


CALL_UPDATABLE_FIELDS = frozenset(
    {
        "caller_number",
        "received_at",
        "answered_at",
        "ended_at",
        "line",
        "operator",
        "plant",
        "call_type",
        "notes",
    }
)


def _call_apply_changes(*, call: Call, actor, changes: dict, kind: str) -> Call:
    """Apply ``changes`` to a locked call, refusing recorded fields once it has ended."""
    unknown = set(changes) - CALL_UPDATABLE_FIELDS
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in sorted(unknown)})
    if "caller_number" in changes:
        changes["caller_number"] = phone_number_normalize(changes["caller_number"])
    for name in ("line", "call_type", "notes"):
        if name in changes and changes[name] is None:
            changes[name] = ""
    changed = {name: value for name, value in changes.items() if getattr(call, name) != value}
    if not changed:
        return call
    if call.is_ended:
        frozen = sorted(set(changed) & set(Call.RECORDED_FIELDS))
        if frozen:
            raise ValidationError(
                {name: _("Recorded fields of an ended call cannot be changed.") for name in frozen}
            )
    if "operator" in changed:
        _validate_operator(changed["operator"])
    before = {name: _plain(getattr(call, name)) for name in changed}
    for name, value in changed.items():
        setattr(call, name, value)
    if "plant" in changed:
        changed["plant_match"] = call.plant_match = PlantMatch.OPERATOR if call.plant else PlantMatch.NONE
    _validate_call_times(received_at=call.received_at, answered_at=call.answered_at, ended_at=call.ended_at)
    duration = _call_duration(call)
    if duration != call.duration_seconds:
        before["duration_seconds"] = call.duration_seconds
        call.duration_seconds = changed["duration_seconds"] = duration
    call.full_clean(exclude=CALL_RELATED_FIELDS, validate_unique=False, validate_constraints=False)
    call.save(update_fields=list(changed))
    after = {name: _plain(getattr(call, name)) for name in before}
    data = {"before": before, "after": after}
    if "plant" in changed and call.plant_id is not None:
        # The plant's state when the call was tied to it stays in the call's history for good.
        data["plant_status"] = plant_status_snapshot(plant_id=call.plant_id)
    event_record(subject=call, kind=kind, actor=actor, data=data)
    return call


def call_update(*, actor, call: Call, **changes) -> Call:
    """Complete or correct a call (plant, type, notes; times and number only until it ends).

    Takes the call's row lock; the change and its event commit together.
    """
    _require_role(actor, Role.OPERATOR, Role.SUPERVISOR)
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        return _call_apply_changes(call=locked, actor=actor, changes=changes, kind="call.updated")


def telephony_event_apply(
    *,
    call_id: str,
    event: str,
    occurred_at: datetime,
    caller_number: str = "",
    line: str = "",
    agent: str = "",
) -> tuple[Call, bool]:
    """Apply a ring / answer / hang-up event from the phone system; returns (call, created).

    Idempotent: a repeated event changes nothing. Events may arrive out of order: the first
    one seen for a call id creates the call at its own time.
    """
    agent_user = _telephony_agent(agent)
    with transaction.atomic():
        call = Call.objects.select_for_update().filter(external_id=call_id).first()
        created = False
        if call is None:
            try:
                with transaction.atomic():
                    call = call_log(
                        actor=None,
                        source=CallSource.TELEPHONY,
                        external_id=call_id,
                        caller_number=caller_number,
                        received_at=occurred_at,
                        line=line,
                        # The agent the call rings at: their screen opens it (dispatch:calls-incoming).
                        operator=agent_user,
                    )
                created = True
            except IntegrityError:
                # Another worker created it between our look-up and insert.
                call = Call.objects.select_for_update().get(external_id=call_id)
        if event == TelephonyEventType.ANSWER and call.answered_at is None:
            if call.is_ended:
                raise TransitionNotAllowed(_("This call has already ended; its answer time cannot be added."))
            changes: dict[str, Any] = {"answered_at": occurred_at}
            if agent_user is not None:
                changes["operator"] = agent_user
            _call_apply_changes(call=call, actor=None, changes=changes, kind="call.answered")
        elif event == TelephonyEventType.HANGUP and call.ended_at is None:
            _call_apply_changes(call=call, actor=None, changes={"ended_at": occurred_at}, kind="call.ended")
        return call, created


def _telephony_agent(agent: str):
    """The active operator or supervisor the phone system names (its agent id is the username)."""
    user = User.objects.filter(username=agent, is_active=True).first() if agent else None
    if user is not None and has_role(user, Role.OPERATOR, Role.SUPERVISOR):
        return user
    return None


def telephony_receipt_claim(*, signature: str) -> bool:
    """Remember a webhook signature; False when it was seen before (a replay)."""
    try:
        with transaction.atomic():
            TelephonyReceipt.objects.create(signature=signature, received_at=timezone.now())
    except IntegrityError:
        return False
    return True


def telephony_receipts_prune(*, older_than: timedelta) -> int:
    """Forget signatures older than the replay window (their timestamps are refused anyway)."""
    deleted, _rows = TelephonyReceipt.objects.filter(received_at__lt=timezone.now() - older_than).delete()
    return deleted


# ----------------------------------------------------------------------------------------------
# Interventions


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
        "plant": _plain(intervention.plant),
        "summary": intervention.summary,
        "priority": intervention.priority,
        "status": intervention.status,
        "technician": _plain(intervention.technician),
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
        _require_role(actor, Role.OPERATOR, Role.SUPERVISOR)
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
    _save_with_first_event(
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
    before = {name: _plain(getattr(intervention, name)) for name in fields}
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
    after = {name: _plain(getattr(intervention, name)) for name in fields}
    event_record(
        subject=intervention,
        kind=f"intervention.{transition.action}",
        actor=actor,
        data={"before": before, "after": after},
    )
    return intervention


def _required_text(value: str | None, field: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: _("This field is required.")})
    return text


@transaction.atomic
def intervention_assign(*, actor, intervention: Intervention, technician) -> Intervention:
    """Assign (or re-assign) to a technician; operators and supervisors only."""
    locked, transition = _intervention_lock_and_check(actor=actor, intervention=intervention, action="assign")
    if technician is None or not technician.is_active or not has_role(technician, Role.TECHNICIAN):
        raise ValidationError({"technician": _("Choose an active technician.")})
    if locked.status == InterventionStatus.ASSIGNED and locked.technician_id == technician.pk:
        raise ValidationError({"technician": _("The intervention is already assigned to this technician.")})
    previous_technician_id = locked.technician_id
    assigned = _intervention_apply(
        actor=actor,
        intervention=locked,
        transition=transition,
        changes={"technician": technician, "assigned_at": timezone.now(), "acknowledged_at": None},
    )
    # Imported here: notifications build on dispatch's models and services, not the reverse.
    from notifications.services import notifications_for_assignment

    notifications_for_assignment(intervention=assigned, previous_technician_id=previous_technician_id)
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
    reason = _required_text(closing_reason, "closing_reason")
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
    ``override_reason``; the reason and the plant's state go into the history."""
    locked, transition = _intervention_lock_and_check(actor=actor, intervention=intervention, action="close")
    faults = plant_faults_reported(plant=locked.plant)
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
                "plant_status": plant_status_snapshot(plant_id=closed.plant_id),
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
    from notifications.services import notifications_for_cancel

    notifications_for_cancel(intervention=cancelled)
    return cancelled


@transaction.atomic
def intervention_note_add(*, actor, intervention: Intervention, text: str) -> Event:
    """Add a note to the intervention's history (operators, supervisors, its technician)."""
    locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
    is_assignee = has_role(actor, Role.TECHNICIAN) and locked.technician_id == actor.pk
    if not (has_role(actor, Role.OPERATOR, Role.SUPERVISOR) or is_assignee):
        raise PermissionDenied(_("Your role does not allow this action."))
    note = _required_text(text, "text")
    if len(note) > NOTES_MAX_LENGTH:
        raise ValidationError(
            {"text": _("A note may be at most %(limit)d characters.") % {"limit": NOTES_MAX_LENGTH}}
        )
    return event_record(subject=locked, kind="intervention.note", actor=actor, data={"note": note})


# ----------------------------------------------------------------------------------------------
# Timed callbacks


def _callback_subject_locked(callback: Callback):
    if callback.intervention_id:
        return Intervention.objects.select_for_update().get(pk=callback.intervention_id)
    return Call.objects.select_for_update().get(pk=callback.call_id)


def _callback_data(callback: Callback) -> dict:
    return {
        "callback": callback.pk,
        "number": callback.number,
        "due_at": callback.due_at,
        "note": callback.note,
        "assigned_to": _plain(callback.assigned_to),
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
    _require_role(actor, Role.OPERATOR, Role.SUPERVISOR)
    if (call is None) == (intervention is None):
        raise ValidationError(_("A callback belongs to one call or one intervention."))
    if due_at is None:
        raise ValidationError({"due_at": _("Say when to call back.")})
    if due_at < timezone.now() - timedelta(minutes=1):
        raise ValidationError({"due_at": _("The time to call back is in the past.")})
    if assigned_to is not None and not has_role(assigned_to, Role.OPERATOR, Role.SUPERVISOR):
        raise ValidationError({"assigned_to": _("Callbacks are assigned to operators or supervisors.")})
    if number:
        number = phone_number_normalize(number, field="number")
    else:
        source_call = call if call is not None else intervention.call
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


def _callback_finish(*, actor, callback: Callback, status: str, outcome: str, kind: str) -> Callback:
    _require_role(actor, Role.OPERATOR, Role.SUPERVISOR)
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
            from notifications.services import notifications_for_callback

            notifications_for_callback(callback=callback, now=now)
            reminded += 1
    return reminded


__all__ = [
    "callback_schedule",
    "callback_complete",
    "callback_cancel",
    "callbacks_remind",
    "TRANSITIONS",
    "event_record",
    "call_log",
    "call_update",
    "telephony_event_apply",
    "telephony_receipt_claim",
    "telephony_receipts_prune",
    "intervention_default_priority",
    "priority_for_customer",
    "intervention_open",
    "intervention_assign",
    "intervention_acknowledge",
    "intervention_arrive",
    "intervention_complete",
    "intervention_close",
    "intervention_cancel",
    "intervention_note_add",
]


# ----------------------------------------------------------------------------------------------
# Call scripts


@transaction.atomic
def call_script_save(*, actor, call_type: str, name: str, source: str) -> CallScript:
    """Create or replace the script of ``call_type`` (blank: triage); supervisors only. The text
    must read as a script (``ScriptError`` names the line otherwise); each save is a version."""
    _require_role(actor, Role.SUPERVISOR)
    if call_type and call_type not in CallType.values:
        raise ValidationError({"call_type": _("Unknown call type.")})
    steps = script_parse(source)
    script = CallScript.objects.select_for_update().filter(call_type=call_type).first()
    if script is None:
        script = CallScript(call_type=call_type, version=0)
    script.name = _required_text(name, "name")[:120]
    script.source, script.steps = source, steps
    script.version += 1
    script.updated_at, script.updated_by = timezone.now(), actor
    script.full_clean(exclude=["updated_by"], validate_unique=False, validate_constraints=False)
    script.save()
    return script


def call_script_answer(*, actor, call: Call, step: str, answer: int) -> CallScriptAnswer:
    """Record the answer ``answer`` (its position) to step ``step`` of the call's script, on the
    call and in its history; staff only. What it suggests is recorded, not applied."""
    _require_role(actor, Role.OPERATOR, Role.SUPERVISOR)
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        script = selectors.call_script_for(locked)
        node = (script.steps["steps"].get(step) if script else None) or None
        if node is None or not 0 <= answer < len(node["answers"]):
            raise ValidationError(
                {"answer": _("This answer is not part of the call's script (it may have changed).")}
            )
        chosen = node["answers"][answer]
        row = CallScriptAnswer.objects.create(
            call=locked, script=script, script_version=script.version, step=step,
            question=node["question"][:500], answer=chosen["label"][:500], next_step=chosen["next"],
            suggested_call_type=chosen["call_type"], suggested_priority=chosen["priority"],
            answered_at=timezone.now(), answered_by=actor,
        )  # fmt: skip
        event_record(
            subject=locked,
            kind="call.script_answer",
            actor=actor,
            data={
                "script": script.name, "version": script.version, "question": row.question,
                "answer": row.answer, "suggested_call_type": row.suggested_call_type,
                "suggested_priority": row.suggested_priority,
            },
        )  # fmt: skip
    return row


# ----------------------------------------------------------------------------------------------
# Steps sent from the technician's phone (taken offline, sent when the network returns)

STEP_ACTIONS = ("acknowledge", "arrive", "complete", "note", "photo")


def intervention_step_apply(
    *, actor, intervention: Intervention, step_id, action: str, client_time: datetime,
    closing_reason: str = "", note: str = "", photo=None,
) -> tuple[InterventionStep, bool]:  # fmt: skip
    """Apply one step the technician took on the phone; returns ``(step, applied_now)``.

    Each step applies once: a step id seen before returns the step as it was recorded. The
    step takes effect at the phone's time when that is plausible; otherwise at the server's,
    and ``flag`` says why: a phone clock ahead of the server, a step older than
    ``PRONTO_STEP_MAX_DELAY_HOURS``, or earlier than a step already recorded. A step the
    intervention's state no longer allows (a supervisor cancelled it meanwhile) is recorded
    with the reason, not lost. A photo (an image file the caller has checked) is kept in the
    plant's archive with its intervention, whatever the intervention's state: it is evidence."""
    if action not in STEP_ACTIONS:
        raise ValidationError({"action": _("Unknown step.")})
    if (action == "photo") != (photo is not None):
        raise ValidationError({"photo": _("A photo step carries one photo, and only a photo step does.")})
    received = timezone.now()
    with transaction.atomic():
        earlier = InterventionStep.objects.filter(step_id=step_id).first()
        if earlier is not None:
            return earlier, False
        locked = Intervention.objects.select_for_update(of=("self",)).get(pk=intervention.pk)
        if locked.technician_id != getattr(actor, "pk", None):
            raise PermissionDenied(_("Only the assigned technician takes steps on this intervention."))
        at, flag = _step_time(locked, client_time=client_time, received=received)
        outcome = ""
        try:
            with transaction.atomic():
                if action == "acknowledge":
                    intervention_acknowledge(actor=actor, intervention=locked, at=at)
                elif action == "arrive":
                    intervention_arrive(actor=actor, intervention=locked, at=at)
                elif action == "complete":
                    intervention_complete(
                        actor=actor, intervention=locked, closing_reason=closing_reason, at=at
                    )
        except TransitionNotAllowed as exc:
            outcome = str(exc)[:300]
        document = None
        if photo is not None:
            document = PlantDocument(
                plant_id=locked.plant_id, kind=DocumentKind.PHOTO, intervention=locked, uploaded_by=actor,
                title=(note or "")[:200] or _("Photo of %(time)s") % {
                    "time": timezone.localtime(client_time).strftime("%d/%m/%Y %H:%M")
                },
            )  # fmt: skip
            document.file.save(_photo_file_name(locked, client_time, photo), photo, save=False)
            document.save()
        step = InterventionStep.objects.create(
            step_id=step_id, intervention=locked, action=action, client_time=client_time,
            received_at=received, applied_at=at, flag=flag, note=(note or "")[:NOTES_MAX_LENGTH],
            outcome=outcome, actor=actor, document=document,
        )  # fmt: skip
        locked = Intervention.objects.select_for_update(of=("self",)).get(pk=intervention.pk)
        event_record(
            subject=locked,
            kind="intervention.phone_step",
            actor=actor,
            data={
                "action": action, "phone_time": client_time, "received_at": received, "applied_at": at,
                "flag": flag, "note": step.note, "outcome": outcome,
                **({"photo": document.pk, "photo_sha256": _file_sha256(document.file)} if document else {}),
            },
        )  # fmt: skip
    return step, True


def _photo_file_name(intervention: Intervention, client_time: datetime, photo) -> str:
    extension = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}.get(
        getattr(photo, "content_type", ""), "jpg"
    )
    return f"intervention-{intervention.pk}-{client_time:%Y%m%d-%H%M%S}.{extension}"


def _file_sha256(field_file) -> str:
    """Recorded in the history, so a photo swapped on disk later shows."""
    digest = hashlib.sha256()
    with field_file.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _step_time(
    intervention: Intervention, *, client_time: datetime, received: datetime
) -> tuple[datetime, str]:
    if client_time > received + CLOCK_SKEW:
        return received, _("phone clock ahead of the server by %(s)d s") % {
            "s": (client_time - received).total_seconds()
        }
    if received - client_time > timedelta(hours=settings.PRONTO_STEP_MAX_DELAY_HOURS):
        return received, _("phone time %(h).1f h before receipt") % {
            "h": (received - client_time).total_seconds() / 3600
        }
    last = intervention.steps.order_by("-applied_at").values_list("applied_at", flat=True).first()
    if last is not None and client_time < last:
        return last, _("phone time earlier than a step already recorded")
    return client_time, ""


# ----------------------------------------------------------------------------------------------
# The technician's shift, from the phone: on duty or not, and where they are


def technician_duty_set(*, actor, on_duty: bool) -> UserProfile:
    """The technician says they are on duty (or no longer). Each change is logged with who and
    when, since whom the suggestion proposed depended on it."""
    if not has_role(actor, Role.TECHNICIAN):
        raise PermissionDenied(_("Only technicians go on or off duty."))
    with transaction.atomic():
        profile, _created = UserProfile.objects.select_for_update().get_or_create(user=actor)
        if profile.on_duty != on_duty:
            profile.on_duty = on_duty
            profile.save(update_fields=["on_duty"])
            logger.info("technician %s %s duty", actor.username, "on" if on_duty else "off")
    return profile


def technician_position_record(
    *, actor, latitude, longitude, at: datetime, accuracy_m: int | None = None
) -> tuple[UserProfile, bool]:
    """The position the technician's phone shared; returns ``(profile, recorded)``. A position
    older than the one kept (phones resend after a lost answer, and out of order) or stamped
    ahead of the server's clock is not recorded: only the latest true position ranks them."""
    if not has_role(actor, Role.TECHNICIAN):
        raise PermissionDenied(_("Only technicians share their position."))
    if at > timezone.now() + CLOCK_SKEW:
        raise ValidationError({"at": _("This time is ahead of the server's clock.")})
    with transaction.atomic():
        profile, _created = UserProfile.objects.select_for_update().get_or_create(user=actor)
        if profile.position_at is not None and at <= profile.position_at:
            return profile, False
        profile.latitude, profile.longitude = latitude, longitude
        profile.position_at, profile.position_accuracy_m = at, accuracy_m
        profile.save(update_fields=["latitude", "longitude", "position_at", "position_accuracy_m"])
    return profile, True


# ----------------------------------------------------------------------------------------------
# Service-level profiles (the standards the reports hold each customer's service to)

PROFILE_FIELDS = (
    "name", "answer_target_seconds", "answer_min_percent", "arrival_target_minutes", "arrival_min_percent",
    "call_types", "call_types_apart",
)  # fmt: skip


def service_level_profile_save(
    *, actor, profile: ServiceLevelProfile | None = None, customer=None, service: str = "", **values
) -> ServiceLevelProfile:
    """Create a customer's own profile for a service (``profile`` None) or change one; every save
    is kept as a numbered version with its rules, so the reports made before can be explained.
    A call type may count under one service only, for the customer and against the defaults
    it keeps, and never both counted and counted apart."""
    if not has_role(actor, Role.SUPERVISOR):
        raise PermissionDenied(_("Only supervisors change the service-level standards."))
    unknown = [
        t
        for t in [*values.get("call_types", []), *values.get("call_types_apart", [])]
        if t not in CallType.values
    ]
    if unknown:
        raise ValidationError(
            {"call_types": _("Unknown call types: %(types)s.") % {"types": ", ".join(unknown)}}
        )
    with transaction.atomic():
        if profile is None:
            if service not in Service.values:
                raise ValidationError({"service": _("Unknown service.")})
            if ServiceLevelProfile.objects.filter(customer=customer, service=service).exists():
                raise ValidationError(
                    {"service": _("This customer already has its own profile for this service.")}
                )
            profile = ServiceLevelProfile(customer=customer, service=service, version=0)
        else:
            profile = ServiceLevelProfile.objects.select_for_update().get(pk=profile.pk)
        for name in PROFILE_FIELDS:
            if name in values:
                setattr(profile, name, values[name])
        if set(profile.call_types) & set(profile.call_types_apart):
            raise ValidationError({"call_types_apart": _("A call type is either counted or counted apart.")})
        _profile_overlap_check(profile)
        profile.version += 1
        profile.changed_at, profile.changed_by = timezone.now(), actor
        profile.full_clean()
        profile.save()
        ServiceLevelProfileChange.objects.create(
            profile=profile, version=profile.version, rules=profile.rules(), changed_at=profile.changed_at,
            changed_by=actor,
        )  # fmt: skip
    return profile


def _profile_overlap_check(profile: ServiceLevelProfile) -> None:
    """No call type may count under two services of the same customer (once in each report)."""
    from .service_levels import profiles_for_customer

    others = (
        [p for p in profiles_for_customer(profile.customer) if p.service != profile.service]
        if profile.customer is not None
        else list(ServiceLevelProfile.objects.filter(customer__isnull=True).exclude(service=profile.service))
    )
    mine = set(profile.call_types) | set(profile.call_types_apart)
    for other in others:
        shared = mine & (set(other.call_types) | set(other.call_types_apart))
        if shared:
            raise ValidationError(
                {"call_types": _("%(types)s already count under %(other)s.")
                 % {"types": ", ".join(sorted(shared)), "other": other.name}}
            )  # fmt: skip


def service_levels_sign_off(
    *, actor, customer, date_from, date_to, group_by: str, note: str = ""
) -> ServiceLevelSignOff:
    """A supervisor signs off the customer's report for these days: its figures are computed
    now and kept as they are, with their SHA-256; the PDF is drawn from them."""
    from .service_levels import figures_digest, period_problem, report_data, service_level_report

    if not has_role(actor, Role.SUPERVISOR):
        raise PermissionDenied(_("Only supervisors sign off reports."))
    problem = period_problem(date_from, date_to, group_by)
    if problem:
        raise ValidationError({"date_to": problem})
    report = service_level_report(customer=customer, date_from=date_from, date_to=date_to, group_by=group_by)
    data = report_data(report)
    return ServiceLevelSignOff.objects.create(
        customer=customer, date_from=date_from, date_to=date_to, group_by=group_by, figures=data,
        figures_sha256=figures_digest(data), signed_by=actor, signed_at=timezone.now(), note=note[:500],
    )  # fmt: skip


# ----------------------------------------------------------------------------------------------
# Reports computed in the background (long ranges on demand; each month for the contacts)


def report_run_request(*, actor, customer, date_from, date_to, group_by: str) -> ServiceLevelReportRun:
    """Queue a report to be computed a month at a time in the background. Whoever asks must be
    allowed to read the customer's reports (the caller checks; supervisors and its utility)."""
    from .service_levels import period_problem

    if not (
        has_role(actor, Role.SUPERVISOR)
        or (has_role(actor, Role.UTILITY) and user_customer_id(actor) == customer.pk)
    ):
        raise PermissionDenied(_("Only supervisors and the customer's utility users read reports."))
    problem = period_problem(date_from, date_to, group_by)
    if problem:
        raise ValidationError({"date_to": problem})
    run = ServiceLevelReportRun.objects.create(
        kind=ReportRunKind.ON_DEMAND, customer=customer, date_from=date_from, date_to=date_to,
        group_by=group_by, requested_by=actor, created_at=timezone.now(),
    )  # fmt: skip
    _report_run_enqueue(run.pk)
    return run


def _report_run_enqueue(run_id: int) -> None:
    from .tasks import report_run_execute

    transaction.on_commit(lambda: report_run_execute.delay(run_id))


def report_run_execute(*, run_id: int) -> str:
    """Compute a queued run, a month at a time, recording the progress; idempotent (a run that
    is done, or running elsewhere, is left alone). A monthly run is then sent to the contacts."""
    from .service_levels import figures_digest, report_data, service_level_report_by_months

    with transaction.atomic():
        run = ServiceLevelReportRun.objects.select_for_update().select_related("customer").get(pk=run_id)
        if run.status not in (ReportRunStatus.QUEUED, ReportRunStatus.FAILED):
            return run.status
        run.status, run.progress, run.error = ReportRunStatus.RUNNING, 0, ""
        run.save(update_fields=["status", "progress", "error"])

    def progress(done: int, total: int) -> None:
        ServiceLevelReportRun.objects.filter(pk=run.pk).update(progress=min(99, 100 * done // total))

    try:
        report = service_level_report_by_months(
            customer=run.customer, date_from=run.date_from, date_to=run.date_to, group_by=run.group_by,
            progress=progress,
        )  # fmt: skip
        data = report_data(report)
    except Exception as exc:
        logger.exception("Report run %s failed", run.pk)
        ServiceLevelReportRun.objects.filter(pk=run.pk).update(
            status=ReportRunStatus.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:300],
            finished_at=timezone.now(),
        )
        return ReportRunStatus.FAILED
    with transaction.atomic():
        run = ServiceLevelReportRun.objects.select_for_update().get(pk=run.pk)
        run.figures, run.figures_sha256 = data, figures_digest(data)
        run.status, run.progress, run.finished_at = ReportRunStatus.DONE, 100, timezone.now()
        run.save(update_fields=["figures", "figures_sha256", "status", "progress", "finished_at"])
        if run.kind == ReportRunKind.MONTHLY:
            _monthly_report_send(run)
    return run.status


def service_levels_monthly_send(*, now: datetime | None = None) -> int:
    """Last month's report for every active customer with contacts who receive reports: computed
    once (one monthly run per customer and month) and emailed once to those contacts, with the
    PDF attached. Returns how many runs were queued now. Safe to run again at any time."""
    today = timezone.localtime(now or timezone.now()).date()
    last = today.replace(day=1) - timedelta(days=1)
    first = last.replace(day=1)
    queued = 0
    customers = Customer.objects.filter(
        active=True, contacts__receives_reports=True, contacts__email__gt=""
    ).distinct()
    for customer in customers:
        with transaction.atomic():
            run, created = ServiceLevelReportRun.objects.get_or_create(
                kind=ReportRunKind.MONTHLY, customer=customer, date_from=first, date_to=last,
                defaults={"group_by": "day", "created_at": timezone.now()},
            )  # fmt: skip
            if created or run.status == ReportRunStatus.FAILED:
                _report_run_enqueue(run.pk)
                queued += 1
    return queued


def _monthly_report_send(run: ServiceLevelReportRun) -> None:
    """Under the run's lock: email it once to the customer's report contacts."""
    if run.sent_at is not None:
        return
    from notifications.services import notifications_for_report

    contacts = list(run.customer.contacts.filter(receives_reports=True, email__gt=""))
    notifications_for_report(run=run, contacts=contacts)
    run.sent_at = timezone.now()
    run.save(update_fields=["sent_at"])
