"""The notification outbox: rows written with the business change, delivered after commit.

Life of a row: ``pending`` -> ``sending`` (the attempt is recorded and committed *before* the
gateway is called) -> ``sent`` (the gateway took it) -> ``delivered`` (its receipt came) or
``failed`` (refused, or out of attempts). A transient failure puts the row back to ``pending``
with an exponentially later ``next_attempt_at``. A row found in ``sending`` long after its
attempt began belongs to a worker that died mid-call: the sweeper asks the gateway whether it
took the message (by the row's idempotency key) before sending it again.

Every step is written into the intervention's history (``notification.*`` events).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.choices import DocumentKind, InterventionStatus, Role
from dispatch.models import Callback, Intervention, PlantDocument, ServiceLevelReportRun
from dispatch.phone import phone_number_normalize
from dispatch.report_pdf import report_run_pdf
from dispatch.roles import has_role

# dispatch.services imports this module inside its functions, never at import time: no cycle.
from dispatch.services import event_record, intervention_acknowledge

from .backends.base import (
    Attachment,
    DeliveryStatus,
    GatewayError,
    GatewayRejected,
    GatewayUnavailable,
    NotificationBackend,
    OutgoingMessage,
    SendResult,
    notification_backend,
)
from .choices import AttemptOutcome, Channel, NotificationReason, NotificationStatus
from .fax import fax_pdf_render
from .models import ContactPoint, Notification, NotificationAttempt
from .rendering import callback_render, fax_lines, notification_render, report_render
from .tokens import status_token

logger = logging.getLogger(__name__)

S = NotificationStatus


def _record(
    intervention_id: int | None, kind: str, data: dict, *, locked: Intervention | None = None
) -> None:
    """Write into the intervention's history under its row lock (the chain's order). ``locked``:
    the intervention, when the caller already holds its lock in this transaction."""
    if intervention_id is None:
        return
    if locked is None or locked.pk != intervention_id:
        locked = Intervention.objects.select_for_update().get(pk=intervention_id)
    event_record(subject=locked, kind=kind, actor=None, data=data)


def _row_summary(row: Notification) -> dict:
    return {"notification": row.pk, "channel": row.channel, "recipient": row.recipient, "reason": row.reason}


def _deliver_after_commit(rows: Iterable[Notification]) -> None:
    from .tasks import notification_send

    ids = [row.pk for row in rows]
    if ids:
        transaction.on_commit(lambda: [notification_send.delay(pk) for pk in ids])


def contact_points_for(user) -> list[ContactPoint]:
    return list(ContactPoint.objects.filter(user=user, active=True).order_by("position", "id"))


def _notification_build(
    *,
    intervention: Intervention | None,
    reason: str,
    point: ContactPoint,
    now: datetime,
    escalation_step: int = 0,
    callback: Callback | None = None,
) -> Notification:
    if callback is not None:
        rendered = callback_render(callback=callback, channel=point.channel)
    else:
        rendered = notification_render(intervention=intervention, reason=reason, channel=point.channel)
    attachments = []
    if point.channel == Channel.EMAIL and intervention is not None and reason == NotificationReason.ASSIGNED:
        attachments = _documents_for_email(intervention)
    return Notification(
        intervention=intervention,
        callback=callback,
        recipient_user_id=point.user_id,
        reason=reason,
        channel=point.channel,
        recipient=point.address,
        subject=rendered.subject[:200],
        body=rendered.body,
        attachments=attachments,
        idempotency_key=uuid.uuid4().hex,
        status=S.PENDING,
        next_attempt_at=now,
        created_at=now,
        escalation_step=escalation_step,
    )


def _documents_for_email(intervention: Intervention) -> list[dict]:
    """The plant's documents marked for assignments, within the attachment budget."""
    budget = settings.PRONTO_EMAIL_ATTACHMENTS_MAX_BYTES
    chosen = []
    documents = PlantDocument.objects.filter(
        plant_id=intervention.plant_id, kind=DocumentKind.DOCUMENT, attach_to_assignments=True
    ).order_by("title", "id")
    for document in documents:
        try:
            size = document.file.size
        except OSError:
            logger.warning("Plant document %s is missing its file; not attached", document.pk)
            continue
        if size > budget:
            continue
        budget -= size
        chosen.append({"document": document.pk, "filename": document.file.name.rsplit("/", 1)[-1]})
    return chosen


