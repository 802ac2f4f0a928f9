"""Messages an operator writes (issue 20): an SMS or an email to a technician, or to a contact of
the plant's customer, about an intervention or a plant.

Each one is an outbox row like every notification (reason ``message``, the operator kept as its
``author``): written in the caller's transaction, delivered after its commit by the channel's
backend, retried and swept as the others, tracked to its delivery report. One about an
intervention is written into the intervention's history (``notification.written``, by the
operator) and its delivery steps follow as for any row; every one names its plant, whose page
lists them. An email carries the plant's archive documents the operator ticked (read again at
each attempt) and at most one uploaded file, judged by its content as every kept file is and
kept once in the media storage (``notifications.files``), all within
``PRONTO_EMAIL_ATTACHMENTS_MAX_BYTES``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.access import restrict
from dispatch.choices import Role
from dispatch.files import file_type_of
from dispatch.models import Contact, Intervention, Plant, PlantDocument
from dispatch.phone_numbers import phone_number_normalize
from notifications.backends.base import Attachment
from notifications.choices import Channel, NotificationReason, NotificationStatus
from notifications.files import file_keep
from notifications.models import ContactPoint, Notification
from notifications.rendering import SMS_MAX_PARTS
from notifications.sms_text import sms_analyse

from .outbox import _deliver_after_commit, _record, _row_summary, person_name

# What the compose form and the API accept: the channels a person reads at once.
COMPOSE_CHANNELS = (Channel.SMS, Channel.EMAIL)
EMAIL_TEXT_MAX = 20_000
SUBJECT_MAX = 200


@dataclass(frozen=True)
class Upload:
    """A file the operator attached: its name as given, and its bytes."""

    filename: str
    content: bytes


def _address_for_technician(technician, channel: str) -> str:
    point = (
        ContactPoint.objects.filter(user=technician, channel=channel, active=True)
        .order_by("position", "id")
        .first()
    )
    if point is None:
        raise ValidationError(
            {"channel": _("%(name)s has no active %(channel)s contact point.")
             % {"name": person_name(technician), "channel": Channel(channel).label}}
        )  # fmt: skip
    return point.address


def _address_for_contact(contact: Contact, channel: str) -> str:
    if channel == Channel.EMAIL:
        if not contact.email:
            raise ValidationError({"channel": _("%(name)s has no email address.") % {"name": contact.name}})
        return contact.email
    try:
        number = phone_number_normalize(contact.phone_number, field=None)
    except ValidationError:
        number = ""
    if not number:
        raise ValidationError({"channel": _("%(name)s has no mobile number.") % {"name": contact.name}})
    return number


def _text_checked(channel: str, text: str, subject: str) -> tuple[str, str]:
    text = (text or "").strip()
    subject = " ".join((subject or "").split())
    errors: dict[str, str] = {}
    if not text:
        errors["text"] = _("Write the message.")
    elif channel == Channel.SMS:
        info = sms_analyse(text)
        if info.parts > SMS_MAX_PARTS:
            errors["text"] = _(
                "Too long: this text needs %(parts)s SMS, the gateway sends at most %(max)s."
            ) % {"parts": info.parts, "max": SMS_MAX_PARTS}
    elif len(text) > EMAIL_TEXT_MAX:
        errors["text"] = _("Too long: at most %(max)s characters.") % {"max": EMAIL_TEXT_MAX}
    if channel == Channel.EMAIL:
        if not subject:
            errors["subject"] = _("Write the subject.")
        elif len(subject) > SUBJECT_MAX:
            errors["subject"] = _("Too long: at most %(max)s characters.") % {"max": SUBJECT_MAX}
    if errors:
        raise ValidationError(errors)
    return text, subject if channel == Channel.EMAIL else ""


def _attachments_checked(
    *, actor, plant: Plant, channel: str, document_ids: Sequence[int], upload: Upload | None
) -> tuple[list[PlantDocument], Attachment | None]:
    """The ticked documents (the plant's, that the operator may read) and the upload, judged."""
    if channel != Channel.EMAIL:
        if document_ids or upload is not None:
            raise ValidationError({"documents": _("Only an email carries documents.")})
        return [], None
    wanted = list(dict.fromkeys(document_ids))
    documents = list(
        restrict(PlantDocument.objects.filter(personal_erased_at__isnull=True), actor).filter(
            plant=plant, pk__in=wanted
        )
    )
    if len(documents) != len(wanted):
        missing = sorted(set(wanted) - {d.pk for d in documents})
        raise ValidationError(
            {"documents": _("Not in this plant's archive: %(ids)s.") % {"ids": ", ".join(map(str, missing))}}
        )
    budget = settings.PRONTO_EMAIL_ATTACHMENTS_MAX_BYTES
    total = 0
    for document in documents:
        try:
            total += document.file.size
        except OSError as exc:
            raise ValidationError(
                {"documents": _("The file of “%(title)s” is missing.") % {"title": document.title}}
            ) from exc
    attachment = None
    if upload is not None:
        import io

        found = file_type_of(io.BytesIO(upload.content))
        if found is None:
            raise ValidationError(
                {"file": _("This file is not one Pronto sends: PDF, JPEG, PNG, WebP, TIFF or plain text, "
                           "by its content.")}
            )  # fmt: skip
        total += len(upload.content)
        name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1].strip() or "file"
        attachment = Attachment(name[:150], found.content_type, upload.content)
    if total > budget:
        raise ValidationError(
            {"file" if upload is not None else "documents": _(
                "The attachments add up to %(size)s MB; an email carries at most %(max)s MB."
            ) % {"size": f"{total / 2**20:.1f}", "max": f"{budget / 2**20:.1f}"}}
        )  # fmt: skip
    return documents, attachment


