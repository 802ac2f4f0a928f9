"""Received faxes: converted to PDF, matched to a plant or an intervention and filed in the
plant's archive, or left in the fax inbox for an operator to file."""

from __future__ import annotations

import re
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.choices import DocumentKind, InterventionStatus, Role
from dispatch.history import event_record
from dispatch.models import Contact, Intervention, KnownNumber, Plant, PlantDocument
from dispatch.phone_numbers import phone_number_normalize
from dispatch.roles import has_role
from inbound.choices import FaxMatch, ItemStatus
from inbound.conversion import NotAFax, fax_pdf, is_fax_file
from inbound.messages import attachments, header_text, message_parse, references
from inbound.models import InboundItem, ReceivedFax
from notifications.models import ContactPoint

# Interventions a technician may still be writing back about.
ACTIVE = (InterventionStatus.ASSIGNED, InterventionStatus.ACKNOWLEDGED, InterventionStatus.ON_SITE)
# A candidate plant code: what codes are made of, at least two characters.
CODE_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{1,63}")
# A phone number in a subject or an address: digits with an optional "+" and separators.
NUMBER_IN_TEXT = re.compile(r"\+?[0-9][0-9 ./-]{5,20}[0-9]")


def fax_number_of(*texts: str) -> str:
    """The first possible phone number in ``texts`` as E.164 ("" when none): an email-to-fax
    provider names the sender in the subject ("Fax from +39 02 ...") or the From address."""
    for text in texts:
        for candidate in NUMBER_IN_TEXT.findall(text or ""):
            try:
                number = phone_number_normalize(candidate, field=None)
            except ValidationError:
                continue
            if number:
                return number
    return ""


def fax_match(*, sender_number: str, texts: list[str]) -> tuple[Plant | None, Intervention | None, str]:
    """Where a fax belongs: an intervention it quotes ("#123", "rif. 123"), else the plant of the
    sender's number (a known number, the customer's contact when the customer has one plant, the
    technician's fax or mobile with one active intervention), else the one plant whose code it
    names. ``(None, None, "")`` when none of these is unambiguous: the inbox."""
    for pk in references(*texts):
        intervention = Intervention.objects.select_related("plant").filter(pk=pk).first()
        if intervention is not None:
            return intervention.plant, intervention, FaxMatch.REFERENCE
    if sender_number:
        plants = set(KnownNumber.objects.filter(number=sender_number).values_list("plant_id", flat=True))
        customers = Contact.objects.filter(phone_number=sender_number).values_list("customer_id", flat=True)
        for customer_id in set(customers):
            only = list(
                Plant.objects.filter(customer_id=customer_id, active=True).values_list("pk", flat=True)[:2]
            )
            if len(only) == 1:
                plants.add(only[0])
        if len(plants) == 1:
            return Plant.objects.get(pk=plants.pop()), None, FaxMatch.NUMBER
        technicians = ContactPoint.objects.filter(address=sender_number, active=True).values_list("user_id")
        active = list(Intervention.objects.filter(technician__in=technicians, status__in=ACTIVE)[:2])
        if not plants and len(active) == 1:
            return active[0].plant, active[0], FaxMatch.NUMBER
    tokens = {token.strip("._/-") for text in texts for token in CODE_TOKEN.findall(text or "")}
    if tokens:
        plants_named = list(Plant.objects.filter(code__in=list(tokens)[:2000])[:2])
        if len(plants_named) == 1:
            return plants_named[0], None, FaxMatch.CODE
    return None, None, FaxMatch.NONE


