"""The Kannel SMS backend against a real, private Kannel on loopback (tests/servers/kannel.py):
what reaches the fake phone network (fakesmsc), the delivery reports Kannel makes and calls back
with, inbound SMS forwarded to the sms-service get-url, and what each outage or refusal turns
into. No database."""

from __future__ import annotations

import time
import urllib.parse

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from notifications import services
from notifications.backends.base import GatewayRejected, GatewayUnavailable
from notifications.backends.kannel import KannelAuthorizationFailed, kannel_dlr_parse, kannel_mo_params
from notifications.sms_text import sms_analyse
from tests.servers.kannel import REFUSED_PREFIX, SHORT_NUMBER, HttpRecorder

from .conftest import INBOUND_PATH, INBOUND_TOKEN, SENDER

pytestmark = pytest.mark.real_component

# Every printable character of the GSM 7-bit alphabet, the extension table's included (144 septets).
GSM_ALPHABET = (
    "@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€"
)
UCS2_TEXT = "Perdita gas – via Università 3 ✓ 🔥"
LINK = "https://pronto.example.org/interventions/1234/"


def only(messages, number):
    found = [message for message in messages if message.receiver == number]
    assert len(found) == 1, f"{len(found)} messages to {number}"
    return found[0]


def arrived(kannel, message, timeout: float = 5.0):
    """The one message the fake phone network got for ``message.recipient``."""
    kannel.phone.wait_for(lambda messages: any(m.receiver == message.recipient for m in messages), timeout)
    return only(kannel.phone.messages(), message.recipient)


def test_a_gsm_text_arrives_intact_as_one_7bit_sms(kannel, sms_backend, sms):
    message = sms(GSM_ALPHABET)
    assert sms_analyse(GSM_ALPHABET).coding == "gsm7" and sms_analyse(GSM_ALPHABET).parts == 1

    result = sms_backend(kannel).send(message)

    assert result.detail == "Kannel: 0: Accepted for delivery" and result.gateway_id == ""
    phone_sms = arrived(kannel, message)
    assert phone_sms.sender == SENDER and len(phone_sms.parts) == 1
    assert phone_sms.parts[0].kind == "text"  # coding=0: sent as GSM, every character kept
    assert phone_sms.text() == GSM_ALPHABET


def test_a_line_break_survives(kannel, sms_backend, sms):
    message = sms(f"Intervento 12: perdita gas\n{LINK}")
    sms_backend(kannel).send(message)
    # fakesmsc prints a 7-bit text's newline as it is: the message reaches the fake phone as two
    # printed lines, and the second may come a moment after the first. Wait for both lines.
    lines, to = message.body.count("\n"), message.recipient

    def whole(messages):
        return any(m.receiver == to and m.text().count("\n") == lines for m in messages)

    kannel.phone.wait_for(whole)
    assert arrived(kannel, message).text() == message.body


def test_a_ucs2_text_arrives_intact(kannel, sms_backend, sms):
    message = sms(UCS2_TEXT)

    sms_backend(kannel).send(message)

    phone_sms = arrived(kannel, message)
    assert phone_sms.parts[0].kind == "ucs-2" and len(phone_sms.parts) == 1
    assert phone_sms.text() == UCS2_TEXT  # the en dash, the accent, the tick and the emoji


@pytest.mark.parametrize(
    ("body", "coding", "parts"),
    [
        (" ".join(f"parola{i}" for i in range(40)) + f"\n{LINK}", "gsm7", 3),
        ("Perdita gas – " + " ".join(f"via{i}" for i in range(20)) + f" ✓\n{LINK}", "ucs2", 3),
    ],
    ids=["gsm7", "ucs2"],
)
def test_a_long_text_arrives_as_concatenated_parts(kannel, sms_backend, sms, body, coding, parts):
    assert sms_analyse(body).parts == parts and sms_analyse(body).coding == coding
    message = sms(body)

    sms_backend(kannel).send(message)

    phone_sms = arrived(kannel, message)
    assert len(phone_sms.parts) == parts
    assert all(part.kind == "udh" for part in phone_sms.parts)
    assert phone_sms.text(coding) == body


