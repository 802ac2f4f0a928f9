"""Inbound mail against a real IMAP server: a private Dovecot, messages delivered into it over
real SMTP (aiosmtpd -> Dovecot's LMTP), polled by Pronto through imap-tools.

Faxes are real: PDF and TIFF pages made by Pronto's own fax renderer, sent as an email-to-fax
provider sends them. Replies answer the real assignment email (its Message-ID, as the SMTP
backend writes it)."""

from __future__ import annotations

import hashlib
import io
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid

import pytest
from imap_tools import MailBoxUnencrypted
from PIL import Image
from pypdf import PdfReader

from dispatch.choices import DocumentKind
from dispatch.choices import InterventionStatus as S
from dispatch.models import Event, KnownNumber, PlantDocument
from dispatch.personal import personal_resolve
from inbound import services
from inbound.choices import FaxMatch, ItemStatus
from inbound.models import InboundItem, ReceivedFax
from notifications.backends.base import OutgoingMessage
from notifications.backends.smtp import SmtpEmailBackend
from notifications.models import ContactPoint, Notification
from tests.dispatch.helpers import intervention_in
from tests.factories import PlantFactory

from .conftest import fax_email

pytestmark = [pytest.mark.real_component, pytest.mark.django_db]

SENDER = "+390255501234"
FILED = "Pronto/Filed"


def count(dovecot, user: str, folder: str = "INBOX") -> int:
    with MailBoxUnencrypted(dovecot.host, dovecot.imap_port).login(
        user, dovecot.password, initial_folder=None
    ) as box:
        if not box.folder.exists(folder):
            return 0
        box.folder.set(folder)
        return len(box.uids())


def poll(sources, *names):
    return services.inbound_poll(sources=[sources[name] for name in names])


# ----------------------------------------------------------------------------------------------
# Faxes


def test_a_pdf_fax_is_matched_by_the_senders_number_and_filed_on_the_plant(
    dovecot, mail_in, sources, plant, fax_rendered
):
    KnownNumber.objects.create(number=SENDER, plant=plant, label="Caretaker's fax")
    pdf = fax_rendered(title="Verbale di sopralluogo", lines=["Cabina ispezionata, nessuna perdita."])
    mail_in.send(fax_email(sender_number="+39 02 5550 1234", content=pdf), to="faxes@pronto.test")

    summary = poll(sources, "faxes")

    assert summary["faxes"] == {
        "seen": 1,
        "kept": 1,
        "filed": 1,
        "in_inbox": 0,
        "failed": 0,
        "unavailable": 0,
    }
    document = PlantDocument.objects.get(kind=DocumentKind.FAX_RECEIVED)
    assert (document.plant, document.intervention, document.received_from, document.pages) == (
        plant,
        None,
        SENDER,
        1,
    )
    assert document.received_at is not None
    with document.file.open("rb") as handle:
        assert handle.read() == pdf
    fax = ReceivedFax.objects.get()
    assert fax.matched_by == FaxMatch.NUMBER and fax.document == document
    # Kept as received: the raw message and its digest; moved to the filed folder.
    item = InboundItem.objects.get()
    assert item.status == ItemStatus.FILED and item.plant == plant
    assert bytes(item.raw).count(b"Fax from +39 02 5550 1234") == 1
    assert (count(dovecot, "faxes"), count(dovecot, "faxes", FILED)) == (0, 1)


def test_a_pdf_fax_is_matched_by_the_plant_code_on_its_cover_page(
    dovecot, mail_in, sources, plant, fax_rendered
):
    other = PlantFactory(customer=plant.customer, code="CAB-0042")
    pdf = fax_rendered(
        title="Richiesta intervento", lines=["Impianto CAB-0042, via Roma 1.", "Serve un tecnico."]
    )
    mail_in.send(fax_email(sender_number="+39 06 1111 2222", content=pdf), to="faxes@pronto.test")

    poll(sources, "faxes")

    fax = ReceivedFax.objects.get()
    assert (fax.plant, fax.matched_by, fax.document.plant) == (other, FaxMatch.CODE, other)


def test_a_tiff_fax_is_converted_to_pdf_matched_by_the_code_in_its_subject(
    dovecot, mail_in, sources, plant, fax_rendered
):
    tiff = fax_rendered(title="Verbale", lines=["Firmato."], fmt="tiff")
    raw = fax_email(
        sender_number="+39 06 3333 4444", content=tiff, fmt="tiff", subject=f"Fax for plant {plant.code}"
    )
    mail_in.send(raw, to="faxes@pronto.test")

    poll(sources, "faxes")

    fax = ReceivedFax.objects.get()
    assert (fax.plant, fax.matched_by, fax.pages, fax.sender_number) == (
        plant,
        FaxMatch.CODE,
        1,
        "+390633334444",
    )
    with fax.document.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    assert len(reader.pages) == 1
    # The page keeps the fax's size: 1728 dots at 204 dpi across, A4 (297 mm) down.
    width_mm = float(reader.pages[0].mediabox.width) / 72 * 25.4
    height_mm = float(reader.pages[0].mediabox.height) / 72 * 25.4
    assert abs(width_mm - 215) < 2 and abs(height_mm - 297) < 2


