"""The phone system's events applied to the call log, and the webhook's replay guard.

Each event lands on the call it names (``external_id``) through the call services of
``dispatch``; the phone system is the actor (``actor=None``) and the call's source.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.choices import CallSource, Role, TelephonyEventType
from dispatch.errors import TransitionNotAllowed
from dispatch.models import Call, TelephonyReceipt
from dispatch.roles import has_role
from dispatch.services import call_changes_apply, call_log
from dispatch.timing import shifted
from telephony import ports

User = get_user_model()

CALL_ENDING_EVENTS = frozenset({TelephonyEventType.HANGUP, TelephonyEventType.ABANDONED})


def telephony_event_apply(
    *,
    call_id: str,
    event: str,
    occurred_at: datetime,
    caller_number: str = "",
    line: str = "",
    agent: str = "",
    callback_at: datetime | None = None,
    rings_at: Callable[[Call], AbstractBaseUser | None] | None = None,
) -> tuple[Call, bool]:
    """Apply an event from the phone system; returns (call, created). The call log takes the
    ring, answer and end (hang-up or abandon); every event then goes to the router
    (``telephony.ports``), in the same transaction.

    Idempotent: a repeated event changes nothing. Events may arrive out of order: the first
    one seen for a call id creates the call at its own time; ``rings_at`` (the router) may then
    name who it rings at before it is logged (``call_log``).
    """
    agent_user = _telephony_agent(agent)
    # No savepoint of its own inside the caller's transaction (the webhook's, the router's): an
    # error here rolls the whole request back anyway.
    with transaction.atomic(savepoint=False):
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
                        # The agent the call rings at: their screen opens it (dispatch:alerts).
                        operator=agent_user,
                        rings_at=rings_at,
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
            call_changes_apply(call=call, actor=None, changes=changes, kind="call.answered")
        elif event in CALL_ENDING_EVENTS and call.ended_at is None:
            # An end reported before the ring (out of order) cannot be earlier than the ring.
            ended_at = max(occurred_at, call.received_at)
            call_changes_apply(call=call, actor=None, changes={"ended_at": ended_at}, kind="call.ended")
        ports.call_routing().event_applied(
            call=call, event=event, occurred_at=occurred_at, agent=agent, callback_at=callback_at
        )
        return call, created


def _telephony_agent(agent: str) -> AbstractBaseUser | None:
    """The active operator or supervisor the phone system names (its agent id is the username)."""
    user = User.objects.filter(username=agent, is_active=True).first() if agent else None
    if user is not None and has_role(user, Role.OPERATOR, Role.SUPERVISOR):
        return user
    return None


def telephony_receipt_claim(*, signature: str) -> bool:
    """Remember a webhook signature; False when it was seen before (a replay).

    One statement, no savepoint: ``ON CONFLICT DO NOTHING`` (PostgreSQL, SQLite 3.35+) returns no
    row when the signature is already there. Every phone-system request passes here."""
    table = connection.ops.quote_name(TelephonyReceipt._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (signature, received_at) VALUES (%s, %s) "  # noqa: S608 (our own table name)
            "ON CONFLICT (signature) DO NOTHING RETURNING id",
            [signature, timezone.now()],
        )
        return cursor.fetchone() is not None


def telephony_receipts_prune(*, older_than: timedelta) -> int:
    """Forget signatures older than the replay window (their timestamps are refused anyway)."""
    deleted, _rows = TelephonyReceipt.objects.filter(
        received_at__lt=shifted(timezone.now(), -older_than)
    ).delete()
    return deleted