def _notifications_create(
    rows: list[Notification], *, intervention_id: int | None, locked: Intervention | None = None
) -> list[Notification]:
    if not rows:
        return rows
    # PostgreSQL and SQLite (3.35+) both return the new ids from a bulk insert.
    created = Notification.objects.bulk_create(rows)
    _record(
        intervention_id,
        "notification.queued",
        {"notifications": [_row_summary(r) for r in created]},
        locked=locked,
    )
    _deliver_after_commit(created)
    return created


# ----------------------------------------------------------------------------------------------
# What the business changes ask for (called inside their transaction)


def notifications_for_report(*, run: ServiceLevelReportRun, contacts) -> list[Notification]:
    """Last month's service levels to each of the customer's report contacts, by email, with the
    figures in the text and the PDF attached."""
    now = timezone.now()
    subject, body = report_render(run=run)
    filename = f"service-levels-{run.customer.code}-{run.date_from:%Y-%m}.pdf"
    rows = [
        Notification(
            reason=NotificationReason.REPORT,
            channel=Channel.EMAIL,
            recipient=contact.email,
            subject=subject[:200],
            body=body,
            attachments=[{"report_run": run.pk, "filename": filename, "content_type": "application/pdf"}],
            idempotency_key=uuid.uuid4().hex,
            status=S.PENDING,
            next_attempt_at=now,
            created_at=now,
        )  # fmt: skip
        for contact in contacts
    ]
    return _notifications_create(rows, intervention_id=None)


def notifications_for_assignment(*, intervention: Intervention, previous_technician_id: int | None) -> list:
    """The new technician gets the summary on each of its channels; a technician the case was
    taken from is told so. Rows of the earlier assignment still waiting are cancelled."""
    now = timezone.now()
    _pending_cancel(
        intervention_id=intervention.pk, reasons=[NotificationReason.ASSIGNED, NotificationReason.ESCALATED]
    )
    rows = [
        _notification_build(
            intervention=intervention, reason=NotificationReason.ASSIGNED, point=point, now=now
        )
        for point in contact_points_for(intervention.technician)
    ]
    if previous_technician_id and previous_technician_id != intervention.technician_id:
        previous = get_user_model().objects.get(pk=previous_technician_id)
        rows += [
            _notification_build(
                intervention=intervention, reason=NotificationReason.REASSIGNED_AWAY, point=point, now=now
            )
            for point in contact_points_for(previous)[:1]
        ]
    if not rows:
        _record(
            intervention.pk,
            "notification.no_channel",
            {"technician": intervention.technician_id},
            locked=intervention,
        )
    return _notifications_create(rows, intervention_id=intervention.pk, locked=intervention)


def notifications_for_cancel(*, intervention: Intervention) -> list[Notification]:
    """The technician on the case hears it is cancelled (first channel)."""
    now = timezone.now()
    _pending_cancel(
        intervention_id=intervention.pk, reasons=[NotificationReason.ASSIGNED, NotificationReason.ESCALATED]
    )
    if intervention.technician_id is None:
        return []
    rows = [
        _notification_build(
            intervention=intervention, reason=NotificationReason.CANCELLED, point=point, now=now
        )
        for point in contact_points_for(intervention.technician)[:1]
    ]
    return _notifications_create(rows, intervention_id=intervention.pk, locked=intervention)


def _pending_cancel(*, intervention_id: int, reasons: list[str]) -> None:
    """Rows not yet handed to a gateway lose their purpose when the assignment changes."""
    Notification.objects.filter(intervention_id=intervention_id, reason__in=reasons, status=S.PENDING).update(
        status=S.CANCELLED, last_error="superseded"
    )