def test_a_text_too_long_is_shortened_keeping_the_link(kannel, sms_backend, sms):
    body = "Perdita gas in via Roma 3. " + " ".join(f"dettaglio{i}" for i in range(80)) + f"\n{LINK}"
    assert sms_analyse(body).parts > 3
    message = sms(body)

    sms_backend(kannel).send(message)

    text = arrived(kannel, message).text("gsm7")
    assert text.startswith("Perdita gas in via Roma 3. dettaglio0 ")
    assert text.endswith(f"...\n{LINK}")  # Kannel would have cut the tail, link and all
    assert sms_analyse(text).parts == 3


def test_delivery_reports_reach_the_dlr_url_and_read_as_delivered(kannel, kannel_http, sms_backend, sms):
    # A status URL with a percent-escape: Kannel would read "%C3" as its own %C without "%%".
    status_url = kannel_http.url("/api/notifications/77/status/") + "?token=t%C3%A0k"
    message = sms("Intervento 77 assegnato", status_url=status_url)

    sms_backend(kannel).send(message)

    reports = kannel_http.wait_for(
        "/api/notifications/77/status/", lambda found: {r.params["type"] for r in found} >= {"1", "8"}
    )
    # The fake SMSC reports twice: taken by the SMSC (8, "ACK/"), then delivered (1).
    assert sorted(r.params["type"] for r in reports) == ["1", "8"]
    assert all(r.query.startswith("token=t%C3%A0k&type=") for r in reports)
    by_type = {r.params["type"]: kannel_dlr_parse(r.params) for r in reports}
    assert by_type["1"].delivered is True and by_type["1"].detail == "delivered to the phone"
    assert by_type["8"].delivered is None and by_type["8"].detail == "accepted by the SMSC (ACK/)"


def test_a_concatenated_message_is_reported_once(kannel, kannel_http, sms_backend, sms):
    body = " ".join(f"parola{i}" for i in range(40))
    message = sms(body, status_url=kannel_http.url("/api/notifications/78/status/") + "?token=x")

    sms_backend(kannel).send(message)

    assert len(arrived(kannel, message).parts) == sms_analyse(body).parts == 3
    reports = kannel_http.wait_for("/api/notifications/78/status/", lambda found: len(found) >= 2)
    time.sleep(0.3)  # room for a report per part, were Kannel to send them
    assert sorted(r.params["type"] for r in kannel_http.on("/api/notifications/78/status/")) == ["1", "8"]
    assert len(reports) == 2


def test_gateway_down_is_unavailable_at_once_and_sending_works_again_after(kannel, sms_backend, sms):
    backend = sms_backend(kannel)
    kannel.stop()

    started = time.monotonic()
    with pytest.raises(GatewayUnavailable, match="Kannel unreachable"):
        backend.send(sms("while down"))
    assert time.monotonic() - started < 1.0  # refused: no waiting for the timeout

    kannel.start()
    message = sms("after the restart")
    assert backend.send(message).detail == "Kannel: 0: Accepted for delivery"
    assert arrived(kannel, message).text() == "after the restart"


def test_no_smsc_link_is_queued_by_kannel_and_sent_when_it_is_back(kannel, sms_backend, sms):
    kannel.stop_phone_network()
    message = sms("queued while the SMSC link is down")

    result = sms_backend(kannel).send(message)

    assert result.detail.startswith("Kannel: 3: Queued for later delivery")
    time.sleep(0.2)
    assert kannel.phone.to(message.recipient) == []
    kannel.start()
    assert arrived(kannel, message).text() == message.body