def test_an_unmatched_fax_waits_in_the_inbox_and_an_operator_files_it_on_an_intervention(
    dovecot, mail_in, sources, users, plant, fax_rendered
):
    intervention = intervention_in(S.ASSIGNED, users=users, plant=plant)
    tiff = fax_rendered(title="Nota", lines=["Nessun riferimento."], fmt="tiff")
    mail_in.send(
        fax_email(sender_number="+39 011 999 8888", content=tiff, fmt="tiff"), to="faxes@pronto.test"
    )

    assert poll(sources, "faxes")["faxes"]["in_inbox"] == 1
    fax = ReceivedFax.objects.get()
    assert fax.document is None and fax.item.status == ItemStatus.IN_INBOX
    # Waiting in Pronto's inbox, so out of the mailbox's.
    assert (count(dovecot, "faxes"), count(dovecot, "faxes", FILED)) == (0, 1)

    services.fax_file(actor=users["operator"], fax=fax, intervention=intervention)

    fax.refresh_from_db()
    assert (fax.plant, fax.intervention, fax.matched_by, fax.filed_by) == (
        plant, intervention, FaxMatch.OPERATOR, users["operator"]
    )  # fmt: skip
    event = Event.objects.filter(subject_id=intervention.pk, kind="inbound.fax_filed").get()
    assert event.data["document"] == fax.document_id and event.data["pages"] == 1


def test_polling_twice_files_once(dovecot, mail_in, sources, plant, fax_rendered):
    KnownNumber.objects.create(number=SENDER, plant=plant)
    raw = fax_email(sender_number=SENDER, content=fax_rendered(title="Fax", lines=["Uno."]))
    mail_in.send(raw, to="faxes@pronto.test")
    poll(sources, "faxes")
    # The same message again in the inbox (a move that the server did not finish, a provider
    # that sends twice): kept once, filed once, put away again.
    mail_in.send(raw, to="faxes@pronto.test")

    second = poll(sources, "faxes")

    assert second["faxes"]["seen"] == 1 and second["faxes"]["kept"] == 0 and second["faxes"]["filed"] == 0
    assert PlantDocument.objects.filter(kind=DocumentKind.FAX_RECEIVED).count() == 1
    assert InboundItem.objects.count() == 1
    assert (count(dovecot, "faxes"), count(dovecot, "faxes", FILED)) == (0, 2)


# ----------------------------------------------------------------------------------------------
# Replies


@pytest.fixture
def assignment_email(users, plant, reachable, fake_gateway):
    """The intervention assigned to the technician and the email it got, as the SMTP backend
    builds it (its Message-ID is the notification's)."""
    intervention = intervention_in(S.ASSIGNED, users=users, plant=plant)
    row = Notification.objects.get(intervention=intervention, channel="email")
    backend = SmtpEmailBackend(host="127.0.0.1", from_address="pronto@centre.example")
    email = backend.build_email(
        OutgoingMessage(
            notification_id=row.pk,
            idempotency_key=row.idempotency_key,
            channel="email",
            recipient=row.recipient,
            subject=row.subject,
            body=row.body,
        )  # fmt: skip
    )
    return intervention, email


def reply_to(original, text: str, *, sender: str = "tech@example.net", photo: bytes | None = None) -> bytes:
    message = EmailMessage()
    message["From"] = f"Tecnico <{sender}>"
    message["To"] = "replies@pronto.test"
    message["Subject"] = "Re: " + original["Subject"]
    message["Message-ID"] = make_msgid(domain="example.net")
    message["In-Reply-To"] = original["Message-ID"]
    message["References"] = original["Message-ID"]
    message.set_content(f"{text}\n\nOn Sat, Pronto <pronto@centre.example> wrote:\n> {original['Subject']}\n")
    if photo is not None:
        message.add_attachment(photo, maintype="image", subtype="jpeg", filename="cabina.jpg")
    return message.as_bytes(policy=SMTP)


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, format="JPEG")
    return buffer.getvalue()


