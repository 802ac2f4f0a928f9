"""Technicians' replies to the assignment email: "OK" acknowledges, as the SMS reply does (the
same parsing, ``notifications.services.reply_parse``); the text becomes a note; attachments
become photos (images, verified whole) or documents (checked by content) of the intervention."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.choices import DocumentKind, InterventionStatus, Role
from dispatch.files import JPEG, PNG, TIFF, WEBP, file_content_allowed, file_type_of
from dispatch.history import event_record
from dispatch.models import NOTES_MAX_LENGTH, Intervention, InterventionAssignment, PlantDocument
from dispatch.roles import has_role
from dispatch.services import intervention_acknowledge, intervention_note_add
from inbound.choices import ItemStatus
from inbound.messages import (
    MalformedMessage,
    attachments,
    header_text,
    message_parse,
    pronto_message_ids,
    references,
    reply_text,
    sender_address,
)
from inbound.models import InboundItem
from notifications.choices import Channel
from notifications.models import Notification
from notifications.services import reply_parse

EXTENSIONS = {JPEG: "jpg", PNG: "png", WEBP: "webp", TIFF: "tif"}


class ReplyNotMatched(ValueError):
    """The reply names no intervention its sender was assigned: kept, and shown as a failure."""


def _technician_for(address: str):
    """The one active technician whose email contact point (or account address) is ``address``."""
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(contact_points__channel=Channel.EMAIL, contact_points__address__iexact=address)
            | Q(email__iexact=address)
        )
        .distinct()
    )
    technicians = [user for user in users if has_role(user, Role.TECHNICIAN)]
    return technicians[0] if len(technicians) == 1 else None


def _intervention_for(message, technician, text: str) -> Intervention | None:
    """The intervention the reply answers: the one Pronto's email it quotes (In-Reply-To,
    References) was about, else a number in its subject or text; only one ever assigned to the
    sender."""
    assigned = InterventionAssignment.objects.filter(technician=technician).values_list("intervention_id")
    keys = pronto_message_ids(message)
    candidates = list(
        Notification.objects.filter(idempotency_key__in=keys, intervention__isnull=False).values_list(
            "intervention_id", flat=True
        )
    )
    _ok, pk = reply_parse(text)
    candidates += [pk] if pk is not None else []
    candidates += references(header_text(message, "Subject"), text)
    for candidate in candidates:
        found = Intervention.objects.filter(pk=candidate, pk__in=assigned).first()
        if found is not None:
            return found
    return None


def reply_apply(*, item: InboundItem) -> InboundItem:
    """Apply a technician's reply kept as ``item``; the item ends ``filed``. Raises
    ``MalformedMessage`` or ``ReplyNotMatched`` (the caller records the failure), before any
    change: nothing is half-applied."""
    message = message_parse(bytes(item.raw))
    address = sender_address(message)
    technician = _technician_for(address) if address else None
    if technician is None:
        raise ReplyNotMatched(_("The sender %(address)s is not a technician.") % {"address": address or "?"})
    text = reply_text(message)
    intervention = _intervention_for(message, technician, text)
    if intervention is None:
        raise ReplyNotMatched(_("The reply names no intervention assigned to its sender."))
    parts = attachments(message)
    acknowledges, _pk = reply_parse(text)
    # The words after "OK 123" are a note too; a bare "OK" is not.
    note = text
    if acknowledges and len(text.split()) <= 2:
        note = ""
    if len(note) > NOTES_MAX_LENGTH:
        note = note[: NOTES_MAX_LENGTH - 1] + "…"
    with transaction.atomic():
        item = InboundItem.objects.select_for_update().get(pk=item.pk)
        locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
        acknowledged = False
        if (
            acknowledges
            and locked.status == InterventionStatus.ASSIGNED
            and locked.technician_id == technician.pk
        ):
            locked = intervention_acknowledge(actor=technician, intervention=locked)
            acknowledged = True
        if note and locked.technician_id == technician.pk:
            intervention_note_add(actor=technician, intervention=locked, text=note)
        kept, refused = _attachments_keep(parts, intervention=locked, technician=technician, item=item)
        event_record(
            subject=locked, kind="inbound.reply", actor=technician,
            data={"from": address, "acknowledged": acknowledged, "note": bool(note), "text": text[:160],
                  "photos": kept[DocumentKind.PHOTO], "documents": kept[DocumentKind.DOCUMENT],
                  "refused": refused, "item": item.pk},
        )  # fmt: skip
        item.status, item.error, item.processed_at = ItemStatus.FILED, "", timezone.now()
        item.intervention, item.plant_id = locked, locked.plant_id
        item.save(update_fields=["status", "error", "processed_at", "intervention", "plant"])
    return item


def _attachments_keep(parts, *, intervention: Intervention, technician, item: InboundItem):
    """Images a page can show become photos; other files Pronto keeps (PDF, TIFF, text) become
    documents of the intervention; anything else is refused by name (it stays in the raw
    message)."""
    kept: dict[str, list[int]] = {DocumentKind.PHOTO: [], DocumentKind.DOCUMENT: []}
    refused: list[str] = []
    for index, part in enumerate(parts, start=1):
        if len(part.content) > settings.PRONTO_INBOUND_MAX_ATTACHMENT_BYTES:
            refused.append(part.filename or f"#{index}")
            continue
        upload = ContentFile(part.content, name=part.filename or f"attachment-{index}")
        found = file_type_of(upload)
        try:
            file_content_allowed(upload)
        except ValidationError:
            refused.append(part.filename or f"#{index}")
            continue
        kind = DocumentKind.PHOTO if found is not None and found.image else DocumentKind.DOCUMENT
        document = PlantDocument(
            plant_id=intervention.plant_id, intervention=intervention, kind=kind, uploaded_by=technician,
            title=(part.filename or _("Attachment %(n)d") % {"n": index})[:200],
            received_from=item.sender, received_at=item.received_at,
        )  # fmt: skip
        digest = hashlib.sha256(part.content).hexdigest()[:12]
        extension = (
            EXTENSIONS.get(found, "pdf" if found and found.name == "PDF" else "txt") if found else "bin"
        )
        document.file.save(f"reply-{intervention.pk}-{digest}.{extension}", upload, save=False)
        document.full_clean(exclude=["plant", "intervention", "uploaded_by"])
        document.save()
        kept[kind].append(document.pk)
    return kept, refused


__all__ = ["MalformedMessage", "ReplyNotMatched", "reply_apply"]