def fax_receive(
    *, item: InboundItem, sender_number: str = "", received_at: datetime | None = None
) -> ReceivedFax:
    """Turn a kept fax item into a ``ReceivedFax`` (PDF, pages), filed at once when it matches,
    else in the inbox. The item is a whole message (email-to-fax) or a bare TIFF/PDF (HylaFAX).
    Raises ``MalformedMessage`` or ``NotAFax`` (the caller records the failure)."""
    raw = bytes(item.raw)
    subject = item.subject
    # A fax machine's identity (TSI) is free text ("+39 02 5550 1234", "CENTRO GAS").
    sender_number = fax_number_of(sender_number) or sender_number.strip()[:32]
    if is_fax_file(raw):
        content = raw
    else:
        message = message_parse(raw)
        subject = header_text(message, "Subject")
        sender_number = sender_number or fax_number_of(subject, header_text(message, "From"))
        faxes = [part.content for part in attachments(message) if is_fax_file(part.content)]
        if not faxes:
            raise NotAFax(_("The message carries no fax (no PDF or TIFF attachment)."))
        content = faxes[0]
    if len(content) > settings.PRONTO_INBOUND_MAX_ATTACHMENT_BYTES:
        raise NotAFax(
            _("The fax is larger than %(bytes)d bytes.")
            % {"bytes": settings.PRONTO_INBOUND_MAX_ATTACHMENT_BYTES}
        )
    pdf, pages, cover_text = fax_pdf(content)
    plant, intervention, matched_by = fax_match(sender_number=sender_number, texts=[subject, cover_text])
    with transaction.atomic():
        item = InboundItem.objects.select_for_update().get(pk=item.pk)
        fax = ReceivedFax.objects.filter(item=item).first() or ReceivedFax(item=item)
        fax.sender_number = sender_number
        fax.pages = pages
        fax.received_at = received_at or item.received_at
        if not fax.file:
            fax.file.save(f"fax-{item.pk}.pdf", ContentFile(pdf), save=False)
        fax.save()
        if plant is None:
            item.status = ItemStatus.IN_INBOX
            item.error = ""
            item.processed_at = timezone.now()
            item.save(update_fields=["status", "error", "processed_at"])
            return fax
        return _fax_file(fax=fax, plant=plant, intervention=intervention, actor=None, matched_by=matched_by)


def _fax_file(
    *, fax: ReceivedFax, plant: Plant, intervention: Intervention | None, actor, matched_by: str
) -> ReceivedFax:
    """File ``fax`` in ``plant``'s archive (and ``intervention``'s history). The caller holds the
    item's lock inside a transaction."""
    sender = fax.sender_number or fax.item.sender or _("unknown sender")
    document = PlantDocument(
        plant=plant, intervention=intervention, kind=DocumentKind.FAX_RECEIVED, uploaded_by=actor,
        title=_("Fax from %(sender)s, %(time)s") % {
            "sender": sender, "time": timezone.localtime(fax.received_at).strftime("%d/%m/%Y %H:%M")
        },
        received_from=fax.sender_number or fax.item.sender, received_at=fax.received_at, pages=fax.pages,
    )  # fmt: skip
    with fax.file.open("rb") as handle:
        document.file.save(f"fax-received-{fax.pk}.pdf", ContentFile(handle.read()), save=False)
    document.save()
    now = timezone.now()
    fax.plant, fax.intervention, fax.document, fax.matched_by = plant, intervention, document, matched_by
    fax.filed_at, fax.filed_by = now, actor
    fax.save()
    item = fax.item
    item.status, item.error, item.processed_at = ItemStatus.FILED, "", now
    item.plant, item.intervention = plant, intervention
    item.save(update_fields=["status", "error", "processed_at", "plant", "intervention"])
    if intervention is not None:
        locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
        event_record(
            subject=locked, kind="inbound.fax_filed", actor=actor,
            data={"fax": fax.pk, "document": document.pk, "from": fax.sender_number or fax.item.sender,
                  "pages": fax.pages, "received_at": fax.received_at, "matched_by": matched_by},
        )  # fmt: skip
    return fax


def fax_file(
    *, actor, fax: ReceivedFax, plant: Plant | None = None, intervention: Intervention | None = None
) -> ReceivedFax:
    """An operator files a fax from the inbox on a plant, or on an intervention (and so on its
    plant). Operators and supervisors; a fax already filed is refused (409 on the API, a message
    on the page)."""
    if not has_role(actor, Role.OPERATOR, Role.SUPERVISOR):
        raise PermissionDenied(_("Your role does not allow this action."))
    if intervention is not None:
        plant = intervention.plant
    if plant is None:
        raise ValidationError({"target": _("Choose a plant or an intervention.")})
    with transaction.atomic():
        InboundItem.objects.select_for_update().get(pk=fax.item_id)
        fax = ReceivedFax.objects.select_related("item").get(pk=fax.pk)
        if fax.document_id is not None:
            raise ValidationError({"target": _("This fax is already filed.")})
        return _fax_file(
            fax=fax, plant=plant, intervention=intervention, actor=actor, matched_by=FaxMatch.OPERATOR
        )
