"""A caller's reply to the survey through Pronto's inbound-SMS door (the Kannel get-url), as
Kannel forwards it: the score on the call's survey, a complaint for a low one, STOP honoured."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from feedback.models import Complaint, SurveyOptOut, SurveyRequest
from feedback.services import survey_reply_apply, surveys_send_due
from notifications.models import Notification

from .conftest import MOBILE, OTHER_MOBILE

pytestmark = pytest.mark.django_db
INBOUND = "/api/notifications/sms/inbound/"
TOKEN = "feedback-inbound-token"


@pytest.fixture
def surveyed(ended_call, settings):
    settings.PRONTO_SMS_INBOUND_TOKEN = TOKEN
    call = ended_call(MOBILE)
    assert surveys_send_due() == 1
    return call


def _reply(client, text, sender=MOBILE):
    response = client.get(INBOUND, {"token": TOKEN, "sender": sender, "text": text})
    assert response.status_code == 200
    return response.content.decode()


def test_a_score_is_stored_on_the_calls_survey_and_thanked(surveyed, client):
    assert _reply(client, "voto 4", sender="0039 347 123 4567") == "Thank you for your score: 4/5."

    survey = SurveyRequest.objects.get(call=surveyed)
    assert survey.score == 4 and survey.answered_at is not None and survey.reply_text == "voto 4"
    assert not Complaint.objects.exists()
    event = surveyed.events.get(kind="feedback.survey_answered")
    assert event.data == {"score": 4}


def test_a_low_score_opens_a_complaint_in_the_calls_history(surveyed, client):
    assert _reply(client, "pessimo") == "Thank you for your score: 1/5."

    complaint = Complaint.objects.get()
    assert (complaint.call, complaint.source, complaint.score, complaint.status) == (
        surveyed,
        "survey",
        1,
        "open",
    )
    assert complaint.survey == SurveyRequest.objects.get(call=surveyed)
    event = surveyed.events.get(kind="feedback.complaint_opened")
    assert event.data == {"complaint": complaint.pk, "score": 1}


def test_the_first_score_stays(surveyed, client):
    _reply(client, "5")
    assert _reply(client, "1") == "Thank you: we already have your score."
    assert SurveyRequest.objects.get().score == 5 and not Complaint.objects.exists()


def test_an_unreadable_reply_is_kept_and_answered_once(surveyed, client):
    assert _reply(client, "boh, non so") == "Please reply with one digit from 1 to 5, or STOP."
    assert _reply(client, "ancora non so") == ""  # Kannel (omit-empty) texts nothing
    survey = SurveyRequest.objects.get()
    assert survey.score is None and survey.reply_text == "ancora non so" and survey.reminded_at is not None
    assert _reply(client, "3") == "Thank you for your score: 3/5."


def test_stop_opts_the_number_out_for_good(surveyed, client, ended_call):
    assert _reply(client, "STOP") == "You will get no more surveys from us."
    assert SurveyOptOut.objects.get().number == MOBILE
    assert SurveyOptOut.objects.get().how == "stop"

    later = ended_call(MOBILE)
    assert surveys_send_due(now=timezone.now() + timedelta(days=60)) == 0
    assert not SurveyRequest.objects.filter(call=later).exists()


def test_a_reply_after_the_survey_expired_is_not_a_score(surveyed, client):
    SurveyRequest.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    assert _reply(client, "4") == "Not understood. Reply OK followed by the intervention number."
    assert SurveyRequest.objects.get().score is None
    # STOP is still honoured from a number that was surveyed.
    assert _reply(client, "basta") == "You will get no more surveys from us."
    assert SurveyOptOut.objects.get().how == "no"


def test_numbers_never_surveyed_learn_nothing(surveyed, client):
    assert (
        _reply(client, "4", sender=OTHER_MOBILE)
        == "Not understood. Reply OK followed by the intervention number."
    )
    assert _reply(client, "STOP", sender=OTHER_MOBILE) == (
        "Not understood. Reply OK followed by the intervention number."
    )
    assert not SurveyOptOut.objects.exists() and SurveyRequest.objects.get().score is None


def test_a_technicians_ok_is_still_an_acknowledgement(surveyed, reachable, client):
    # The technician's number has no survey: the acknowledgement path answers as before.
    answer = _reply(client, "OK", sender="+393331234567")
    assert answer == "Which intervention? Reply OK followed by its number."


def test_the_reply_goes_to_the_latest_survey_of_the_number(ended_call, settings):
    first = ended_call(MOBILE, minutes_ago=600)
    surveys_send_due()
    SurveyRequest.objects.filter(call=first).update(sent_at=timezone.now() - timedelta(days=40))
    second = ended_call(MOBILE, minutes_ago=60)
    assert surveys_send_due() == 1
    assert survey_reply_apply(number=MOBILE, text="2") == "Thank you for your score: 2/5."
    assert SurveyRequest.objects.get(call=second).score == 2
    assert SurveyRequest.objects.get(call=first).score is None
    assert Notification.objects.filter(reason="survey").count() == 2
