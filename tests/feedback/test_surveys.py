"""The survey sweep: who is texted, once, and who never is."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch.choices import InterventionStatus
from feedback.models import SurveyOptOut, SurveyRequest
from feedback.services import optout_set, surveys_send_due
from notifications.models import Notification
from tests.dispatch.helpers import intervention_in

from .conftest import LANDLINE, MOBILE, OTHER_MOBILE

pytestmark = pytest.mark.django_db


def test_a_call_ended_a_while_ago_gets_one_survey_sms_even_when_swept_twice(
    ended_call, django_capture_on_commit_callbacks
):
    call = ended_call(MOBILE)

    with django_capture_on_commit_callbacks() as callbacks:
        assert surveys_send_due() == 1
    assert surveys_send_due() == 0

    survey = SurveyRequest.objects.get()
    assert survey.call == call and survey.number == MOBILE and survey.score is None
    row = Notification.objects.get(reason="survey")
    assert survey.notification == row
    assert (row.channel, row.recipient, row.idempotency_key) == ("sms", MOBILE, f"survey:{call.pk}")
    assert row.body.startswith("Customer One: how was our service")
    assert "1 (bad) to 5 (excellent)" in row.body and "STOP" in row.body
    assert len(callbacks) == 1  # the delivery, queued after commit
    assert call.events.filter(kind="feedback.survey_sent").count() == 1


def test_the_text_is_in_the_centres_language(ended_call, settings):
    settings.LANGUAGE_CODE = "it"
    ended_call(MOBILE)
    surveys_send_due()
    body = Notification.objects.get(reason="survey").body
    assert body.startswith("Customer One: come valuta il servizio ricevuto al telefono?")
    assert "da 1 (pessimo) a 5 (ottimo)" in body and "STOP" in body and len(body) <= 160
    from notifications.sms_text import GSM7, sms_coding

    assert sms_coding(body) == GSM7


def test_nobody_is_texted_when_surveys_are_off(ended_call, settings):
    settings.PRONTO_SURVEY_ENABLED = False
    ended_call(MOBILE)
    assert surveys_send_due() == 0
    assert not SurveyRequest.objects.exists()


@pytest.mark.parametrize(
    "case",
    ["test_call", "landline", "too_recent", "too_old", "opted_out", "customer_excluded", "withheld"],
)
def test_calls_that_are_never_surveyed(case, ended_call, users, settings):
    number, minutes = MOBILE, 60
    if case == "landline":
        number = LANDLINE
    if case == "withheld":
        number = ""
    if case == "too_recent":
        minutes = 10
    if case == "too_old":
        minutes = 60 * 24 * 4
    call = ended_call(number, minutes_ago=minutes)
    if case == "test_call":
        # No service marks a test call yet (the quality app will): saved as the model allows.
        call.is_test = True
        call.save(update_fields=["is_test"])
    if case == "opted_out":
        optout_set(actor=users["operator"], number="347 123 4567")
    if case == "customer_excluded":
        settings.PRONTO_SURVEY_CUSTOMERS_EXCLUDED = ["c1"]

    assert surveys_send_due() == 0
    assert not SurveyRequest.objects.exists()


def test_one_survey_per_number_within_the_period(ended_call, settings):
    ended_call(MOBILE, minutes_ago=120)
    assert surveys_send_due() == 1
    ended_call(MOBILE, minutes_ago=60)
    ended_call(OTHER_MOBILE, minutes_ago=60)
    assert surveys_send_due() == 1
    assert sorted(SurveyRequest.objects.values_list("number", flat=True)) == sorted([MOBILE, OTHER_MOBILE])

    # Past the period, the number's next call is surveyed again.
    SurveyRequest.objects.filter(number=MOBILE).update(sent_at=timezone.now() - timedelta(days=31))
    assert surveys_send_due() == 1
    assert SurveyRequest.objects.filter(number=MOBILE).count() == 2


def test_a_call_with_a_case_waits_for_the_case_to_be_closed(ended_call, users, plant):
    call = ended_call(MOBILE)
    intervention = intervention_in(InterventionStatus.COMPLETED, users=users, plant=plant, call=call)
    assert surveys_send_due() == 0  # the case is still open

    from dispatch.services import intervention_close

    intervention_close(actor=users["supervisor"], intervention=intervention)
    assert surveys_send_due() == 0  # closed just now: not before the delay
    assert surveys_send_due(now=timezone.now() + timedelta(minutes=31)) == 1
    assert SurveyRequest.objects.get().call == call


def test_the_task_runs_the_sweep(ended_call):
    from feedback.tasks import surveys_send_due as task

    ended_call(MOBILE)
    assert task.apply().get() == 1
    assert task.apply().get() == 0
    assert SurveyOptOut.objects.count() == 0 and SurveyRequest.objects.count() == 1