def test_bad_credentials_are_a_rejection_with_kannels_reason(kannel, sms_backend, sms):
    message = sms("never sent")

    with pytest.raises(KannelAuthorizationFailed) as refused:
        sms_backend(kannel, password="wrong").send(message)

    assert isinstance(refused.value, GatewayRejected)
    assert "Kannel 403: Authorization failed for sendsms" in str(refused.value)
    time.sleep(0.2)
    assert kannel.phone.to(message.recipient) == []


def test_a_receiver_kannel_refuses_is_a_rejection_with_kannels_reason(kannel, sms_backend, sms):
    message = sms("never sent", recipient=f"{REFUSED_PREFIX}123456")

    with pytest.raises(GatewayRejected) as refused:
        sms_backend(kannel).send(message)

    assert not isinstance(refused.value, KannelAuthorizationFailed)
    assert str(refused.value) == "Kannel 400: Number(s) has/have been denied by white- and/or black-lists."


def test_a_missing_sender_is_a_rejection_with_kannels_reason(kannel, sms_backend, sms):
    with pytest.raises(GatewayRejected, match="Kannel 400: Sender missing and no global set, rejected"):
        sms_backend(kannel, sender="").send(sms("never sent"))


def test_a_recipient_that_is_not_a_number_is_refused_before_any_call(sms_backend, sms):
    # Kannel would take the space as a separator and text "+39" and "3331234567" both.
    recorder = HttpRecorder().start()
    try:
        backend = sms_backend(url=recorder.url("/cgi-bin/sendsms"))
        with pytest.raises(GatewayRejected, match="not a phone number"):
            backend.send(sms("never sent", recipient="+39 3331234567"))
    finally:
        recorder.stop()
    assert recorder.requests == []


def test_a_gateway_that_never_answers_is_unavailable_within_the_timeout(fault_server, sms_backend, sms):
    silent = fault_server("silent")
    backend = sms_backend(url=f"http://{silent.host}:{silent.port}/cgi-bin/sendsms", timeout=0.5)

    started = time.monotonic()
    with pytest.raises(GatewayUnavailable, match=r"did not answer within 0.5 s|timed out"):
        backend.send(sms("into the void"))

    assert 0.4 < time.monotonic() - started < 2.0
    assert silent.connections == 1


def test_a_closed_port_is_unavailable(refused_address, sms_backend, sms):
    host, port = refused_address
    backend = sms_backend(url=f"http://{host}:{port}/cgi-bin/sendsms")
    with pytest.raises(GatewayUnavailable, match="Kannel unreachable"):
        backend.send(sms("nobody home"))


def test_an_answer_that_is_not_kannels_is_unavailable(sms_backend, sms):
    # A web server that answers 200 with a page of its own has not taken the SMS.
    recorder = HttpRecorder().start()
    recorder.reply = "<html>Welcome</html>"
    try:
        backend = sms_backend(url=recorder.url("/cgi-bin/sendsms"))
        with pytest.raises(GatewayUnavailable, match="not an acceptance"):
            backend.send(sms("lost"))
    finally:
        recorder.stop()
    assert len(recorder.requests) == 1
    assert recorder.requests[0].params["text"] == "lost" and recorder.requests[0].params["coding"] == "0"


def test_an_inbound_sms_reaches_the_get_url_with_sender_and_text(kannel, kannel_http):
    before = len(kannel_http.on(INBOUND_PATH))

    kannel.inject_mo("+393331234567", "OK 12  arrivo in 10 min")

    request = kannel_http.wait_for(INBOUND_PATH, lambda found: len(found) > before)[-1]
    params = kannel_mo_params(request.query)
    assert params["token"] == INBOUND_TOKEN
    assert params["sender"] == "+393331234567" and params["receiver"] == SHORT_NUMBER
    assert params["text"] == "OK 12  arrivo in 10 min"  # %b: spaces kept as typed
    assert params["coding"] == "0" and params["charset"] == "UTF-8"


