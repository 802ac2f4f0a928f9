"""The SMTP and email-to-fax backends against a real SMTP server on loopback (aiosmtpd): what
arrives, byte for byte, and what each kind of refusal or outage turns into. No database."""

from __future__ import annotations

import io
import os
import time

import pytest
from django.core.exceptions import ImproperlyConfigured
from PIL import Image

from notifications.backends.base import Attachment, GatewayRejected, GatewayUnavailable
from notifications.backends.fax_email import EmailFaxBackend
from notifications.backends.smtp import SmtpEmailBackend
from notifications.fax import fax_pdf_render

from .conftest import FROM_ADDRESS

pytestmark = pytest.mark.real_component

SUBJECT = "Intervento 12 — Città di Sant'Elpidio: perdita di gas, priorità CRITICA"
BODY = (
    "Impianto P1, cabina di riduzione «Università».\n"
    "Il cliente segnala odore di gas: intervenire entro 30′. Costo stimato 120 €.\n"
    ".\n"  # a line holding only a dot ends DATA unless the client escapes it
    "Fine."
)


@pytest.fixture(scope="module")
def summary_pdf() -> bytes:
    return fax_pdf_render(title="Intervento 12", lines=["Impianto P1", "Perdita di gas"], footer="Pronto")


def received_attachments(received) -> list[tuple[str, str, bytes]]:
    message = received.message()
    return [(p.get_filename(), p.get_content_type(), p.get_content()) for p in message.iter_attachments()]


# --------------------------------------------------------------------------------------------
# Email
# --------------------------------------------------------------------------------------------


def test_email_arrives_with_utf8_text_headers_and_attachments_intact(
    sink, email_backend, outgoing, summary_pdf
):
    picture = os.urandom(150_000)  # binary with every byte value, larger than one TCP window
    attachments = [
        Attachment("intervention-12.pdf", "application/pdf", summary_pdf),
        Attachment("planimetria è bella.png", "image/png", picture),
    ]
    message = outgoing(subject=SUBJECT, body=BODY, attachments=attachments)

    result = email_backend(sink).send(message)

    [received] = sink.messages
    assert received.mail_from == FROM_ADDRESS
    assert received.rcpt_tos == ["tecnico@example.org"]
    assert received.content.isascii()  # 7-bit on the wire: any relay passes it unchanged
    email = received.message()
    assert email["Message-ID"] == "<notification-42-7f3c9a@pronto>" == result.gateway_id
    assert email["X-Pronto-Notification"] == "42"
    assert email["Subject"] == SUBJECT
    assert email["From"] == FROM_ADDRESS
    assert email["To"] == "tecnico@example.org"
    # Text travels in its canonical form, lines ending in CRLF; mail readers show plain lines.
    assert email.get_body(("plain",)).get_content().replace("\r\n", "\n").rstrip("\n") == BODY
    assert received_attachments(received) == [
        ("intervention-12.pdf", "application/pdf", summary_pdf),
        ("planimetria è bella.png", "image/png", picture),
    ]
    assert result.delivered is False
    assert result.detail == f"250 2.0.0 Ok: queued as {received.queue_id}"


def test_a_resent_notification_carries_the_same_message_id(sink, email_backend, outgoing):
    backend = email_backend(sink)
    first = backend.send(outgoing())
    second = backend.send(outgoing())

    ids = [received.message()["Message-ID"] for received in sink.wait_for(2)]
    assert ids == [first.gateway_id, second.gateway_id] == ["<notification-42-7f3c9a@pronto>"] * 2


def test_an_idempotency_key_unfit_for_a_message_id_is_hashed_the_same_way_every_time(
    sink, email_backend, outgoing
):
    backend = email_backend(sink)
    first = backend.send(outgoing(idempotency_key="row 42 <retry>@x"))
    second = backend.send(outgoing(idempotency_key="row 42 <retry>@x"))
    other = backend.send(outgoing(idempotency_key="row 43 <retry>@x"))

    assert first.gateway_id == second.gateway_id != other.gateway_id
    assert first.gateway_id.endswith("@pronto>") and " " not in first.gateway_id
    assert [r.message()["Message-ID"] for r in sink.messages][0] == first.gateway_id