def _supervisors_warn(
    *, intervention: Intervention | None, reason_text: str, now: datetime
) -> list[Notification]:
    """One message to each active supervisor's first channel. Failures of these warnings do not
    warn again (no loop); they stay visible in the failed notifications."""
    supervisors = get_user_model().objects.filter(is_active=True, groups__name=Role.SUPERVISOR)
    points = ContactPoint.objects.filter(user__in=supervisors, active=True).order_by(
        "user_id", "position", "id"
    )
    first: dict[int, ContactPoint] = {}
    for point in points:
        first.setdefault(point.user_id, point)
    rows = []
    for point in first.values():
        row = _notification_build(
            intervention=intervention, reason=NotificationReason.SUPERVISOR_WARNING, point=point, now=now
        )
        row.body = f"{reason_text}\n{row.body}" if point.channel != Channel.SMS else row.body
        rows.append(row)
    if intervention is not None:
        _record(
            intervention.pk, "notification.supervisor_warned", {"why": reason_text, "supervisors": len(rows)}
        )
    return _notifications_create(rows, intervention_id=intervention.pk if intervention else None)


# ----------------------------------------------------------------------------------------------
# Delivery


def retry_delay(attempts: int) -> timedelta:
    seconds = settings.PRONTO_NOTIFICATION_RETRY_BASE_SECONDS * (2 ** max(0, attempts - 1))
    return timedelta(seconds=min(seconds, settings.PRONTO_NOTIFICATION_RETRY_MAX_SECONDS))


def _status_url(row: Notification) -> str:
    if row.channel != Channel.SMS:
        return ""
    path = reverse("notification-status", args=[row.pk])
    return f"{settings.PRONTO_PUBLIC_URL}{path}?token={status_token(row.pk)}"


