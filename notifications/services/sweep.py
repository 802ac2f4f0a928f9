"""The sweeper, safe to run beside the workers: re-sends rows whose task was lost, takes back
rows whose worker died mid-call (asking the gateway first whether it took the message, so it is
never sent twice), and asks the gateways without push
delivery reports (HylaFAX) what became of what they took.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from dispatch.queue import task_send
from dispatch.timing import shifted
from notifications.backends.base import (
    GatewayError,
    GatewayRejected,
    GatewayUnavailable,
    NotificationBackend,
    notification_backend,
)
from notifications.choices import AttemptOutcome, NotificationStatus
from notifications.models import Notification
from notifications.services.outbox import NOTIFICATION_SEND

from .delivery import _message_for, _send_later, notification_receipt_apply
from .outbox import _record, _row_summary

logger = logging.getLogger(__name__)

S = NotificationStatus


def notifications_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Re-send what is due and was never picked up, take back rows whose worker died mid-call,
    and ask gateways without push delivery reports about
    what they took (``deliveries_poll``). Safe to run concurrently with workers."""
    now = now or timezone.now()
    # Pending and due for a while: their task was lost (a broker restart, a crash before enqueue).
    slack = timedelta(seconds=settings.PRONTO_NOTIFICATION_SWEEP_SECONDS)
    due = list(
        Notification.objects.filter(status=S.PENDING, next_attempt_at__lte=shifted(now, -slack)).values_list(
            "pk", flat=True
        )[:1000]
    )
    for pk in due:
        task_send(NOTIFICATION_SEND, pk)
    stuck_before = shifted(now, -timedelta(seconds=settings.PRONTO_NOTIFICATION_STUCK_SECONDS))
    taken_back = 0
    for pk in Notification.objects.filter(status=S.SENDING, sending_since__lt=stuck_before).values_list(
        "pk", flat=True
    )[:200]:
        if _stuck_recover(pk, stuck_before=stuck_before):
            taken_back += 1
    polled = deliveries_poll(now=now)
    return {
        "resent": len(due),
        "taken_back": taken_back,
        "delivery_polled": polled["polled"],
        "delivery_settled": polled["settled"],
    }


def _stuck_recover(pk: int, *, stuck_before: datetime) -> bool:
    row = Notification.objects.filter(pk=pk, status=S.SENDING, sending_since__lt=stuck_before).first()
    if row is None:
        return False
    backend = notification_backend(row.channel)
    try:
        found = backend.find(_message_for(row))
    except (GatewayUnavailable, GatewayRejected):
        return False  # ask again at the next sweep rather than risk a second send
    now = timezone.now()
    with transaction.atomic():
        row = Notification.objects.select_for_update().get(pk=pk)
        if row.status != S.SENDING or row.sending_since is None or row.sending_since >= stuck_before:
            return False
        attempt = row.attempt_rows.filter(number=row.attempts).order_by("-id").first()
        row.sending_since = None
        if found is not None:
            row.status = S.DELIVERED if found.delivered else S.SENT
            row.gateway_id, row.sent_at = found.gateway_id[:128], now
            outcome, detail = AttemptOutcome.ACCEPTED, "found at the gateway after an interrupted attempt"
        else:
            row.status, row.next_attempt_at = S.PENDING, now
            outcome, detail = AttemptOutcome.UNAVAILABLE, "attempt interrupted; sending again"
        row.save()
        if attempt is not None and not attempt.outcome:
            attempt.finished_at, attempt.outcome, attempt.detail = now, outcome, detail
            attempt.gateway_id = row.gateway_id
            attempt.save(update_fields=["finished_at", "outcome", "detail", "gateway_id"])
        _record(row.intervention_id, "notification.recovered", {**_row_summary(row), "detail": detail})
        if row.status == S.PENDING:
            _send_later(row)
    return True


# Gateway calls one sweep may spend on delivery polls: HylaFAX opens a session per job, and the
# sweep runs every 30 s.
DELIVERY_POLL_BATCH = 200


def _polled_backends() -> dict[str, NotificationBackend]:
    """The channels whose configured backend can be asked about delivery, with that backend.
    Building a backend touches no network."""
    backends = {}
    for channel in settings.PRONTO_NOTIFICATION_BACKENDS:
        backend = notification_backend(channel)
        if backend.polls_delivery:
            backends[channel] = backend
    return backends


def deliveries_poll(*, now: datetime, limit: int = DELIVERY_POLL_BATCH) -> dict[str, int]:
    """Ask gateways without push delivery reports (``backend.polls_delivery``: HylaFAX) what
    became of the ``sent`` rows they took in the last ``PRONTO_DELIVERY_POLL_MAX_HOURS``.

    At most ``limit`` rows per call, the least recently asked first (``delivery_checked_at``,
    never asked before anything), so every row gets its turn however many wait. Only final
    answers (delivered, or failed with the gateway's reason) reach ``notification_receipt_apply``,
    which records them once; "still queued" only moves the row's stamp, so a fax waiting hours
    for a free line writes no history line per sweep. A channel whose gateway cannot be asked
    (``GatewayError``: down, timeout, refused login) is not asked again in this call: one dead
    fax server costs one timeout, not one per row; its rows keep their place for the next sweep.
    No lock is held across a gateway call; ``notification_receipt_apply`` takes the row's.
    Returns ``{"polled": rows asked and answered for, "settled": final answers applied}``.
    """
    backends = _polled_backends()
    if not backends:
        return {"polled": 0, "settled": 0}
    since = shifted(now, -timedelta(hours=settings.PRONTO_DELIVERY_POLL_MAX_HOURS))
    rows = list(
        Notification.objects.filter(status=S.SENT, channel__in=list(backends), sent_at__gte=since)
        .exclude(gateway_id="")
        .order_by(F("delivery_checked_at").asc(nulls_first=True), "sent_at", "id")
        .values_list("pk", "channel", "gateway_id")[:limit]
    )
    checked: list[int] = []
    settled = 0
    for pk, channel, gateway_id in rows:
        backend = backends.get(channel)
        if backend is None:
            continue  # its gateway failed earlier in this call
        try:
            status = backend.delivery_status(gateway_id)
        except GatewayError as exc:
            logger.warning("Delivery poll of %s stopped for this sweep: %s", channel, exc)
            del backends[channel]
            continue
        except Exception:
            # A reply the backend could not read: the row goes to the back of the queue, the
            # others still get their turn.
            logger.exception("Notification %s: delivery poll failed", pk)
            checked.append(pk)
            continue
        checked.append(pk)
        if status is not None and status.delivered is not None:
            notification_receipt_apply(notification_id=pk, status=status)
            settled += 1
    if checked:
        Notification.objects.filter(pk__in=checked).update(delivery_checked_at=now)
    return {"polled": len(checked), "settled": settled}