def test_recipient_refused_with_550_is_rejected_with_the_servers_reason(sink, email_backend, outgoing):
    with pytest.raises(GatewayRejected) as caught:
        email_backend(sink).send(outgoing(recipient="reject-me@example.org"))

    assert "550" in str(caught.value)
    assert "User unknown" in str(caught.value)
    assert "reject-me@example.org" in str(caught.value)
    assert sink.messages == []


def test_recipient_deferred_with_451_is_unavailable(sink, email_backend, outgoing):
    with pytest.raises(GatewayUnavailable) as caught:
        email_backend(sink).send(outgoing(recipient="defer-me@example.org"))

    assert "451" in str(caught.value)
    assert sink.messages == []


@pytest.mark.parametrize(
    ("where", "reply", "expected"),
    [
        ("mail_reply", "553 5.7.1 Sender address rejected: not owned by user", GatewayRejected),
        ("mail_reply", "421 4.3.2 Service shutting down", GatewayUnavailable),
        ("data_reply", "554 5.7.1 Message content rejected", GatewayRejected),
        ("data_reply", "452 4.3.1 Insufficient system storage", GatewayUnavailable),
    ],
)
def test_refusals_of_the_sender_or_the_message(sink, email_backend, outgoing, where, reply, expected):
    setattr(sink, where, reply)

    with pytest.raises(expected) as caught:
        email_backend(sink).send(outgoing())

    assert reply.split(" ", 1)[0] in str(caught.value)
    assert reply.rsplit(" ", 1)[1] in str(caught.value)
    assert sink.messages == []


def test_server_down_is_unavailable_at_once_then_the_message_goes_when_it_is_back(
    sink, email_backend, outgoing
):
    backend = email_backend(sink, timeout=5.0)
    sink.stop()

    started = time.monotonic()
    with pytest.raises(GatewayUnavailable):
        backend.send(outgoing())
    # Refused on loopback: no waiting for the timeout.
    assert time.monotonic() - started < 2.0

    sink.start()
    result = backend.send(outgoing())

    [received] = sink.messages
    assert received.message()["Message-ID"] == result.gateway_id


def test_slow_server_is_unavailable_within_the_timeout(sink, email_backend, outgoing):
    sink.slow_seconds = 30.0
    backend = email_backend(sink, timeout=1.0)

    started = time.monotonic()
    with pytest.raises(GatewayUnavailable) as caught:
        backend.send(outgoing())
    elapsed = time.monotonic() - started

    assert "within 1 s" in str(caught.value)
    assert 0.9 <= elapsed < 2.0
    assert sink.messages == []


@pytest.mark.parametrize("kind", ["silent", "unreachable"])
def test_no_greeting_or_no_connection_is_unavailable_within_the_timeout(fault_server, outgoing, kind):
    server = fault_server(kind)
    backend = SmtpEmailBackend(host=server.host, port=server.port, from_address=FROM_ADDRESS, timeout=1.0)

    started = time.monotonic()
    with pytest.raises(GatewayUnavailable):
        backend.send(outgoing())

    assert time.monotonic() - started < 2.0


@pytest.mark.parametrize(
    "recipient", ["", "tecnico", "tecnico@", "@example.org", "a b@example.org", "x@y\r\nBcc: z@w"]
)
def test_an_impossible_address_is_rejected_without_connecting(sink, email_backend, outgoing, recipient):
    with pytest.raises(GatewayRejected):
        email_backend(sink).send(outgoing(recipient=recipient))

    assert sink.connections == 0


def test_login_is_used_when_configured(smtp_sink, email_backend, outgoing):
    sink = smtp_sink(credentials=("pronto", "s3cret"))

    email_backend(sink, username="pronto", password="s3cret").send(outgoing())

    [received] = sink.messages
    assert received.authenticated_as == "pronto"