def _attachments_load(row: Notification) -> tuple[Attachment, ...]:
    """The files a row carries: plant documents by id, or a report run's PDF, drawn again from
    the run's kept figures (the same bytes each time)."""
    loaded = []
    documents = PlantDocument.objects.in_bulk(
        [item["document"] for item in row.attachments if "document" in item]
    )
    for item in row.attachments:
        if "report_run" in item:
            run = (
                ServiceLevelReportRun.objects.select_related("customer").filter(pk=item["report_run"]).first()
            )
            if run is not None and run.figures is not None:
                loaded.append(Attachment(item["filename"], "application/pdf", report_run_pdf(run)))
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
    """Render the fax page once, archive it on the plant (indexed as a fax) and attach it to the
    row, in one transaction: a retry finds it there and never renders a second one."""
    if row.attachments or row.intervention_id is None:
        return
    intervention = Intervention.objects.select_related("plant", "call", "technician").get(
        pk=row.intervention_id
    )
    lines = fax_lines(intervention, row.reason)
    pdf = fax_pdf_render(title=row.subject.removeprefix("[Pronto] "), lines=lines)
    filename = f"fax-intervention-{intervention.pk}-{row.pk}.pdf"
    with transaction.atomic():
        locked = Notification.objects.select_for_update().get(pk=row.pk)
        if locked.attachments:
            row.attachments = locked.attachments
            return
        document = PlantDocument(
            plant_id=intervention.plant_id,
            intervention=intervention,
            kind=DocumentKind.FAX,
            title=f"Fax #{intervention.pk} → {row.recipient} {timezone.localtime():%Y-%m-%d %H:%M}"[:200],
        )
        document.file.save(filename, ContentFile(pdf), save=False)
        document.save()
        locked.attachments = [
            {"document": document.pk, "filename": filename, "content_type": "application/pdf"}
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
        if row is None or row.status != S.PENDING or row.next_attempt_at > now:
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
            row.status = S.DELIVERED if result.delivered else S.SENT
            row.gateway_id, row.sent_at, row.last_error = attempt.gateway_id, now, ""
            if result.delivered:
                row.delivered_at = now
            kind = "notification.sent"
        elif outcome == AttemptOutcome.REJECTED or row.attempts >= settings.PRONTO_NOTIFICATION_MAX_ATTEMPTS:
            row.status, row.failed_at, row.last_error = S.FAILED, now, detail
            kind = "notification.failed"
            warn = True
        else:
            row.status, row.last_error = S.PENDING, detail
            row.next_attempt_at = now + retry_delay(row.attempts)
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


def _supervisors_warn_of_failure(row: Notification, reason: str, *, now: datetime) -> None:
    """A notification failed: the supervisors hear which, to whom and why (not about their own
    warnings failing, which would loop)."""
    if row.reason == NotificationReason.SUPERVISOR_WARNING:
        return
    intervention = (
        Intervention.objects.select_related("plant", "call", "technician")
        .filter(pk=row.intervention_id)
        .first()
    )
    _supervisors_warn(
        intervention=intervention,
        reason_text=f"{row.get_channel_display()} {row.recipient}: {reason}",
        now=now,
    )


def _send_later(row: Notification) -> None:
    from .tasks import notification_send

    delay = max(0.0, (row.next_attempt_at - timezone.now()).total_seconds())
    pk = row.pk
    transaction.on_commit(lambda: notification_send.apply_async((pk,), countdown=delay))


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


# ----------------------------------------------------------------------------------------------
# The sweeper: lost tasks, dead workers, unacknowledged assignments


def notifications_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Re-send what is due and was never picked up, take back rows whose worker died mid-call,
    escalate unacknowledged assignments, and ask gateways without push delivery reports about
    what they took (``deliveries_poll``). Safe to run concurrently with workers."""
    now = now or timezone.now()
    from .tasks import notification_send

    # Pending and due for a while: their task was lost (a broker restart, a crash before enqueue).
    slack = timedelta(seconds=settings.PRONTO_NOTIFICATION_SWEEP_SECONDS)
    due = list(
        Notification.objects.filter(status=S.PENDING, next_attempt_at__lte=now - slack).values_list(
            "pk", flat=True
        )[:1000]
    )
    for pk in due:
        notification_send.delay(pk)
    stuck_before = now - timedelta(seconds=settings.PRONTO_NOTIFICATION_STUCK_SECONDS)
    taken_back = 0
    for pk in Notification.objects.filter(status=S.SENDING, sending_since__lt=stuck_before).values_list(
        "pk", flat=True
    )[:200]:
        if _stuck_recover(pk, stuck_before=stuck_before):
            taken_back += 1
    escalated = acknowledgements_escalate(now=now)
    polled = deliveries_poll(now=now)
    return {
        "resent": len(due),
        "taken_back": taken_back,
        "escalated": escalated,
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
    since = now - timedelta(hours=settings.PRONTO_DELIVERY_POLL_MAX_HOURS)
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


def ack_timeout(priority: int) -> timedelta:
    minutes = settings.PRONTO_ACK_TIMEOUT_MINUTES.get(int(priority)) or max(
        settings.PRONTO_ACK_TIMEOUT_MINUTES.values()
    )
    return timedelta(minutes=minutes)


def acknowledgements_escalate(*, now: datetime) -> int:
    """For each assignment not acknowledged in its priority's time: send the summary again on
    the technician's next channel and warn the supervisors; at most
    ``PRONTO_ESCALATION_MAX_ROUNDS`` rounds per assignment, one per timeout period."""
    shortest = min(settings.PRONTO_ACK_TIMEOUT_MINUTES.values())
    candidates = Intervention.objects.filter(
        status=InterventionStatus.ASSIGNED,
        acknowledged_at__isnull=True,
        assigned_at__lte=now - timedelta(minutes=shortest),
    ).values_list("pk", flat=True)
    escalated = 0
    for pk in candidates[:500]:
        with transaction.atomic():
            intervention = (
                Intervention.objects.select_for_update(of=("self",))
                .select_related("plant", "call", "technician")
                .get(pk=pk)
            )
            if intervention.status != InterventionStatus.ASSIGNED or intervention.acknowledged_at:
                continue
            rounds = Notification.objects.filter(
                intervention=intervention,
                reason=NotificationReason.ESCALATED,
                recipient_user_id=intervention.technician_id,
                created_at__gte=intervention.assigned_at,
            ).count()
            if rounds >= settings.PRONTO_ESCALATION_MAX_ROUNDS:
                continue
            if now < intervention.assigned_at + ack_timeout(intervention.priority) * (rounds + 1):
                continue
            points = contact_points_for(intervention.technician)
            rows = []
            if points:
                # Round 1 goes to the second channel, round 2 to the third, and so on, wrapping.
                point = points[(rounds + 1) % len(points)]
                rows.append(
                    _notification_build(
                        intervention=intervention,
                        reason=NotificationReason.ESCALATED,
                        point=point,
                        now=now,
                        escalation_step=rounds + 1,
                    )
                )
            _record(
                intervention.pk,
                "notification.ack_overdue",
                {
                    "round": rounds + 1,
                    "assigned_at": intervention.assigned_at,
                    "channel": rows[0].channel if rows else "",
                },
            )
            _notifications_create(rows, intervention_id=intervention.pk, locked=intervention)
            _supervisors_warn(
                intervention=intervention,
                reason_text=f"Not acknowledged since {timezone.localtime(intervention.assigned_at):%H:%M}",
                now=now,
            )
            escalated += 1
    return escalated


# ----------------------------------------------------------------------------------------------
# Callbacks


def notifications_for_callback(*, callback: Callback, now: datetime) -> list[Notification]:
    """Remind the callback's operator (first channel); nobody when unassigned (the console shows it)."""
    if callback.assigned_to_id is None:
        return []
    rows = [
        _notification_build(
            intervention=callback.intervention,
            reason=NotificationReason.CALLBACK_DUE,
            point=point,
            now=now,
            callback=callback,
        )
        for point in contact_points_for(callback.assigned_to)[:1]
    ]
    return _notifications_create(rows, intervention_id=callback.intervention_id)


# ----------------------------------------------------------------------------------------------
# Replies by SMS


def sms_reply_apply(*, sender: str, text: str) -> str:
    """A technician's reply: "OK <id>" (or "OK" with one assignment waiting) acknowledges the
    intervention. Returns the answer texted back; unknown senders learn nothing."""
    try:
        number = phone_number_normalize(sender, field=None)
    except ValidationError:
        number = ""
    users = (
        get_user_model()
        .objects.filter(
            is_active=True,
            contact_points__channel=Channel.SMS,
            contact_points__address=number,
            contact_points__active=True,
        )
        .distinct()
    )
    technicians = [user for user in users if has_role(user, Role.TECHNICIAN)]
    words = (text or "").strip().upper().replace("#", " ").split()
    if len(technicians) != 1 or not words or words[0] not in ("OK", "SI", "SÌ", "YES"):
        logger.info("SMS reply from %s not understood", number)
        return _("Not understood. Reply OK followed by the intervention number.")
    technician = technicians[0]
    waiting = Intervention.objects.filter(technician=technician, status=InterventionStatus.ASSIGNED)
    if len(words) > 1 and words[1].isdigit():
        waiting = waiting.filter(pk=int(words[1]))
    chosen = list(waiting[:2])
    if len(chosen) != 1:
        return _("Which intervention? Reply OK followed by its number.")
    intervention = intervention_acknowledge(actor=technician, intervention=chosen[0])
    with transaction.atomic():
        _record(intervention.pk, "notification.reply", {"from": number, "text": text[:160]})
    return _("Intervention #%(id)s acknowledged.") % {"id": intervention.pk}


__all__ = [
    "notifications_for_assignment",
    "notifications_for_cancel",
    "notifications_for_callback",
    "notification_deliver",
    "notification_receipt_apply",
    "notifications_sweep",
    "deliveries_poll",
    "acknowledgements_escalate",
    "sms_reply_apply",
    "retry_delay",
]