def test_ok_by_email_acknowledges_like_the_sms_reply(dovecot, mail_in, sources, assignment_email):
    intervention, original = assignment_email
    mail_in.send(reply_to(original, "OK"), to="replies@pronto.test")

    assert poll(sources, "replies")["replies"]["filed"] == 1

    intervention.refresh_from_db()
    assert intervention.status == S.ACKNOWLEDGED
    kinds = list(Event.objects.filter(subject_id=intervention.pk).values_list("kind", flat=True))
    assert "intervention.acknowledge" in kinds and "inbound.reply" in kinds
    # A bare "OK" is no note.
    assert "intervention.note" not in kinds
    assert (count(dovecot, "replies"), count(dovecot, "replies", FILED)) == (0, 1)


def test_a_reply_with_a_photo_is_acknowledged_noted_and_the_photo_attached(
    dovecot, mail_in, sources, assignment_email
):
    intervention, original = assignment_email
    photo = jpeg()
    mail_in.send(reply_to(original, "OK, on my way. Gate code 1234.", photo=photo), to="replies@pronto.test")

    poll(sources, "replies")

    intervention.refresh_from_db()
    assert intervention.status == S.ACKNOWLEDGED
    note = Event.objects.get(subject_id=intervention.pk, kind="intervention.note")
    # The quoted original is not part of the note (kept as personal data, as every note is).
    assert personal_resolve([note.data])[0]["note"] == "OK, on my way. Gate code 1234."
    document = PlantDocument.objects.get(intervention=intervention, kind=DocumentKind.PHOTO)
    with document.file.open("rb") as handle:
        assert handle.read() == photo
    reply = Event.objects.get(subject_id=intervention.pk, kind="inbound.reply")
    assert reply.data["photos"] == [document.pk] and reply.data["acknowledged"] is True


def test_a_malformed_message_is_kept_and_reported_and_the_poller_goes_on(
    dovecot, mail_in, sources, assignment_email, users
):
    intervention, original = assignment_email
    broken = (
        b"From: tech@example.net\r\nTo: replies@pronto.test\r\nSubject: broken\r\n"
        b"Message-ID: <broken-1@example.net>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="never-comes"\r\n\r\n'
        b"This multipart never opens its boundary.\r\n"
    )
    mail_in.send(broken, to="replies@pronto.test")
    mail_in.send(reply_to(original, "OK"), to="replies@pronto.test")

    summary = poll(sources, "replies")

    assert summary["replies"]["failed"] == 1 and summary["replies"]["filed"] == 1
    item = InboundItem.objects.get(message_id="<broken-1@example.net>")
    assert item.status == ItemStatus.FAILED and "structure is broken" in item.error
    # As Dovecot holds it: the bytes sent, after the Return-Path and Delivered-To it adds.
    assert bytes(item.raw).endswith(broken) and item.attempts == 1
    assert item.sha256 == hashlib.sha256(bytes(item.raw)).hexdigest()
    # Reported: on the supervisor's failures page, with the raw message to download.
    from django.test import Client

    client = Client()
    client.force_login(users["supervisor"])
    assert "structure is broken" in client.get("/inbound/failures/").content.decode()
    raw = client.get(f"/inbound/failures/{item.pk}/raw/")
    assert raw.content == bytes(item.raw) and raw["X-Pronto-SHA256"] == item.sha256
    # Left in the mailbox, tried again at every poll; dismissed, it is put away.
    assert count(dovecot, "replies") == 1
    poll(sources, "replies")
    item.refresh_from_db()
    assert item.attempts == 2 and count(dovecot, "replies") == 1
    services.item_dismiss(actor=users["supervisor"], item=item)
    poll(sources, "replies")
    assert (count(dovecot, "replies"), count(dovecot, "replies", FILED)) == (0, 2)


def test_a_failure_stays_in_the_mailbox_and_is_retried_until_it_goes_through(
    dovecot, mail_in, sources, assignment_email, users
):
    intervention, original = assignment_email
    # From an address Pronto does not know yet: not a technician's.
    mail_in.send(reply_to(original, "OK", sender="tech.home@example.org"), to="replies@pronto.test")

    assert poll(sources, "replies")["replies"]["failed"] == 1
    item = InboundItem.objects.get()
    assert "not a technician" in item.error and count(dovecot, "replies") == 1

    ContactPoint.objects.create(
        user=users["technician"], channel="email", address="tech.home@example.org", position=5
    )
    assert poll(sources, "replies")["replies"]["filed"] == 1

    item.refresh_from_db()
    intervention.refresh_from_db()
    assert (item.status, item.attempts, intervention.status) == (ItemStatus.FILED, 2, S.ACKNOWLEDGED)
    assert (count(dovecot, "replies"), count(dovecot, "replies", FILED)) == (0, 1)


def test_a_mailbox_that_cannot_be_reached_is_reported_not_raised(dovecot, sources):
    dovecot.stop()
    summary = poll(sources, "replies", "faxes")
    assert summary["replies"]["unavailable"] == 1 and summary["faxes"]["unavailable"] == 1
    assert not InboundItem.objects.exists()