def test_an_inbound_ucs2_sms_is_decoded_from_kannels_utf16_bytes(kannel, kannel_http):
    before = len(kannel_http.on(INBOUND_PATH))

    kannel.inject_mo("+393331234567", "Città ✓ ok 🔥")

    request = kannel_http.wait_for(INBOUND_PATH, lambda found: len(found) > before)[-1]
    assert request.params["coding"] == "2" and request.params["charset"] == "UTF-16BE"
    assert request.params["text"] != "Città ✓ ok 🔥"  # what ordinary query parsing makes of it
    assert kannel_mo_params(request.query)["text"] == "Città ✓ ok 🔥"


def test_the_answer_to_an_inbound_sms_is_texted_back_to_the_sender(kannel, kannel_http):
    kannel_http.reply = "Intervento 12 preso in carico ✓"
    kannel_http.reply_headers = {"X-Kannel-Coding": "2"}  # else Kannel sends it as GSM, "✓" as "?"
    before = len(kannel.replies.messages())
    try:
        kannel.inject_mo("+393337654321", "OK 12")

        replies = kannel.replies.wait_for(lambda messages: len(messages) > before)
    finally:
        kannel_http.reply_headers = {}
    reply = replies[-1]
    assert reply.receiver == "+393337654321" and reply.sender == SHORT_NUMBER
    assert reply.text() == "Intervento 12 preso in carico ✓"


@pytest.mark.parametrize(
    "answer, kind",
    [
        ("Intervento n. 12 confermato.", "text"),
        # One SMS even in UCS-2 (70 units): this sms-service sends at most one.
        ("È confermato l'intervento n. 12 ✓", "ucs-2"),
    ],
)
def test_pronto_s_answer_reaches_the_phone_intact_in_the_coding_it_needs(
    kannel, kannel_http, settings, monkeypatch, answer, kind
):
    settings.PRONTO_SMS_INBOUND_TOKEN = INBOUND_TOKEN
    applied = []

    def reply_apply(*, sender, text):
        applied.append((sender, text))
        return answer

    monkeypatch.setattr(services, "sms_reply_apply", reply_apply)
    pronto = Client()

    def through_pronto(request):
        # Kannel's request as it came, answered by Pronto's own view.
        response = pronto.get(f"{request.path}?{request.query}")
        return response.status_code, dict(response.items()), response.content

    kannel_http.respond = through_pronto
    before = len(kannel.replies.messages())
    try:
        kannel.inject_mo("+393337654321", "OK 12")

        replies = kannel.replies.wait_for(lambda messages: len(messages) > before)
    finally:
        kannel_http.respond = None
    assert applied == [("+393337654321", "OK 12")]
    reply = replies[-1]
    assert reply.receiver == "+393337654321" and reply.sender == SHORT_NUMBER
    assert [part.kind for part in reply.parts] == [kind]
    assert reply.text() == answer


# ------------------------------------------------------------------------------------------------
# Without Kannel: what the fake SMSC cannot produce (SMPP receipts, refusals), and configuration


DELIVERED_RECEIPT = (
    "id:0a1b sub:001 dlvrd:001 submit date:2511231200 done date:2511231201 stat:DELIVRD err:000"
)
UNDELIVERED_RECEIPT = "id:0a1b sub:001 dlvrd:000 submit date:2511231200 stat:UNDELIV err:001"
NOT_DELIVERED = "not delivered to the phone (UNDELIV, err 001)"
REFUSED = "refused by the SMSC (NACK/0x0000000b/Invalid Destination Address)"


