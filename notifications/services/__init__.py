"""The notification outbox: rows written with the business change, delivered after commit.

Life of a row: ``pending`` -> ``sending`` (the attempt is recorded and committed *before* the
gateway is called) -> ``sent`` (the gateway took it) -> ``delivered`` (its receipt came) or
``failed`` (refused, or out of attempts). A transient failure puts the row back to ``pending``
with an exponentially later ``next_attempt_at``. A row found in ``sending`` long after its
attempt began belongs to a worker that died mid-call: the sweeper asks the gateway whether it
took the message (by the row's idempotency key) before sending it again.

Every step is written into the intervention's history (``notification.*`` events).

By subject: ``outbox`` (the rows the business changes ask for, files emailed to a customer's
contacts, and the helpers that write the outbox's steps into the history), ``delivery``
(sending one row, its attempts and retries, delivery receipts), ``sweep`` (the sweeper: lost
tasks, dead workers, delivery polls), ``escalation`` (the supervisors' warnings; unacknowledged
assignments are the ``escalations`` app's), ``replies`` (acknowledgements by SMS), ``compose``
(the SMS and emails an operator writes) and ``contact_points`` (the technicians' channels, kept
by the supervisors). Callers import from here.
"""

from .compose import Upload, message_send
from .contact_points import contact_point_add, contact_point_change, contact_point_set_active
from .delivery import notification_deliver, notification_receipt_apply, retry_delay
from .outbox import (
    contact_points_for,
    email_files_send,
    notification_build,
    notifications_for_assignment,
    notifications_for_callback,
    notifications_for_cancel,
    notifications_queue_many,
    row_summary,
)
from .replies import reply_parse, sms_reply_apply
from .sweep import DELIVERY_POLL_BATCH, deliveries_poll, notifications_sweep

__all__ = [
    "notifications_for_assignment",
    "notifications_for_cancel",
    "notifications_for_callback",
    "notification_deliver",
    "notification_receipt_apply",
    "notifications_sweep",
    "deliveries_poll",
    "sms_reply_apply",
    "reply_parse",
    "retry_delay",
    "email_files_send",
    "message_send",
    "Upload",
    "contact_point_add",
    "contact_point_change",
    "contact_point_set_active",
    # Public in the former single module too.
    "contact_points_for",
    "notification_build",
    "notifications_queue_many",
    "row_summary",
    "DELIVERY_POLL_BATCH",
]
