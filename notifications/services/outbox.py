"""The outbox's rows: what the business changes ask for (an assignment and the technician it
was taken from, a cancellation, a callback due), addressed to the users' contact points, with the
plant's documents an assignment email carries; and files emailed to a customer's contacts (a
monthly report). They are written inside the caller's transaction and their delivery is queued
for after its commit. Also the helpers every part of the outbox uses to write its steps into the
intervention's history.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from dispatch.access import restrict
from dispatch.bulk import rows_insert
from dispatch.choices import DocumentKind
from dispatch.models import Callback, Contact, Intervention, PlantDocument
from dispatch.queue import task_enqueue_each_on_commit

# dispatch.services imports notifications.services inside its functions, never at import time: no cycle.
from dispatch.services import event_record
from notifications.backends.base import Attachment
from notifications.choices import Channel, NotificationReason, NotificationStatus
from notifications.files import file_keep
from notifications.models import ContactPoint, Notification
from notifications.rendering import callback_render, notification_render

logger = logging.getLogger(__name__)

S = NotificationStatus
# The task that delivers one outbox row (``notifications.tasks.notification_send``), by name.
NOTIFICATION_SEND = "notifications.tasks.notification_send"


def _record(
    intervention_id: int | None,
    kind: str,
    data: dict,
    *,
    locked: Intervention | None = None,
    actor=None,
) -> None:
    """Write into the intervention's history under its row lock (the chain's order). ``locked``:
    the intervention, when the caller already holds its lock in this transaction; ``actor``: the
    person who asked (None: Pronto itself)."""
    if intervention_id is None:
        return
    if locked is None or locked.pk != intervention_id:
        locked = Intervention.objects.select_for_update().get(pk=intervention_id)
    event_record(subject=locked, kind=kind, actor=actor, data=data)


def person_name(user) -> str:
    """How the history names a person: the full name, else the username."""
    return user.get_full_name() or user.get_username()


def _row_summary(row: Notification) -> dict:
    """A row as its history events carry it. The recipient is named too (not only addressed):
    the history is read as "SMS to Tino Tecnico", and an event keeps the name it was sent under."""
    summary = {
        "notification": row.pk,
        "channel": row.channel,
        "recipient": row.recipient,
        "reason": row.reason,
    }
    if row.recipient_user_id is not None:
        summary["recipient_name"] = person_name(row.recipient_user)
    return summary


def _deliver_after_commit(rows: Iterable[Notification]) -> None:
    task_enqueue_each_on_commit(NOTIFICATION_SEND, [(row.pk,) for row in rows])


def contact_points_for(user) -> list[ContactPoint]:
    # With the user: each outbox row built from a point names its recipient in the history.
    return list(
        ContactPoint.objects.filter(user=user, active=True).select_related("user").order_by("position", "id")
    )


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
    elif intervention is not None:
        rendered = notification_render(intervention=intervention, reason=reason, channel=point.channel)
    else:
        raise ValueError("a notification is about an intervention or a callback")
    attachments = []
    if point.channel == Channel.EMAIL and intervention is not None and reason == NotificationReason.ASSIGNED:
        attachments = _documents_for_email(intervention)
    return Notification(
        intervention=intervention,
        callback=callback,
        recipient_user=point.user,
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
    """The plant's documents marked for assignments that its technician may read (the access
    layer's rule, as for a download: a fax or photo marked so in the admin stays behind),
    within the attachment budget."""
    budget = settings.PRONTO_EMAIL_ATTACHMENTS_MAX_BYTES
    chosen = []
    documents = (
        restrict(PlantDocument.objects.all(), intervention.technician)
        .filter(plant_id=intervention.plant_id, kind=DocumentKind.DOCUMENT, attach_to_assignments=True)
        .order_by("title", "id")
    )
    for document in documents:
        try:
            size = document.file.size
        except OSError:
            logger.warning("Plant document %s is missing its file; not attached", document.pk)
            continue
        if size > budget:
            continue
        budget -= size
        chosen.append({"document": document.pk, "filename": document.filename})
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


def notification_build(
    *, intervention: Intervention, reason: str, point: ContactPoint, now: datetime, escalation_step: int = 0
) -> Notification:
    """An unsaved outbox row about ``intervention`` to ``point`` (``notifications_queue_many``
    saves many at once)."""
    return _notification_build(
        intervention=intervention, reason=reason, point=point, now=now, escalation_step=escalation_step
    )


def notifications_queue_many(rows: list[Notification]) -> list[Notification]:
    """Insert outbox rows of many interventions in one statement and queue their delivery for
    after the caller's commit. The caller writes their history (``row_summary``), in bulk too:
    the escalation sweep fires thousands of steps at once."""
    if not rows:
        return rows
    rows_insert(Notification, rows, returning_pk=True)
    created = rows
    _deliver_after_commit(created)
    return created


def row_summary(row: Notification) -> dict:
    """How the history names an outbox row (``notification.queued`` and the following events)."""
    return _row_summary(row)


# ----------------------------------------------------------------------------------------------
# What the business changes ask for (called inside their transaction)


def email_files_send(
    *, reason: str, contacts: Iterable[Contact], subject: str, body: str, files: Sequence[Attachment] = ()
) -> list[Notification]:
    """Email these files, with this subject and text, to each of these contacts (a customer's,
    at their email address; a contact without one is skipped): one outbox row per contact,
    written in the caller's transaction and delivered after its commit like every notification.
    The files are kept once, in the media storage (``notifications.files``), and every row names
    them, so each attempt sends the same bytes."""
    now = timezone.now()
    addresses = [contact.email for contact in contacts if contact.email]
    if not addresses:
        return []
    attachments = [file_keep(file, now=now) for file in files]
    rows = [
        Notification(
            reason=reason,
            channel=Channel.EMAIL,
            recipient=address,
            subject=subject[:200],
            body=body,
            attachments=attachments,
            idempotency_key=uuid.uuid4().hex,
            status=S.PENDING,
            next_attempt_at=now,
            created_at=now,
        )
        for address in addresses
    ]
    return _notifications_create(rows, intervention_id=None)


def notifications_for_assignment(*, intervention: Intervention, previous_technician_id: int | None) -> list:
    """The new technician gets the summary on each of its channels; a technician the case was
    taken from is told so on each of theirs too (the assignment reached them on all of them, and
    the one they read may be the email or the depot's fax, not the SMS). Rows of the earlier
    assignment still waiting are cancelled."""
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
            for point in contact_points_for(previous)
        ]
    if not rows:
        _record(
            intervention.pk,
            "notification.no_channel",
            {
                "technician": intervention.technician_id,
                "technician_name": person_name(intervention.technician),
            },
            locked=intervention,
        )
    return _notifications_create(rows, intervention_id=intervention.pk, locked=intervention)


def notifications_for_cancel(*, intervention: Intervention) -> list[Notification]:
    """The technician on the case hears it is cancelled on every channel they have, as the
    assignment reached them: one who read it by email must not drive to a cancelled job."""
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
        for point in contact_points_for(intervention.technician)
    ]
    return _notifications_create(rows, intervention_id=intervention.pk, locked=intervention)


def _pending_cancel(*, intervention_id: int, reasons: list[str]) -> None:
    """Rows not yet handed to a gateway lose their purpose when the assignment changes."""
    Notification.objects.filter(intervention_id=intervention_id, reason__in=reasons, status=S.PENDING).update(
        status=S.CANCELLED, last_error="superseded"
    )


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
