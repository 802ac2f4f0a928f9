"""Complaints for the supervisors (page and API), the satisfaction report, the score on the
call's page, and the survey's number under an erasure."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from dispatch.errors import TransitionNotAllowed
from feedback.models import Complaint, SurveyRequest
from feedback.services import complaint_handle, survey_reply_apply, surveys_send_due

from .conftest import MOBILE, OTHER_MOBILE

pytestmark = pytest.mark.django_db


@pytest.fixture
def low_score(ended_call):
    call = ended_call(MOBILE)
    surveys_send_due()
    survey_reply_apply(number=MOBILE, text="1")
    return Complaint.objects.get(call=call)


def test_a_supervisor_handles_a_complaint_once(low_score, users):
    operator, supervisor = users["operator"], users["supervisor"]
    with pytest.raises(PermissionDenied):
        complaint_handle(actor=operator, complaint=low_score, notes="Called back")
    handled = complaint_handle(actor=supervisor, complaint=low_score, notes="Called back, apologised.")
    assert (handled.status, handled.handled_by, handled.handled_notes) == (
        "handled",
        supervisor,
        "Called back, apologised.",
    )
    with pytest.raises(TransitionNotAllowed):
        complaint_handle(actor=supervisor, complaint=low_score, notes="Again")


def test_the_complaints_page_lists_and_handles(low_score, browser):
    client = browser("supervisor")
    page = client.get("/complaints/").content.decode()
    assert f'id="complaint-{low_score.pk}"' in page and "Low survey score" in page

    response = client.post(f"/complaints/{low_score.pk}/handle/", {"notes": ""})
    assert response.status_code == 302
    low_score.refresh_from_db()
    assert low_score.status == "open"  # notes are required

    client.post(f"/complaints/{low_score.pk}/handle/", {"notes": "Called back."})
    low_score.refresh_from_db()
    assert low_score.status == "handled" and low_score.handled_notes == "Called back."
    assert f'id="complaint-{low_score.pk}"' not in client.get("/complaints/").content.decode()


def test_the_api_reads_and_handles(low_score, client_for):
    api = client_for("supervisor")
    listed = api.get("/api/complaints/", {"status": "open"}).json()
    assert [row["id"] for row in listed["results"]] == [low_score.pk]
    assert listed["results"][0]["score"] == 1 and listed["results"][0]["source"] == "survey"

    handled = api.post(f"/api/complaints/{low_score.pk}/handle/", {"notes": "Done"}, format="json")
    assert handled.status_code == 200 and handled.json()["status"] == "handled"
    again = api.post(f"/api/complaints/{low_score.pk}/handle/", {"notes": "Done"}, format="json")
    assert again.status_code == 409
    assert api.get("/api/complaints/", {"status": "open"}).json()["results"] == []
    assert client_for("operator").get("/api/complaints/").status_code == 403


def test_the_call_page_shows_the_score(low_score, browser):
    page = browser("operator").get(f"/calls/{low_score.call_id}/").content.decode()
    assert "Caller satisfaction" in page and "Scored 1 out of 5" in page
    assert f"Complaint #{low_score.pk}: Open." in page
    # The history reads the survey's events as sentences.
    assert "The caller scored the service 1 out of 5." in page


def test_the_satisfaction_report_per_operator_line_and_month(ended_call, users, browser):
    ended_call(MOBILE, line="800100")
    ended_call(OTHER_MOBILE, line="800200", operator=users["supervisor"])
    test_call = ended_call("+393470000003", line="800100")
    test_call.is_test = True
    test_call.save(update_fields=["is_test"])
    surveys_send_due()
    assert SurveyRequest.objects.count() == 2  # the test call is never surveyed
    survey_reply_apply(number=MOBILE, text="4")

    page = browser("supervisor").get("/reports/satisfaction/").content.decode()
    assert "2 surveys, 1 answered (50.0%)" in page
    from feedback.selectors import satisfaction_for_month

    figures = satisfaction_for_month(month=timezone.localdate())
    by_line = {t.label: (t.sent, t.answered, t.distribution) for t in figures.lines}
    assert by_line == {"800100": (1, 1, [0, 0, 0, 1, 0]), "800200": (1, 0, [0, 0, 0, 0, 0])}
    by_operator = {t.label: (t.sent, t.answered, t.rate) for t in figures.operators}
    assert by_operator == {"operator": (1, 1, 100.0), "supervisor": (1, 0, 0.0)}
    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    earlier = browser("supervisor").get("/reports/satisfaction/", {"month": last_month}).content.decode()
    assert "0 surveys, 0 answered" in earlier


def test_an_erasure_blanks_the_surveys_number_and_keeps_the_score(low_score, users):
    from privacy.services.requests import personal_request_erase, personal_request_record

    request = personal_request_record(
        actor=users["supervisor"], kind="erasure", number=MOBILE, requester="Caller",
        identity_check="ID card seen",
    )  # fmt: skip
    personal_request_erase(actor=users["supervisor"], request=request, is_held=lambda subject: False)
    survey = SurveyRequest.objects.get(call=low_score.call)
    assert survey.number == "" and survey.score == 1
    # A reply from the number finds no survey any more.
    assert survey_reply_apply(number=MOBILE, text="5") is None


def test_operators_write_down_complaints_and_opt_outs_over_the_api(ended_call, client_for):
    call = ended_call(MOBILE)
    api = client_for("operator")
    opened = api.post("/api/complaints/", {"call": call.pk, "text": "Nobody called back."}, format="json")
    assert opened.status_code == 201
    complaint = Complaint.objects.get(pk=opened.json()["id"])
    assert (complaint.call, complaint.source, complaint.status) == (call, "operator", "open")
    assert call.events.filter(kind="feedback.complaint_opened", data__complaint=complaint.pk).exists()

    opted = api.post("/api/survey-opt-outs/", {"number": "347 123 4567"}, format="json")
    assert opted.status_code == 201 and opted.json()["how"] == "operator"
    assert api.post("/api/survey-opt-outs/", {"number": "not a number"}, format="json").status_code == 400
    assert surveys_send_due() == 0  # the opted-out number's call is not surveyed