def test_a_refused_login_is_unavailable_not_a_rejection_of_the_message(smtp_sink, email_backend, outgoing):
    sink = smtp_sink(credentials=("pronto", "s3cret"))

    with pytest.raises(GatewayUnavailable) as caught:
        email_backend(sink, username="pronto", password="wrong").send(outgoing())

    assert "535" in str(caught.value)
    assert sink.messages == []


def test_starttls_encrypts_the_session(smtp_sink, email_backend, outgoing, tls_files):
    sink = smtp_sink(tls_context=tls_files.server_context(), require_starttls=True)

    email_backend(sink, starttls=True, tls_ca_file=str(tls_files.certificate)).send(outgoing())

    [received] = sink.messages
    assert received.tls is True


def test_starttls_refuses_a_certificate_it_cannot_verify(smtp_sink, email_backend, outgoing, tls_files):
    sink = smtp_sink(tls_context=tls_files.server_context())

    with pytest.raises(GatewayUnavailable) as caught:
        email_backend(sink, starttls=True).send(outgoing())

    assert "certificate" in str(caught.value).lower()
    assert sink.messages == []


def test_starttls_required_but_not_offered_never_sends_in_clear(sink, email_backend, outgoing):
    with pytest.raises(GatewayUnavailable) as caught:
        email_backend(sink, starttls=True).send(outgoing())

    assert "STARTTLS" in str(caught.value)
    assert sink.messages == []


def test_a_server_that_wants_starttls_first_is_unavailable(smtp_sink, email_backend, outgoing, tls_files):
    sink = smtp_sink(tls_context=tls_files.server_context(), require_starttls=True)

    with pytest.raises(GatewayUnavailable) as caught:
        email_backend(sink).send(outgoing())

    assert "530" in str(caught.value)


@pytest.mark.parametrize(
    ("options", "complaint"),
    [
        ({"host": ""}, "host"),
        ({"from_address": ""}, "from_address"),
        ({"from_address": "pronto"}, "from_address"),
        ({"timeout": 0}, "timeout"),
        ({"username": "pronto"}, "password"),
        ({"tls_ca_file": "/nonexistent/ca.pem"}, "tls_ca_file"),
    ],
)
def test_check_config_refuses_unusable_settings(options, complaint):
    backend = SmtpEmailBackend(**{"host": "127.0.0.1", "from_address": FROM_ADDRESS, **options})

    with pytest.raises(ImproperlyConfigured, match=complaint):
        backend.check_config()


# --------------------------------------------------------------------------------------------
# Email to fax
# --------------------------------------------------------------------------------------------


def fax_message(outgoing, summary_pdf, **fields):
    values = {
        "channel": "fax",
        "recipient": "+390212345678",
        "subject": "Intervento 12 — perdita di gas",
        "body": "Impianto P1\nCabina di riduzione «Università»\nPriorità: CRITICA",
        "attachments": [
            Attachment("intervention-12.pdf", "application/pdf", summary_pdf),
            Attachment("planimetria.png", "image/png", b"\x89PNG not faxed"),
        ],
    }
    values.update(fields)
    return outgoing(**values)


def test_fax_goes_to_the_gateway_address_with_the_summary_pdf(sink, fax_backend, outgoing, summary_pdf):
    result = fax_backend(sink).send(fax_message(outgoing, summary_pdf))

    [received] = sink.messages
    assert received.rcpt_tos == ["390212345678@fax.localhost"]
    email = received.message()
    assert email["To"] == "390212345678@fax.localhost"
    assert email["Message-ID"] == result.gateway_id == "<notification-42-7f3c9a@pronto>"
    assert received_attachments(received) == [("intervention-12.pdf", "application/pdf", summary_pdf)]
    assert email.get_body(("plain",)).get_content().strip() == ""


