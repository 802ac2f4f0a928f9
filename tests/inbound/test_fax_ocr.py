"""Faxes that are only images (a fax machine's TIFF pages, a scanned PDF) are read by Tesseract:
the dispatch fax a technician sends back is filed on its intervention by the reference printed on
it, a fax naming a plant code on its page is filed on that plant, and without OCR both wait in
the inbox. Real Tesseract (scripts/ensure_tesseract.sh, ``PRONTO_TEST_TESSERACT``)."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone
from PIL import Image

from dispatch.choices import DocumentKind
from dispatch.choices import InterventionStatus as S
from dispatch.models import PlantDocument
from inbound import services
from inbound.backends.base import Fetched
from inbound.choices import FaxMatch, ItemStatus
from inbound.conversion import fax_pdf
from inbound.models import ReceivedFax
from notifications.choices import NotificationReason
from notifications.fax_page import dispatch_fax_tiff
from notifications.rendering import dispatch_fax_content
from tests.dispatch.helpers import intervention_in
from tests.factories import PlantFactory
from tests.inbound.test_services import MemorySource
from tests.notifications.test_fax_dispatch_page import tesseract_or_skip

pytestmark = [pytest.mark.real_component, pytest.mark.django_db]

UNKNOWN_SENDER = "+390299990000"


@pytest.fixture
def ocr(settings) -> str:
    binary = tesseract_or_skip()
    settings.PRONTO_INBOUND_OCR_COMMAND = binary
    return binary


def received(raw: bytes, key: str) -> Fetched:
    """A fax as HylaFAX's received queue gives it: the bare file, a sender nobody knows."""
    return Fetched(key=key, raw=raw, message_id=f"recvq:{key}", sender_number=UNKNOWN_SENDER)


def scanned_pdf(tiff: bytes) -> bytes:
    """The same pages as a PDF of images, as a scanner or an email-to-fax provider makes it."""
    with Image.open(io.BytesIO(tiff)) as image:
        buffer = io.BytesIO()
        image.convert("1").save(buffer, format="PDF", resolution=204.0)
    return buffer.getvalue()


def test_the_dispatch_fax_sent_back_is_filed_on_its_intervention_by_its_printed_reference(ocr, users):
    plant = PlantFactory(code="REMI-MI-004")
    intervention = intervention_in(S.ASSIGNED, users=users, plant=plant)
    content = dispatch_fax_content(
        intervention=intervention, reason=NotificationReason.ASSIGNED, language="it", now=timezone.now()
    )
    tiff = dispatch_fax_tiff(content)

    summary = services.inbound_poll(sources=[MemorySource([received(tiff, "fax100.tif")])])

    assert summary["faxes"]["filed"] == 1
    fax = ReceivedFax.objects.get()
    assert (fax.intervention, fax.plant, fax.matched_by) == (intervention, plant, FaxMatch.REFERENCE)
    assert f"INT-{intervention.pk}" in fax_pdf(tiff)[2]
    document = PlantDocument.objects.get(kind=DocumentKind.FAX_RECEIVED)
    assert (document.plant, document.received_from) == (plant, UNKNOWN_SENDER)


@pytest.mark.parametrize("as_pdf", [False, True], ids=["tiff", "scanned-pdf"])
def test_a_plant_code_written_on_an_image_only_fax_files_it_on_that_plant(ocr, fax_rendered, as_pdf):
    plant = PlantFactory(code="ASC-BO-101")
    PlantFactory(code="ASC-BO-102")
    tiff = fax_rendered(
        title="Verbale di manutenzione", lines=["Impianto ASC-BO-101", "Porta di piano riparata."], fmt="tiff"
    )
    raw = scanned_pdf(tiff) if as_pdf else tiff

    services.inbound_poll(sources=[MemorySource([received(raw, "fax101")])])

    fax = ReceivedFax.objects.get()
    assert (fax.plant, fax.intervention, fax.matched_by) == (plant, None, FaxMatch.CODE)
    assert fax.item.status == ItemStatus.FILED


def test_without_ocr_an_image_only_fax_waits_in_the_inbox(settings, fax_rendered):
    settings.PRONTO_INBOUND_OCR_COMMAND = ""
    PlantFactory(code="ASC-BO-101")
    tiff = fax_rendered(title="Verbale", lines=["Impianto ASC-BO-101"], fmt="tiff")

    services.inbound_poll(sources=[MemorySource([received(tiff, "fax102.tif")])])

    fax = ReceivedFax.objects.get()
    assert (fax.plant, fax.matched_by, fax.item.status) == (None, "", ItemStatus.IN_INBOX)
