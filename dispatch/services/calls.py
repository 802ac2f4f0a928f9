"""Calls: logged by hand or by the phone system, completed and corrected until they end."""

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models.sql import InsertQuery
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch import history, ports
from dispatch.choices import CallSource, PlantMatch, Role
from dispatch.history import event_record, subject_save_with_first_event, value_plain
from dispatch.models import Call, Plant
from dispatch.personal import caller_token
from dispatch.phone_numbers import phone_number_normalize
from dispatch.roles import has_role
from dispatch.timing import as_utc, seconds_between, shifted
from ops.metrics import CALLS_LOGGED

from .common import CLOCK_SKEW, require_role

User = get_user_model()
logger = logging.getLogger(__name__)


def _validate_call_times(
    *, received_at: datetime, answered_at: datetime | None, ended_at: datetime | None
) -> None:
    # Compared in UTC: times in one zone compare by the wall clock (dispatch.timing), and an
    # answer at 02:05 CET after a ring at 02:50 CEST is 15 minutes later, not 45 earlier.
    limit = shifted(timezone.now(), CLOCK_SKEW)
    errors: dict[str, str] = {}
    for name, value in (("received_at", received_at), ("answered_at", answered_at), ("ended_at", ended_at)):
        if value is not None and as_utc(value) > limit:
            errors[name] = _("This time is in the future.")
    if answered_at is not None and seconds_between(received_at, answered_at) < 0:
        errors["answered_at"] = _("A call cannot be answered before it was received.")
    if ended_at is not None and seconds_between(received_at, ended_at) < 0:
        errors["ended_at"] = _("A call cannot end before it was received.")
    elif ended_at is not None and answered_at is not None and seconds_between(answered_at, ended_at) < 0:
        errors["ended_at"] = _("A call cannot end before it was answered.")
    if errors:
        raise ValidationError(errors)


def _call_duration(call: Call) -> int | None:
    """Seconds from the first ring to hang-up (like a CDR's ``duration``); wait time is separate."""
    if call.ended_at is None:
        return None
    return int(seconds_between(call.received_at, call.ended_at))


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
          WHERE caller_token = %s AND plant_id IS NOT NULL
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
    params = [PlantMatch.KNOWN_NUMBER, PlantMatch.EARLIER_CALL, number, caller_token(number or "")]
    with connection.cursor() as cursor:
        cursor.execute(_CALL_PREPARE_SQL.format(next_id=next_id), params)
        call_id, plant_id, code, how = cursor.fetchone()
    if plant_id is None:
        return call_id, None, PlantMatch.NONE
    return call_id, Plant.from_db(connection.alias, ["id", "code"], [plant_id, code]), how


def _one_statement_insert() -> bool:
    return connection.vendor == "postgresql"


def _insert_sql(*objs: models.Model) -> tuple[str, tuple]:
    """Django's own INSERT for ``objs`` of one model (ids included when set), without executing it."""
    meta = objs[0]._meta
    fields = [f for f in meta.local_concrete_fields if objs[0].pk is not None or f is not meta.auto_field]
    query = InsertQuery(type(objs[0]))
    query.insert_values(fields, list(objs))
    ((sql, params),) = query.get_compiler(connection=connection).as_sql()
    return sql, tuple(params)