@pytest.mark.parametrize(
    ("params", "delivered", "failed_reason", "detail"),
    [
        (
            {"type": "1", "smsc_reply": DELIVERED_RECEIPT},
            True,
            "",
            "delivered to the phone (DELIVRD, err 000)",
        ),
        ({"type": "2", "smsc_reply": UNDELIVERED_RECEIPT}, False, NOT_DELIVERED, NOT_DELIVERED),
        (
            {"type": "16", "smsc_reply": "NACK/0x0000000b/Invalid Destination Address"},
            False,
            REFUSED,
            REFUSED,
        ),
        ({"type": "4", "smsc_reply": ""}, None, "", "buffered by the SMSC: the phone is not reachable yet"),
        ({"type": "8", "smsc_reply": "ACK/"}, None, "", "accepted by the SMSC (ACK/)"),
        ({"type": "9", "smsc_reply": ""}, True, "", "delivered to the phone"),
        ({"type": "32"}, None, "", "Kannel report type 32"),
        ({"type": "x"}, None, "", "unreadable Kannel report type 'x'"),
        ({}, None, "", "unreadable Kannel report type ''"),
    ],
)
def test_kannel_dlr_parse(params, delivered, failed_reason, detail):
    status = kannel_dlr_parse(params)
    assert (status.delivered, status.failed_reason, status.detail) == (delivered, failed_reason, detail)


def test_kannel_mo_params_decodes_each_coding():
    ucs2 = urllib.parse.quote_plus("Città ✓ 🔥".encode("utf-16-be"))
    assert kannel_mo_params(f"sender=%2B39333&text={ucs2}&coding=2&charset=UTF-16BE")["text"] == "Città ✓ 🔥"
    gsm = urllib.parse.quote_plus("Città 50% + più".encode())
    params = kannel_mo_params(f"sender=%2B39333&text={gsm}&coding=0&charset=UTF-8&token=t")
    assert params == {
        "sender": "+39333",
        "text": "Città 50% + più",
        "coding": "0",
        "charset": "UTF-8",
        "token": "t",
    }


@pytest.mark.parametrize(
    ("options", "complaint"),
    [
        ({"url": ""}, "url missing"),
        ({"username": "", "password": ""}, "username, password missing"),
        ({"url": "ftp://127.0.0.1/sendsms"}, "not an http"),
        ({"sender": "Pronto Emergenze"}, "neither a number nor up to 11"),
        ({"timeout": 0}, "timeout"),
        ({"max_parts": 0}, "max_parts"),
    ],
)
def test_check_config_refuses_unusable_settings(sms_backend, options, complaint):
    base = {"url": "http://127.0.0.1:13013/cgi-bin/sendsms", "username": "pronto", "password": "secret"}
    with pytest.raises(ImproperlyConfigured, match=complaint):
        sms_backend(**{**base, **options})


def test_the_sendsms_query(sms_backend, sms):
    backend = sms_backend(url="http://127.0.0.1:13013/cgi-bin/sendsms", smsc="operator1")
    message = sms(
        "Perdita gas ✓", status_url="https://pronto.example/api/notifications/5/status/?token=a%2Fb"
    )

    params = backend.params(message)

    assert params == {
        "username": "pronto",
        "password": "secret",
        "from": SENDER,
        "to": message.recipient,
        "text": "Perdita gas ✓",
        "charset": "UTF-8",
        "coding": "2",
        "smsc": "operator1",
        "dlr-mask": "31",
        "dlr-url": "https://pronto.example/api/notifications/5/status/?token=a%%2Fb&type=%d&smsc_reply=%A",
    }
    assert "dlr-url" not in backend.params(sms("no status url"))
    assert backend.params(sms("GSM only €"))["coding"] == "0"


def test_a_body_too_long_keeps_its_own_link_and_separator(sms_backend):
    backend = sms_backend(url="http://127.0.0.1:13013/cgi-bin/sendsms", max_parts=1)
    text = backend.text_for(" ".join(f"parola{i}" for i in range(60)) + f" {LINK}")
    assert text.endswith(f"... {LINK}") and sms_analyse(text).parts == 1
    with pytest.raises(GatewayRejected, match="link alone"):
        backend.text_for("testo " + "https://pronto.example.org/" + "x" * 200)