@transaction.atomic
def message_send(
    *,
    actor,
    channel: str,
    plant: Plant,
    intervention: Intervention | None = None,
    technician_id: int | None = None,
    contact_id: int | None = None,
    text: str,
    subject: str = "",
    document_ids: Sequence[int] = (),
    upload: Upload | None = None,
    key: str = "",
) -> Notification:
    """Queue the message ``actor`` wrote to one technician (their first active point on
    ``channel``) or one contact of the plant's customer, about ``intervention`` (of ``plant``)
    or ``plant`` alone. Raises ``ValidationError`` keyed by field for anything refused, and
    writes nothing then. Locks the intervention's row (its history's order).

    ``key`` (the compose form's own, 32 hex digits) makes the row's idempotency key: the same
    form sent twice (a double click, a reload after a lost answer) returns the row it wrote the
    first time, and the technician gets one SMS."""
    if key:
        kept = Notification.objects.filter(idempotency_key=key).first()
        if kept is not None and kept.author_id == actor.pk:
            return kept
        key = "" if kept is not None else key  # someone else's key: not a resend of this form
    if channel not in COMPOSE_CHANNELS:
        raise ValidationError({"channel": _("Choose SMS or email.")})
    if intervention is not None and intervention.plant_id != plant.pk:
        raise ValueError("the intervention is not about this plant")
    if (technician_id is None) == (contact_id is None):
        raise ValidationError({"recipient": _("Choose one technician or one contact.")})
    technician = contact = None
    if technician_id is not None:
        technician = (
            get_user_model()
            .objects.filter(groups__name=Role.TECHNICIAN, is_active=True, pk=technician_id)
            .first()
        )
        if technician is None:
            raise ValidationError({"technician": _("No such technician.")})
        address = _address_for_technician(technician, channel)
    else:
        assert contact_id is not None  # exactly one of the two, checked above
        contact = Contact.objects.filter(customer_id=plant.customer_id, pk=contact_id).first()
        if contact is None:
            raise ValidationError({"contact": _("No such contact of this plant's customer.")})
        address = _address_for_contact(contact, channel)
    text, subject = _text_checked(channel, text, subject)
    documents, attachment = _attachments_checked(
        actor=actor, plant=plant, channel=channel, document_ids=document_ids, upload=upload
    )
    locked = None
    if intervention is not None:
        locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
    now = timezone.now()
    attachments: list[dict[str, Any]] = [
        {"document": d.pk, "filename": d.filename, "content_type": file_content_type(d)} for d in documents
    ]
    if attachment is not None:
        attachments.append(file_keep(attachment, now=now))
    row = Notification(
        intervention=intervention,
        plant=plant,
        author=actor,
        recipient_user=technician,
        reason=NotificationReason.MESSAGE,
        channel=channel,
        recipient=address,
        subject=subject[:SUBJECT_MAX],
        body=text,
        attachments=attachments,
        idempotency_key=key or uuid.uuid4().hex,
        status=NotificationStatus.PENDING,
        next_attempt_at=now,
        created_at=now,
    )
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        # The same form sent twice at once: the other request wrote it.
        kept = Notification.objects.filter(idempotency_key=row.idempotency_key, author=actor).first()
        if kept is None:
            raise
        return kept
    if locked is not None:
        summary = _row_summary(row)
        if contact is not None:
            summary["recipient_name"] = contact.name
        _record(
            locked.pk,
            "notification.written",
            {
                "notifications": [summary],
                "author": actor.pk,
                "author_name": person_name(actor),
                "subject": subject,
                "text": text,
                "attachments": [item["filename"] for item in attachments],
            },
            locked=locked,
            actor=actor,
        )
    _deliver_after_commit([row])
    return row


def file_content_type(document: PlantDocument) -> str:
    """The type of a stored document judged by its content, as its download declares it."""
    try:
        with document.file.open("rb") as handle:
            found = file_type_of(handle)
    except OSError:
        found = None
    return found.content_type if found is not None else "application/octet-stream"
