"""The operator writes to the technician from the intervention page (issue 20), with nothing
faked downstream: the SMS typed in the compose form reaches a real Kannel (bearerbox, smsbox,
fakesmsc: what the "phone" received is asserted), and the email with two of the plant's archive
documents ticked reaches a real SMTP server (aiosmtpd) as one message carrying both. No broker:
the live server delivers each outbox row in-process after its commit, as the demo does.

With ``PRONTO_SCREENSHOTS=<folder>`` the compose form is saved there (docs/screenshots):
``compose-message.png``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from dispatch.choices import InterventionStatus as S
from dispatch.models import Contact, PlantDocument
from notifications.models import ContactPoint, Notification
from tests.dispatch.helpers import call_logged, intervention_in
from tests.servers.kannel import MAX_MESSAGES, KannelGateway
from tests.servers.live_db import SHARED_CONNECTION
from tests.servers.smtp import SmtpSink

pytestmark = [pytest.mark.real_component, pytest.mark.django_db(transaction=True)]

MOBILE = "+393331234567"
ADDRESS = "tino.tecnico@service.example"


@pytest.fixture(scope="module")
def kannel_gateway() -> Iterator[KannelGateway]:
    gateway = KannelGateway.create_or_skip()
    yield gateway
    gateway.close()


# After ``case``: its assignment went to the embedded outbox, and only the message written here
# reaches the servers.
@pytest.fixture
def gateways(
    case, kannel_gateway, settings, tmp_path, live_server
) -> Iterator[tuple[KannelGateway, SmtpSink]]:
    kannel_gateway.start()
    sink = SmtpSink().start()
    settings.MEDIA_ROOT = tmp_path
    settings.PRONTO_PUBLIC_URL = live_server.url
    settings.PRONTO_NOTIFICATION_BACKENDS = {
        "sms": {
            "BACKEND": "notifications.backends.kannel.KannelSmsBackend",
            "OPTIONS": {
                "url": kannel_gateway.sendsms_url,
                "username": kannel_gateway.username,
                "password": kannel_gateway.password,
                "sender": "Pronto",
                "timeout": 5.0,
                "max_parts": MAX_MESSAGES,
            },
        },
        "email": {
            "BACKEND": "notifications.backends.smtp.SmtpEmailBackend",
            "OPTIONS": {
                "host": sink.host,
                "port": sink.port,
                "timeout": 5.0,
                "from_address": "pronto@example.org",
            },
        },
        "fax": {"BACKEND": "notifications.backends.outbox.OutboxBackend", "OPTIONS": {}},
    }
    yield kannel_gateway, sink
    sink.stop()


@pytest.fixture
def case(users, plant, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    technician = users["technician"]
    technician.first_name, technician.last_name = "Tino", "Tecnico"
    technician.save()
    ContactPoint.objects.create(user=technician, channel="sms", address=MOBILE, position=0)
    ContactPoint.objects.create(user=technician, channel="email", address=ADDRESS, position=1)
    Contact.objects.create(customer=plant.customer, name="Control room", email="control@utility.example")
    for title, name in (
        ("Cabin drawing", "drawing.pdf"),
        ("Valve manual", "manual.pdf"),
        ("Permit", "permit.pdf"),
    ):
        document = PlantDocument(plant=plant, title=title)
        document.file.save(name, ContentFile(b"%PDF-1.4 " + title.encode() + b"\n%%EOF\n"), save=True)
    intervention = intervention_in(S.ASSIGNED, users=users, plant=plant, call=call_logged(users, plant))
    intervention.summary = "Strong gas smell in the boiler room; caller waits at the gate."
    intervention.save(update_fields=["summary"])
    return intervention


def _received(phone, number: str) -> list[str]:
    return [m.text() for m in phone.messages() if m.receiver in (number, number.lstrip("+"))]


def test_sms_typed_on_the_intervention_page_reaches_kannel(signed_in, gateways, case, users):
    kannel, _sink = gateways
    page = signed_in("operator", path=f"/interventions/{case.pk}/")
    page.locator(f"#send-sms-technician-{users['technician'].pk}").click()
    page.wait_for_url("**/messages/new/**")
    page.wait_for_load_state("load")
    text = page.locator("#message-text")
    # Prefilled from the intervention's summary, as the assignment's SMS renders it.
    assert case.summary in text.input_value()
    text.fill("Tino, the caller waits at the gate: ring 0212345678 when you arrive. Grazie!")
    assert "GSM 7-bit" in page.locator("#sms-count").inner_text()
    page.locator("#message-send").click()
    page.wait_for_url(f"**/interventions/{case.pk}/")
    assert "queued" in page.locator("[role=status]").first.inner_text()

    got = kannel.phone.wait_for(lambda messages: bool(_received(kannel.phone, MOBILE)), timeout=10)
    assert got
    assert _received(kannel.phone, MOBILE) == [
        "Tino, the caller waits at the gate: ring 0212345678 when you arrive. Grazie!"
    ]
    # Kannel may hand the SMS to the phone before the worker has written the gateway's answer.
    deadline = time.monotonic() + 10
    row = Notification.objects.get(reason="message", channel="sms")
    while row.status not in ("sent", "delivered") and time.monotonic() < deadline:
        time.sleep(0.1)
        with SHARED_CONNECTION:
            row.refresh_from_db()
    assert (row.author, row.recipient, row.status in ("sent", "delivered")) == (
        users["operator"],
        MOBILE,
        True,
    )
    # The intervention's history says who wrote what, to whom.
    page.reload()
    assert "Message written: SMS to Tino Tecnico" in page.content()


def test_email_with_two_archive_documents_reaches_the_smtp_server_with_both(signed_in, gateways, case, users):
    _kannel, sink = gateways
    page = signed_in("operator", path=f"/interventions/{case.pk}/")
    page.locator(f"#send-email-technician-{users['technician'].pk}").click()
    page.wait_for_url("**/messages/new/**")
    page.wait_for_load_state("load")
    assert f"#{case.pk}" in page.locator("#message-subject").input_value()
    page.locator("#message-subject").fill(f"Intervention #{case.pk}: drawings of the cabin")
    page.locator("#message-text").fill("Tino,\n\nthe cabin's drawing and the valve manual are attached.\n")
    page.get_by_label("Cabin drawing").check()
    page.get_by_label("Valve manual").check()
    folder = os.environ.get("PRONTO_SCREENSHOTS")
    if folder:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=str(Path(folder) / "compose-message.png"), full_page=True)
    page.locator("#message-send").click()
    page.wait_for_url(f"**/interventions/{case.pk}/")

    [received] = sink.wait_for(1, timeout=10)
    assert tuple(received.rcpt_tos) == (ADDRESS,)
    email = received.message()
    assert email["Subject"] == f"Intervention #{case.pk}: drawings of the cabin"
    attached = {part.get_filename(): part.get_content() for part in email.iter_attachments()}
    assert attached == {
        "drawing.pdf": b"%PDF-1.4 Cabin drawing\n%%EOF\n",
        "manual.pdf": b"%PDF-1.4 Valve manual\n%%EOF\n",
    }
    assert "valve manual are attached" in email.get_body(("plain",)).get_content()
    row = Notification.objects.get(reason="message", channel="email")
    assert row.status == "sent" and row.plant_id == case.plant_id
