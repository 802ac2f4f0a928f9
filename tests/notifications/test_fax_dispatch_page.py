"""The dispatch fax read back: an assignment's fax, sent through the outbox, is a page whose text
(pypdf) and image at fax resolution (Tesseract OCR) carry the centre's header, the case as a
form, the acknowledgement options of a fax machine and an empty box for notes, in the
technician's language; a long case runs over numbered pages; HylaFAX takes the TIFF. With
``PRONTO_SCREENSHOTS=<folder>`` page 1 of the TIFF is saved there as ``dispatch-fax.png``
(docs/screenshots), at fax resolution with square pixels, as it prints."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import unicodedata
from datetime import timedelta

import pytest
from django.core.checks import registry as check_registry
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw
from pypdf import PdfReader

from dispatch import services as dispatch_services
from dispatch.models import Intervention, PlantDocument, UserProfile
from notifications.backends.base import Attachment, OutgoingMessage
from notifications.backends.fax_email import EmailFaxBackend
from notifications.fax import FAX_DPI, FAX_HEIGHT_PX, FAX_WIDTH_PX
from notifications.fax_page import Box, dispatch_fax_layout
from notifications.files import file_load
from notifications.models import ContactPoint, Notification
from notifications.rendering import dispatch_fax_content, fax_reference
from telecontrol.choices import AlarmKind, CheckOutcome, Protocol
from telecontrol.models import PlantAlarm, PlantState
from tests.servers.hylafax import HylafaxGateway

pytestmark = pytest.mark.django_db

FAX_NUMBER = "+390298765432"
CENTRE = {
    "PRONTO_CENTRE_NAME": "Centrale Operativa Nord",
    "PRONTO_CENTRE_PHONE": "+39 02 5550 1234",
    "PRONTO_CENTRE_FAX": "+39 02 5550 9876",
    "PRONTO_CENTRE_EMAIL": "centrale@nord.example.org",
}
OUTBOX = {"BACKEND": "notifications.backends.outbox.OutboxBackend", "OPTIONS": {}}
ACCESS_NOTES = "Chiave nella cassetta rossa, codice 4411. Cane nel cortile."
SUMMARY = "Odore di gas vicino al contatore, il cliente aspetta al cancello."


@pytest.fixture
def centre(settings, tmp_path):
    for name, value in CENTRE.items():
        setattr(settings, name, value)
    settings.MEDIA_ROOT = tmp_path
    settings.PRONTO_NOTIFICATION_BACKENDS = {"sms": OUTBOX, "email": OUTBOX, "fax": OUTBOX}
    return settings


@pytest.fixture
def case(centre, users, plant):
    """An intervention on a plant with an address, access notes, a position, a caller and a
    telecontrol state in anomaly with an alarm up; its technician has a fax contact point."""
    plant.address, plant.municipality, plant.province = "Via Lattea 7", "Sesto San Giovanni", "MI"
    plant.notes, plant.latitude, plant.longitude = ACCESS_NOTES, "45.535100", "9.233900"
    plant.save()
    now = timezone.now()
    PlantState.objects.create(
        plant=plant, source=Protocol.MQTT, outcome=CheckOutcome.OK, active=True, anomaly=True,
        out_of_service=False, alarm_code="GAS-07", observed_at=now - timedelta(minutes=2),
        watched_since=now - timedelta(days=3),
    )  # fmt: skip
    PlantAlarm.objects.create(
        plant=plant, key="gas-07", kind=AlarmKind.DEVICE, code="GAS-07", message="pressione bassa",
        source=Protocol.MQTT, raised_at=now - timedelta(minutes=3),
    )  # fmt: skip
    call = dispatch_services.call_log(actor=users["operator"], caller_number="+393331234567", plant=plant)
    intervention = dispatch_services.intervention_open(
        actor=users["operator"], plant=plant, summary=SUMMARY, priority=1, call=call
    )
    ContactPoint.objects.create(user=users["technician"], channel="fax", address=FAX_NUMBER)
    return intervention


def assign_and_send(case, users, django_capture_on_commit_callbacks, *, language: str) -> Notification:
    UserProfile.objects.update_or_create(user=users["technician"], defaults={"language": language})
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_services.intervention_assign(
            actor=users["operator"], intervention=case, technician=users["technician"]
        )
    row = Notification.objects.get(intervention=case, channel="fax")
    assert row.status == "delivered", row.last_error
    return row


def fax_files(row: Notification) -> tuple[bytes, bytes]:
    pdf_item = next(item for item in row.attachments if item["content_type"] == "application/pdf")
    tiff_item = next(item for item in row.attachments if item["content_type"] == "image/tiff")
    with PlantDocument.objects.get(pk=pdf_item["document"]).file.open("rb") as handle:
        pdf = handle.read()
    return pdf, file_load(tiff_item).content


def content_of(row: Notification, language: str):
    """The words of the page the row was sent, to find where the layout put things."""
    intervention = Intervention.objects.select_related("plant", "call", "technician").get(
        pk=row.intervention_id
    )
    return dispatch_fax_content(
        intervention=intervention, reason=row.reason, language=language, now=timezone.now()
    )


def normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def expected_elements(case, language: str) -> dict[str, str]:
    """Each element the page must show, as the catalogue words it in ``language``."""
    case.refresh_from_db()
    reference = fax_reference(case.pk)
    phone, fax, email = (
        CENTRE["PRONTO_CENTRE_PHONE"],
        CENTRE["PRONTO_CENTRE_FAX"],
        CENTRE["PRONTO_CENTRE_EMAIL"],
    )
    with translation.override(language):
        return {
            "centre name": CENTRE["PRONTO_CENTRE_NAME"],
            "call-back phone": _("Tel. %(value)s") % {"value": phone},
            "centre fax": _("Fax %(value)s") % {"value": fax},
            "centre email": _("Email %(value)s") % {"value": email},
            "sent": _("Sent %(time)s") % {"time": ""},
            "date sent": timezone.localtime().strftime("%d/%m/%Y"),
            "reference": _("Ref. %(reference)s") % {"reference": reference},
            "page n of m": _("Page %(page)s of %(pages)s") % {"page": 1, "pages": 1},
            "headline": _("Intervention #%(id)s P%(priority)s %(plant)s")
            % {"id": case.pk, "priority": 1, "plant": "P1"},
            "code label": _("Code"),
            "code": case.plant.code,
            "address label": _("Address"),
            "address": "Via Lattea 7, Sesto San Giovanni, MI",
            "access notes label": _("Access notes"),
            "access notes": ACCESS_NOTES,
            "caller label": _("Caller's number"),
            "caller's number": case.call.caller_number,
            "summary label": _("Summary"),
            "summary": SUMMARY,
            "priority label": _("Priority"),
            "priority": "P1 - " + str(case.get_priority_display()),
            "telecontrol label": _("Telecontrol state"),
            "telecontrol state": str(_("Anomaly")),
            "alarm up": "GAS-07 - pressione bassa",
            "acknowledge title": _("To acknowledge this intervention"),
            "call to acknowledge": _("Call %(phone)s and quote the reference %(reference)s.")
            % {"phone": phone, "reference": reference},
            "write back": _(
                "Or write back by fax to %(fax)s or by email to %(email)s, quoting reference %(reference)s."
            )
            % {"fax": fax, "email": email, "reference": reference},
            "notes box": _("Technician's notes"),
        }


@pytest.mark.parametrize(
    ("language", "localised"),
    [("it", ["Intervento", "Priorità", "Anomalia"]), ("en", ["Intervention", "Priority", "Anomaly"])],
)
def test_the_pdf_reads_back_every_element_in_the_technicians_language(
    case, users, django_capture_on_commit_callbacks, language, localised
):
    row = assign_and_send(case, users, django_capture_on_commit_callbacks, language=language)
    pdf, _tiff = fax_files(row)

    reader = PdfReader(io.BytesIO(pdf))
    text = normalised(" ".join(page.extract_text() for page in reader.pages))

    assert len(reader.pages) == 1
    missing = {
        name: value
        for name, value in expected_elements(case, language).items()
        if normalised(value) not in text
    }
    assert missing == {}
    # Strings the committed catalogue already translates: the page follows the profile's language.
    assert all(word in text for word in localised), text
    assert "SMS" not in text.upper()
    assert "OK " + str(case.pk) not in text


def test_a_blank_language_writes_the_fax_in_the_centres_language(
    case, users, settings, django_capture_on_commit_callbacks
):
    settings.LANGUAGE_CODE = "it"
    row = assign_and_send(case, users, django_capture_on_commit_callbacks, language="")
    pdf, _tiff = fax_files(row)

    text = normalised(PdfReader(io.BytesIO(pdf)).pages[0].extract_text())

    with translation.override("it"):
        headline = _("Intervention #%(id)s P%(priority)s %(plant)s") % {
            "id": case.pk,
            "priority": 1,
            "plant": "P1",
        }

    assert headline.startswith("Intervento") and headline in text
    assert "Intervention #" not in text


def test_the_tiff_is_g3_at_fax_resolution_with_the_same_pages(
    case, users, django_capture_on_commit_callbacks
):
    row = assign_and_send(case, users, django_capture_on_commit_callbacks, language="en")
    _pdf, tiff = fax_files(row)

    image = Image.open(io.BytesIO(tiff))

    assert image.format == "TIFF" and image.mode == "1"
    assert image.info["compression"] == "group3"
    assert tuple(round(v) for v in image.info["dpi"]) == FAX_DPI == (204, 196)
    assert image.size == (FAX_WIDTH_PX, FAX_HEIGHT_PX) == (1728, 2292)
    assert image.n_frames == 1
    assert image.convert("L").getextrema() == (0, 255)  # something is drawn, on white
    if folder := os.environ.get("PRONTO_SCREENSHOTS"):
        square = image.convert("L").resize((image.width, round(image.height * FAX_DPI[0] / FAX_DPI[1])))
        square.save(os.path.join(folder, "dispatch-fax.png"), optimize=True)


def notes_box_pixels(content, page_index: int) -> tuple[int, int, int, int]:
    """The notes box of the layout in the TIFF's pixels (left, top, right, bottom)."""
    boxes = [
        op for op in dispatch_fax_layout(content)[page_index] if isinstance(op, Box) and op.role == "notes"
    ]
    assert len(boxes) == 1
    box = boxes[0]
    scale_x = FAX_DPI[0] / 72
    scale_y = FAX_DPI[1] / 72
    offset = (FAX_WIDTH_PX - 595.2756 * scale_x) / 2
    return (
        round(offset + box.x * scale_x),
        round(box.y * scale_y),
        round(offset + (box.x + box.width) * scale_x),
        round((box.y + box.height) * scale_y),
    )