@pytest.mark.parametrize(
    ("template", "address"),
    [
        ("fax={e164}@gateway.example.net", "fax=+390212345678@gateway.example.net"),
        ("{number}.pronto@efax.example.com", "390212345678.pronto@efax.example.com"),
    ],
)
def test_fax_address_follows_the_template(sink, fax_backend, outgoing, summary_pdf, template, address):
    fax_backend(sink, address_template=template).send(fax_message(outgoing, summary_pdf))

    assert sink.messages[0].rcpt_tos == [address]


def test_fax_in_tiff_mode_carries_a_fax_standard_tiff(sink, fax_backend, outgoing, summary_pdf):
    fax_backend(sink, attach="tiff").send(fax_message(outgoing, summary_pdf))

    [(filename, content_type, content)] = received_attachments(sink.messages[0])
    assert (filename, content_type) == ("intervention-12.tif", "image/tiff")
    with Image.open(io.BytesIO(content)) as image:
        assert image.format == "TIFF"
        assert image.size == (1728, 2292)
        assert image.mode == "1"
        assert image.info["compression"] in ("group3", "group4")
        assert image.info["dpi"] == pytest.approx((204, 196))
        assert image.getbbox() is not None  # something is drawn (1-bit: black pixels are 0)
        assert image.getextrema() == (0, 255)


def test_fax_without_a_pdf_gets_one_rendered(sink, fax_backend, outgoing, summary_pdf):
    fax_backend(sink).send(fax_message(outgoing, summary_pdf, attachments=[]))

    [(filename, content_type, content)] = received_attachments(sink.messages[0])
    assert (filename, content_type) == ("notification-42.pdf", "application/pdf")
    assert content.startswith(b"%PDF-")


@pytest.mark.parametrize(
    "number",
    ["", "abc", "+39 02 ABC", "0212345678", "+0212345678", "12345", "+1234567890123456", "+39+0212345678"],
)
def test_an_invalid_fax_number_is_rejected_without_connecting(
    sink, fax_backend, outgoing, summary_pdf, number
):
    with pytest.raises(GatewayRejected) as caught:
        fax_backend(sink).send(fax_message(outgoing, summary_pdf, recipient=number))

    assert "fax number" in str(caught.value)
    assert sink.connections == 0
    assert sink.messages == []


def test_a_written_fax_number_is_read_as_its_digits(sink, fax_backend, outgoing, summary_pdf):
    fax_backend(sink).send(fax_message(outgoing, summary_pdf, recipient="+39 (02) 1234-5678"))

    assert sink.messages[0].rcpt_tos == ["390212345678@fax.localhost"]


def test_a_refused_fax_number_is_rejected(sink, fax_backend, outgoing, summary_pdf):
    with pytest.raises(GatewayRejected) as caught:
        fax_backend(sink, address_template="{number}-reject@fax.localhost").send(
            fax_message(outgoing, summary_pdf)
        )

    assert "550" in str(caught.value)


@pytest.mark.parametrize(
    ("options", "complaint"),
    [
        ({"attach": "png"}, "attach"),
        ({"address_template": "fax@fax.localhost"}, "does not contain"),
        ({"address_template": "{fax}@fax.localhost"}, "may use only"),
        ({"address_template": "{number}"}, "email address"),
    ],
)
def test_fax_check_config_refuses_unusable_settings(options, complaint):
    backend = EmailFaxBackend(**{"host": "127.0.0.1", "from_address": FROM_ADDRESS, **options})

    with pytest.raises(ImproperlyConfigured, match=complaint):
        backend.check_config()


def test_a_page_rendered_here_is_laid_out_like_the_summary_pdf(fax_backend, sink, outgoing):
    backend = fax_backend(sink, attach="tiff")
    message = outgoing(
        channel="fax",
        recipient="+390212345678",
        subject="[Pronto] Intervention #12 P1 CAB-7",
        body="Intervention #12 P1 CAB-7\nPriority: critical\nPlant: CAB-7 Cabina Nord",
    )

    assert backend.fax_text(message) == (
        "Intervention #12 P1 CAB-7",
        ["Priority: critical", "Plant: CAB-7 Cabina Nord"],
    )