def _call_insert_with_first_event(call: Call, built: history.BuiltEvent) -> None:
    """Insert a new call, its first event and the personal data the event refers to as one
    statement: atomic without a transaction of its own, round trips fewer than BEGIN / INSERT /
    INSERT / COMMIT on the busiest write of the system (benchmarks/bench_calls_api.py). The
    foreign keys are checked at the statement's commit (Django declares them deferrable)."""
    call_sql, call_params = _insert_sql(call)
    event_sql, event_params = _insert_sql(built.event)
    if built.personal:
        personal_sql, personal_params = _insert_sql(*built.personal)
        sql = f"WITH new_call AS ({call_sql}), new_event AS ({event_sql}) {personal_sql}"
        params = call_params + event_params + personal_params
    else:
        sql, params = f"WITH new_call AS ({call_sql}) {event_sql}", call_params + event_params
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
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
        "operator": value_plain(call.operator),
        "plant": value_plain(call.plant),
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
    rings_at: Callable[[Call], Any] | None = None,
) -> Call:
    """Record a call. Operators and supervisors log by hand; the phone system (``actor=None``,
    ``source=telephony``) through ``telephony_event_apply``.

    When the plant is not given, a known caller number identifies it (``plant_match`` says how).
    ``rings_at``: for a call with no operator, who it rings at, asked with the call built but
    not yet saved (the router's pick), so that the first event names them.
    """
    if source == CallSource.MANUAL:
        require_role(actor, Role.OPERATOR, Role.SUPERVISOR)
        if operator is None and has_role(actor, Role.OPERATOR, Role.SUPERVISOR):
            operator = actor
    number = phone_number_normalize(caller_number)
    received_at = received_at or timezone.now()
    _validate_call_times(received_at=received_at, answered_at=answered_at, ended_at=ended_at)
    _validate_operator(operator)
    plant_match: str = PlantMatch.OPERATOR if plant is not None else PlantMatch.NONE
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
        caller_token=caller_token(number),
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
    if operator is None and rings_at is not None:
        operator = rings_at(call)
        _validate_operator(operator)
        call.operator = operator
    call.duration_seconds = _call_duration(call)
    # The related objects were loaded (and their roles checked) above: no need to query them again.
    call.full_clean(exclude=CALL_RELATED_FIELDS, validate_unique=False, validate_constraints=False)
    data = {"after": _call_snapshot(call)}
    if plant is not None:
        data["plant_status"] = ports.plant_telemetry().status_snapshot(plant_id=plant.pk)
    # Issue 22: by source and customer (an id: bounded, and no query for its code).
    CALLS_LOGGED.labels(source=source, customer=str(plant.customer_id) if plant is not None else "").inc()
    if plant is None:
        _call_save(call, call_id=call_id, actor=actor, data=data)
        return call
    # A call on a plant may join a major incident covering it: the call and its attachment commit
    # together (a call without a plant has nothing to join, and keeps its one-statement insert).
    with transaction.atomic():
        _call_save(call, call_id=call_id, actor=actor, data=data)
        ports.major_incidents().call_logged(call=call)
    return call


def _call_save(call: Call, *, call_id: int | None, actor, data: dict) -> None:
    if call_id is not None:
        built = history.event_build(
            subject=call, kind="call.logged", actor=actor, data=data, seq=1, prev_hash=""
        )
        _call_insert_with_first_event(call, built)
        return
    subject_save_with_first_event(call, kind="call.logged", actor=actor, data=data)


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


def call_changes_apply(*, call: Call, actor, changes: dict, kind: str) -> Call:
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
    before = {name: value_plain(getattr(call, name)) for name in changed}
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
    saved = list(changed)
    if "caller_number" in changed:
        call.caller_token = caller_token(call.caller_number)
        saved.append("caller_token")
    call.save(update_fields=saved)
    after = {name: value_plain(getattr(call, name)) for name in before}
    data = {"before": before, "after": after}
    if "plant" in changed and call.plant_id is not None:
        # The plant's state when the call was tied to it stays in the call's history for good.
        data["plant_status"] = ports.plant_telemetry().status_snapshot(plant_id=call.plant_id)
    event_record(subject=call, kind=kind, actor=actor, data=data)
    if "plant" in changed and call.plant_id is not None:
        # Tied to a plant now: it may be within a major incident's reach (the caller's transaction).
        ports.major_incidents().call_logged(call=call)
    return call


def call_update(*, actor, call: Call, **changes) -> Call:
    """Complete or correct a call (plant, type, notes; times and number only until it ends).

    Takes the call's row lock; the change and its event commit together.
    """
    require_role(actor, Role.OPERATOR, Role.SUPERVISOR)
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        return call_changes_apply(call=locked, actor=actor, changes=changes, kind="call.updated")


def call_test_flag(*, actor, call: Call, is_test: bool) -> Call:
    """A supervisor marks an ended call as the quality group's test call (or takes the mark
    back): it leaves the regulator's figures and the caller surveys, and stays in the operator's
    reviews. Only once the call has ended, so that nothing on the operator's screens tells them
    while they are taking it."""
    require_role(actor, Role.SUPERVISOR)
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        if locked.is_test == is_test:
            return locked
        if not locked.is_ended:
            raise ValidationError({"is_test": _("A call is marked as a test call once it has ended.")})
        locked.is_test = is_test
        locked.save(update_fields=["is_test"])
        event_record(subject=locked, kind="call.test_flagged", actor=actor, data={"is_test": is_test})
        return locked
