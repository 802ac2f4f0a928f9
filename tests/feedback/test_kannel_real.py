"""The survey with nothing faked between Pronto and the phones: the survey SMS leaves through a
real Kannel (bearerbox, smsbox, fakesmsc) to the caller's phone, and the caller's reply enters
Kannel from the phone network and is forwarded by its sms-service (``get-url``) to Pronto's
inbound door on the live server, which stores the score and answers; Kannel texts the answer
back to the phone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from feedback.models import Complaint, SurveyOptOut, SurveyRequest
from feedback.services import surveys_send_due
from notifications.backends.kannel import MO_GET_URL_QUERY
from notifications.models import Notification
from tests.servers.kannel import SHORT_NUMBER, KannelGateway

from .conftest import MOBILE, OTHER_MOBILE

pytestmark = pytest.mark.real_component

TOKEN = "kannel-feedback-inbound-token"
KANNEL_BACKEND = "notifications.backends.kannel.KannelSmsBackend"


@pytest.fixture(scope="module")
def kannel_pronto(live_server) -> Iterator[KannelGateway]:
    url = f"{live_server.url}/api/notifications/sms/inbound/?token={TOKEN}&{MO_GET_URL_QUERY}"
    gateway = KannelGateway.create_or_skip(inbound_url=url)
    yield gateway
    gateway.close()


@pytest.fixture
def kannel(kannel_pronto, settings) -> KannelGateway:
    settings.PRONTO_SMS_INBOUND_TOKEN = TOKEN
    settings.PRONTO_SMS_INBOUND_ALLOWED_ADDRESSES = ["127.0.0.1"]
    settings.PRONTO_NOTIFICATION_BACKENDS = {
        **settings.PRONTO_NOTIFICATION_BACKENDS,
        "sms": {
            "BACKEND": KANNEL_BACKEND,
            "OPTIONS": {
                "url": kannel_pronto.sendsms_url,
                "username": kannel_pronto.username,
                "password": kannel_pronto.password,
                "sender": "Pronto",
                "timeout": 5.0,
            },
        },
    }
    kannel_pronto.start()
    return kannel_pronto


def _to(gateway: KannelGateway, number: str):
    return [m for m in gateway.phone.messages() if m.receiver in (number, number.lstrip("+"))]


def _survey_reaches_the_phone(gateway: KannelGateway, number: str) -> str:
    """Sweep (delivery runs after commit, in-process without a broker) and wait for the phone."""
    assert surveys_send_due() == 1
    received = gateway.phone.wait_for(lambda _messages: bool(_to(gateway, number)), timeout=10)
    assert received
    [sms] = _to(gateway, number)
    return sms.text()


def _reply(gateway: KannelGateway, number: str, text: str) -> str:
    before = len(gateway.replies.messages())
    gateway.inject_mo(number, text)
    answers = gateway.replies.wait_for(lambda messages: len(messages) > before, timeout=10)
    answer = answers[-1]
    assert answer.receiver in (number, number.lstrip("+")) and answer.sender == SHORT_NUMBER
    return answer.text()


def test_survey_out_low_score_in_opens_a_complaint(kannel, ended_call):
    call = ended_call(MOBILE)

    text = _survey_reaches_the_phone(kannel, MOBILE)
    assert text.startswith("Customer One: how was our service") and "STOP" in text
    assert Notification.objects.get(reason="survey").status in ("sent", "delivered")

    assert _reply(kannel, MOBILE, "Voto 2/5") == "Thank you for your score: 2/5."
    survey = SurveyRequest.objects.get(call=call)
    assert survey.score == 2 and survey.reply_text == "Voto 2/5"
    complaint = Complaint.objects.get()
    assert (complaint.call_id, complaint.score, complaint.status) == (call.pk, 2, "open")


def test_an_unreadable_reply_is_asked_once_then_stop_is_honoured(kannel, ended_call):
    ended_call(OTHER_MOBILE)
    _survey_reaches_the_phone(kannel, OTHER_MOBILE)

    assert _reply(kannel, OTHER_MOBILE, "boh") == "Please reply with one digit from 1 to 5, or STOP."
    assert _reply(kannel, OTHER_MOBILE, "STOP") == "You will get no more surveys from us."
    assert SurveyOptOut.objects.filter(number=OTHER_MOBILE, how="stop").exists()
    assert SurveyRequest.objects.get(number=OTHER_MOBILE).score is None
