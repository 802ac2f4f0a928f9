"""Delivery of one row: claimed, with its attempt committed before the gateway is called; its
attachments loaded (a fax page rendered once and archived on the plant); sent through its
channel's backend; then ``sent`` or ``delivered``, ``failed``, or ``pending`` again with an
exponentially later retry. Also the gateways' delivery receipts, applied once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from dispatch.choices import DocumentKind
from dispatch.models import Intervention, PlantDocument
from dispatch.queue import task_enqueue_on_commit
from dispatch.timing import seconds_between, shifted
from notifications.backends.base import (
    Attachment,
    DeliveryStatus,
    GatewayRejected,
    GatewayUnavailable,
    OutgoingMessage,
    SendResult,
    notification_backend,
)
from notifications.choices import AttemptOutcome, Channel, NotificationStatus
from notifications.fax_page import dispatch_fax_pdf, dispatch_fax_tiff
from notifications.files import attachment_loader_for, file_keep, file_load
from notifications.models import Notification, NotificationAttempt
from notifications.rendering import dispatch_fax_content, recipient_language
from notifications.services.outbox import NOTIFICATION_SEND
from notifications.tokens import status_token
from ops.metrics import NOTIFICATION_ACCEPTED_SECONDS

from .escalation import _supervisors_warn_of_failure
from .outbox import _record, _row_summary

logger = logging.getLogger(__name__)

S = NotificationStatus


def retry_delay(attempts: int) -> timedelta:
    seconds = settings.PRONTO_NOTIFICATION_RETRY_BASE_SECONDS * (2 ** max(0, attempts - 1))
    return timedelta(seconds=min(seconds, settings.PRONTO_NOTIFICATION_RETRY_MAX_SECONDS))


def _status_url(row: Notification) -> str:
    if row.channel != Channel.SMS:
        return ""
    path = reverse("notification-status", args=[row.pk])
    return f"{settings.PRONTO_PUBLIC_URL}{path}?token={status_token(row.pk)}"


def _attachments_load(row: Notification) -> tuple[Attachment, ...]:
    """The files a row carries (``notifications.files``): those kept for it, plant documents by
    id, and items an app loads itself (rows written before it kept its files here)."""
    loaded = []
    documents = PlantDocument.objects.in_bulk(
        [item["document"] for item in row.attachments if "document" in item]
    )
    for item in row.attachments:
        if "file" in item:
            loaded.append(file_load(item))
            continue
        if "document" not in item:
            loader = attachment_loader_for(item)
            if loader is None:
                logger.warning("Notification %s: no app loads attachment %r", row.pk, item)
            elif (attachment := loader(item)) is not None:
                loaded.append(attachment)
            continue
        document = documents.get(item["document"])
        if document is None:
            continue
        with document.file.open("rb") as handle:
            content = handle.read()
        content_type = item.get("content_type") or _guess_type(item["filename"])
        loaded.append(Attachment(item["filename"], content_type, content))
    return tuple(loaded)


def _guess_type(filename: str) -> str:
    import mimetypes

    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def _fax_document_ensure(row: Notification) -> None:
    """Render the dispatch fax once, in the recipient's language: its PDF archived on the plant
    (indexed as a fax), its TIFF G3 pages kept with the row (what HylaFAX and TIFF-only gateways
    are sent), both attached to the row in one transaction: a retry finds them there and never
    renders a second one."""
    if row.attachments or row.intervention_id is None:
        return
    intervention = Intervention.objects.select_related("plant", "call", "technician").get(
        pk=row.intervention_id
    )
    now = timezone.now()
    content = dispatch_fax_content(
        intervention=intervention,
        reason=row.reason,
        language=recipient_language(row.recipient_user_id),
        now=now,
    )
    pdf, tiff = dispatch_fax_pdf(content), dispatch_fax_tiff(content)
    stem = f"fax-intervention-{intervention.pk}-{row.pk}"
    with transaction.atomic():
        locked = Notification.objects.select_for_update().get(pk=row.pk)
        if locked.attachments:
            row.attachments = locked.attachments
            return
        document = PlantDocument(
            plant_id=intervention.plant_id,
            intervention=intervention,
            kind=DocumentKind.FAX,
            title=f"Fax #{intervention.pk} → {row.recipient} {timezone.localtime(now):%Y-%m-%d %H:%M}"[:200],
        )
        document.file.save(f"{stem}.pdf", ContentFile(pdf), save=False)
        document.save()
        locked.attachments = [
            {"document": document.pk, "filename": f"{stem}.pdf", "content_type": "application/pdf"},
            file_keep(Attachment(f"{stem}.tif", "image/tiff", tiff), now=now),
        ]
        locked.save(update_fields=["attachments"])
        row.attachments = locked.attachments


def _message_for(row: Notification) -> OutgoingMessage:
    return OutgoingMessage(
        notification_id=row.pk,
        idempotency_key=row.idempotency_key,
        channel=row.channel,
        recipient=row.recipient,
        subject=row.subject,
        body=row.body,
        attachments=_attachments_load(row),
        status_url=_status_url(row),
        attempt=row.attempts,
    )


def _claim(pk: int, now: datetime) -> tuple[Notification, NotificationAttempt] | None:
    """Take a due pending row for sending; commit before the gateway is called."""
    with transaction.atomic():
        row = Notification.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
        if row is None or row.status != S.PENDING or seconds_between(now, row.next_attempt_at) > 0:
            return None
        row.status, row.attempts, row.sending_since = S.SENDING, row.attempts + 1, now
        row.save(update_fields=["status", "attempts", "sending_since"])
        attempt = NotificationAttempt.objects.create(notification=row, number=row.attempts, started_at=now)
    return row, attempt


def notification_deliver(*, notification_id: int) -> str:
    """Send one due row through its channel's backend; idempotent (a row that is not pending and
    due is left alone). Returns the row's status afterwards, for the task's log."""
    now = timezone.now()
    claimed = _claim(notification_id, now)
    if claimed is None:
        status = Notification.objects.filter(pk=notification_id).values_list("status", flat=True).first()
        return status or "missing"
    row, attempt = claimed
    try:
        if row.channel == Channel.FAX:
            _fax_document_ensure(row)
        backend = notification_backend(row.channel)
        result = backend.send(_message_for(row))
    except GatewayRejected as exc:
        return _attempt_finish(row, attempt, AttemptOutcome.REJECTED, str(exc))
    except GatewayUnavailable as exc:
        return _attempt_finish(row, attempt, AttemptOutcome.UNAVAILABLE, str(exc))
    except Exception as exc:  # a bug or an unexpected reply: retried like an outage, and logged
        logger.exception("Notification %s: backend error", row.pk)
        return _attempt_finish(row, attempt, AttemptOutcome.UNAVAILABLE, f"{type(exc).__name__}: {exc}")
    return _attempt_finish(row, attempt, AttemptOutcome.ACCEPTED, result.detail, result=result)


def _attempt_finish(
    row: Notification,
    attempt: NotificationAttempt,
    outcome: str,
    detail: str,
    *,
    result: SendResult | None = None,
) -> str:
    now = timezone.now()
    detail = (detail or "")[:300]
    warn = False
    with transaction.atomic():
        row = Notification.objects.select_for_update().get(pk=row.pk)
        attempt.finished_at, attempt.outcome, attempt.detail = now, outcome, detail
        attempt.gateway_id = result.gateway_id[:128] if result else ""
        attempt.save(update_fields=["finished_at", "outcome", "detail", "gateway_id"])
        if row.status != S.SENDING:
            # The sweeper took the row back meanwhile; its own attempt decides.
            return row.status
        row.sending_since = None
        if outcome == AttemptOutcome.ACCEPTED:
            delivered = result is not None and result.delivered
            row.status = S.DELIVERED if delivered else S.SENT
            row.gateway_id, row.sent_at, row.last_error = attempt.gateway_id, now, ""
            if delivered:
                row.delivered_at = now
            kind = "notification.sent"
            # Issue 22: from the row's creation (the assignment's transaction) to the acceptance.
            NOTIFICATION_ACCEPTED_SECONDS.labels(channel=row.channel, reason=row.reason).observe(
                max(0.0, seconds_between(row.created_at, now))
            )
        elif outcome == AttemptOutcome.REJECTED or row.attempts >= settings.PRONTO_NOTIFICATION_MAX_ATTEMPTS:
            row.status, row.failed_at, row.last_error = S.FAILED, now, detail
            kind = "notification.failed"
            warn = True
        else:
            row.status, row.last_error = S.PENDING, detail
            row.next_attempt_at = shifted(now, retry_delay(row.attempts))
            kind = "notification.retry"
        row.save()
        _record(
            row.intervention_id,
            kind,
            {
                **_row_summary(row),
                "attempt": attempt.number,
                "outcome": outcome,
                "detail": detail,
                "gateway_id": row.gateway_id,
                "next_attempt_at": row.next_attempt_at if row.status == S.PENDING else None,
            },
        )
        if row.status == S.PENDING:
            _send_later(row)
        if warn:
            _supervisors_warn_of_failure(row, detail, now=now)
    return row.status


def _send_later(row: Notification) -> None:
    delay = max(0.0, seconds_between(timezone.now(), row.next_attempt_at))
    task_enqueue_on_commit(NOTIFICATION_SEND, row.pk, countdown=delay)


def notification_receipt_apply(*, notification_id: int, status: DeliveryStatus) -> Notification | None:
    """A gateway's delivery report. Idempotent: a report for a final row changes nothing."""
    if status.delivered is None:
        # Not final (buffered, accepted by the SMSC): a line in the history, the row unchanged.
        with transaction.atomic():
            row = Notification.objects.filter(pk=notification_id).first()
            if row is not None and status.detail:
                _record(
                    row.intervention_id, "notification.report", {**_row_summary(row), "detail": status.detail}
                )
        return row
    now = timezone.now()
    with transaction.atomic():
        row = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if row is None or row.status in (S.DELIVERED, S.FAILED, S.CANCELLED):
            return row
        outcome = AttemptOutcome.DELIVERED if status.delivered else AttemptOutcome.UNDELIVERED
        NotificationAttempt.objects.create(
            notification=row, number=row.attempts, started_at=now, finished_at=now, outcome=outcome,
            gateway_id=row.gateway_id, detail=(status.failed_reason or status.detail)[:300],
        )  # fmt: skip
        if status.delivered:
            row.status, row.delivered_at = S.DELIVERED, now
            kind = "notification.delivered"
        else:
            row.status, row.failed_at, row.last_error = S.FAILED, now, status.failed_reason[:300]
            kind = "notification.failed"
        row.save(update_fields=["status", "delivered_at", "failed_at", "last_error"])
        _record(
            row.intervention_id, kind, {**_row_summary(row), "detail": status.failed_reason or status.detail}
        )
        if not status.delivered:
            _supervisors_warn_of_failure(row, status.failed_reason, now=now)
    return row