def test_the_notes_box_is_a_closed_empty_box(case, users, django_capture_on_commit_callbacks):
    row = assign_and_send(case, users, django_capture_on_commit_callbacks, language="it")
    _pdf, tiff = fax_files(row)
    content = content_of(row, "it")
    page = Image.open(io.BytesIO(tiff)).convert("L")
    left, top, right, bottom = notes_box_pixels(content, 0)
    inside = page.crop((left + 6, top + 6, right - 6, bottom - 6))

    # Nothing printed inside: every pixel white.
    white = inside.histogram()[255]
    # Closed: a flood fill from its centre stays inside the ruled border.
    filled = page.copy()
    ImageDraw.floodfill(filled, ((left + right) // 2, (top + bottom) // 2), 128)
    painted = filled.point(lambda value: 255 if value == 128 else 0).getbbox()

    assert (bottom - top) * 72 / FAX_DPI[1] >= 170  # room for about ten handwritten lines
    assert white == inside.width * inside.height
    assert painted is not None
    assert left < painted[0] <= left + 8 and right - 8 <= painted[2] < right
    assert top < painted[1] <= top + 8 and bottom - 8 <= painted[3] < bottom


def test_a_long_case_runs_over_numbered_pages_with_the_header_on_each(
    case, users, django_capture_on_commit_callbacks
):
    case.summary = "Perdita segnalata in più punti del locale caldaie; " * 38
    case.save(update_fields=["summary"])
    case.plant.notes = "Accesso dal retro, chiedere al custode del condominio le chiavi del locale. " * 50
    case.plant.save(update_fields=["notes"])
    row = assign_and_send(case, users, django_capture_on_commit_callbacks, language="en")
    pdf, tiff = fax_files(row)
    reader = PdfReader(io.BytesIO(pdf))
    pages = [normalised(page.extract_text()) for page in reader.pages]
    content = content_of(row, "en")
    layout = dispatch_fax_layout(content)

    total = len(pages)
    assert total >= 2
    assert Image.open(io.BytesIO(tiff)).n_frames == total == len(layout)
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {total}" in text
        assert CENTRE["PRONTO_CENTRE_NAME"] in text and f"Ref. {fax_reference(case.pk)}" in text
    assert "Technician's notes" in pages[-1] and all("Technician's notes" not in text for text in pages[:-1])
    notes_boxes = [[op for op in ops if isinstance(op, Box) and op.role == "notes"] for ops in layout]
    assert [len(boxes) for boxes in notes_boxes] == [0] * (total - 1) + [1]
    # The whole summary is there, over the pages, not cut.
    assert " ".join(pages).count("caldaie;") == 38


def test_a_cancellation_fax_asks_for_no_acknowledgement(case, users, django_capture_on_commit_callbacks):
    assign_and_send(case, users, django_capture_on_commit_callbacks, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_services.intervention_cancel(
            actor=users["supervisor"], intervention=case, reason="Duplicate call"
        )
    row = Notification.objects.get(intervention=case, channel="fax", reason="cancelled")
    pdf, _tiff = fax_files(row)

    text = normalised(PdfReader(io.BytesIO(pdf)).pages[0].extract_text())

    assert "Nothing to acknowledge" in text and "To acknowledge this intervention" not in text
    assert CENTRE["PRONTO_CENTRE_PHONE"] in text


def test_a_plant_without_telecontrol_data_says_so_and_the_fields_stay(centre, users, plant):
    intervention = dispatch_services.intervention_open(actor=users["operator"], plant=plant, summary="Guasto")

    content = dispatch_fax_content(
        intervention=intervention, reason="assigned", language="en", now=timezone.now()
    )
    fields = {field.label: field.value for field in content.fields}

    assert fields["Telecontrol state"] == "No telecontrol data"
    assert fields["Caller's number"] == "-" and fields["Access notes"] == "-"
    assert "Technician" not in fields and "Position" not in fields


# --------------------------------------------------------------------------------------------
# The image read back by OCR, as a person reads the paper
# --------------------------------------------------------------------------------------------


def tesseract_or_skip() -> str:
    binary = os.environ.get("PRONTO_TEST_TESSERACT") or shutil.which("tesseract")
    if not binary:
        pytest.skip("Tesseract unavailable: run scripts/ensure_tesseract.sh (PRONTO_TEST_TESSERACT)")
    langs = subprocess.run(
        [binary, "--list-langs"], capture_output=True, text=True, timeout=30
    ).stdout.split()
    if not {"eng", "ita"} <= set(langs):
        pytest.skip(f"Tesseract at {binary} lacks eng/ita data: run scripts/ensure_tesseract.sh")
    return binary


def folded(text: str) -> str:
    """Lower case without accents: a worn "à" may read as "a", and the words are still there."""
    decomposed = unicodedata.normalize("NFKD", normalised(text).lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def ocr(binary: str, page: Image.Image, language: str, tmp_path) -> str:
    # Square pixels for the OCR: the fax's 196 lines per inch stretched back to 204.
    square = page.convert("L").resize((page.width, round(page.height * FAX_DPI[0] / FAX_DPI[1])))
    path = tmp_path / "page.png"
    square.save(path, dpi=(FAX_DPI[0], FAX_DPI[0]))
    tess_lang = {"it": "ita", "en": "eng"}[language]
    result = subprocess.run(
        [binary, str(path), "stdout", "-l", tess_lang, "--dpi", str(FAX_DPI[0]), "--psm", "4"],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return normalised(result.stdout)


@pytest.mark.real_component
@pytest.mark.parametrize("language", ["it", "en"])
def test_the_fax_image_reads_back_by_ocr(case, users, django_capture_on_commit_callbacks, tmp_path, language):
    binary = tesseract_or_skip()
    row = assign_and_send(case, users, django_capture_on_commit_callbacks, language=language)
    _pdf, tiff = fax_files(row)
    expected = expected_elements(case, language)

    text = ocr(binary, Image.open(io.BytesIO(tiff)), language, tmp_path)
    digits = re.sub(r"\D", "", text)

    # OCR reads letters, not always punctuation or spacing: words are compared as words and
    # numbers as their digits.
    # "P1" reads as "Pl": of the headline, the words before the priority and plant code.
    assert folded(expected["headline"].rsplit(" P", 2)[0]) in folded(text)
    for name in (
        "centre name", "reference", "page n of m", "code label", "address label",
        "access notes label", "caller label", "summary label", "priority label", "telecontrol label",
        "acknowledge title", "notes box", "summary", "telecontrol state",
    ):  # fmt: skip
        assert folded(expected[name]) in folded(text), (name, text)
    for number in (CENTRE["PRONTO_CENTRE_PHONE"], CENTRE["PRONTO_CENTRE_FAX"], case.call.caller_number):
        assert re.sub(r"\D", "", number) in digits, (number, text)
    assert CENTRE["PRONTO_CENTRE_EMAIL"] in text
    assert "SMS" not in text.upper()


# --------------------------------------------------------------------------------------------
# Gateways: HylaFAX is given the TIFF; an email-to-fax gateway in TIFF mode too
# --------------------------------------------------------------------------------------------


@pytest.mark.real_component
def test_hylafax_queues_the_dispatch_tiff(case, users, centre, django_capture_on_commit_callbacks):
    hylafax = HylafaxGateway.create_or_skip()
    try:
        centre.PRONTO_NOTIFICATION_BACKENDS = {
            "sms": OUTBOX,
            "email": OUTBOX,
            "fax": {
                "BACKEND": "notifications.backends.hylafax.HylafaxFaxBackend",
                "OPTIONS": {
                    "hylafax_host": hylafax.host,
                    "hylafax_port": hylafax.port,
                    "hylafax_user": hylafax.user,
                    "hylafax_password": hylafax.password,
                    "hylafax_format": "tiff",
                    "timeout": 10,
                },
            },
        }
        UserProfile.objects.update_or_create(user=users["technician"], defaults={"language": "it"})
        with django_capture_on_commit_callbacks(execute=True):
            dispatch_services.intervention_assign(
                actor=users["operator"], intervention=case, technician=users["technician"]
            )
        row = Notification.objects.get(intervention=case, channel="fax")
        assert row.status == "sent", row.last_error
        job = hylafax.qfile(row.gateway_id)
        _pdf, tiff = fax_files(row)

        assert job["jobtag"] == row.idempotency_key
        assert "tiff" in job and "pdf" not in job
        assert (hylafax.spool / job["tiff"].rsplit(":", 1)[-1]).read_bytes() == tiff
    finally:
        hylafax.close()


def test_an_email_to_fax_gateway_in_tiff_mode_gets_the_dispatch_pages():
    tiff = b"II*\x00" + bytes(64)
    attachments = (
        Attachment("fax.pdf", "application/pdf", b"%PDF-1.4"),
        Attachment("fax.tif", "image/tiff", tiff),
    )
    message = OutgoingMessage(
        notification_id=7, idempotency_key="k7", channel="fax", recipient=FAX_NUMBER, subject="[Pronto] x",
        body="x", attachments=attachments,
    )  # fmt: skip

    as_tiff = EmailFaxBackend(attach="tiff").fax_document(message)
    as_pdf = EmailFaxBackend(attach="pdf").fax_document(message)

    assert [(a.filename, a.content) for a in as_tiff] == [("fax.tif", tiff)]
    assert [a.filename for a in as_pdf] == ["fax.pdf"]


# --------------------------------------------------------------------------------------------
# The start-up check
# --------------------------------------------------------------------------------------------


def test_a_fax_backend_without_a_call_back_number_is_refused_at_start_up(settings):
    settings.PRONTO_CENTRE_PHONE = ""
    settings.PRONTO_NOTIFICATION_BACKENDS = {
        **settings.PRONTO_NOTIFICATION_BACKENDS,
        "fax": {"BACKEND": "notifications.backends.hylafax.HylafaxFaxBackend", "OPTIONS": {}},
    }
    from notifications.checks import centre_contacts_check

    errors = centre_contacts_check()

    assert [error.id for error in errors] == ["notifications.E012"]
    assert "PRONTO_CENTRE_PHONE" in errors[0].msg

    settings.PRONTO_CENTRE_PHONE = "+39 02 1"
    assert centre_contacts_check() == []
    settings.PRONTO_CENTRE_PHONE = ""
    settings.PRONTO_NOTIFICATION_BACKENDS = {**settings.PRONTO_NOTIFICATION_BACKENDS, "fax": OUTBOX}
    assert centre_contacts_check() == []
    assert centre_contacts_check in check_registry.registry.get_checks()


# --------------------------------------------------------------------------------------------
# Where the supervisor sets a technician's language
# --------------------------------------------------------------------------------------------


def test_the_supervisor_sets_the_technicians_language_on_the_contact_points_page(users, browser):
    technician = users["technician"]
    supervisor = browser("supervisor")
    url = f"/contact-points/{technician.pk}/language/"

    page = supervisor.get(f"/contact-points/{technician.pk}/").content.decode()
    answer = supervisor.post(url, {"language": "en"})
    refused = supervisor.post(url, {"language": "fr"})
    kept = UserProfile.objects.get(user=technician).language
    reset = supervisor.post(url, {"language": ""})

    assert 'name="language"' in page and f'action="{url}"' in page
    assert answer.status_code == 302 and answer["Location"] == f"/contact-points/{technician.pk}/"
    assert refused.status_code == 400 and "it, en" in refused.content.decode()
    assert kept == "en"
    assert reset.status_code == 302 and UserProfile.objects.get(user=technician).language == ""
    assert browser("operator").post(url, {"language": "it"}).status_code == 403
    assert UserProfile.objects.get(user=technician).language == ""
