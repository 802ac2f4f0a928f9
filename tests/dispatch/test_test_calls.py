"""The quality group's test calls (issue 21): a supervisor marks an ended call, it leaves the
regulator's figures (counted apart), the history says who marked it, and the operator on the
call is never told while taking it."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dispatch import services
from dispatch.models import Event
from reports.figures import report_data
from reports.queries import service_level_report
from tests.reports.test_service_levels import call, rome

from .helpers import call_logged

pytestmark = pytest.mark.django_db


def ended(users, plant):
    logged = call_logged(users, plant)
    return services.call_update(actor=users["operator"], call=logged, ended_at=timezone.now())


def test_a_supervisor_marks_an_ended_call_and_its_history_says_who(users, plant):
    the_call = ended(users, plant)

    marked = services.call_test_flag(actor=users["supervisor"], call=the_call, is_test=True)
    again = services.call_test_flag(actor=users["supervisor"], call=the_call, is_test=True)

    assert marked.is_test and again.is_test
    events = Event.objects.filter(kind="call.test_flagged", call=the_call)
    assert [(e.actor.username, e.data) for e in events] == [("supervisor", {"is_test": True})]
    services.call_test_flag(actor=users["supervisor"], call=the_call, is_test=False)
    the_call.refresh_from_db()
    assert not the_call.is_test
    assert Event.objects.filter(kind="call.test_flagged", call=the_call).count() == 2


def test_a_call_in_progress_cannot_be_marked(users, plant):
    the_call = call_logged(users, plant)

    with pytest.raises(ValidationError) as refused:
        services.call_test_flag(actor=users["supervisor"], call=the_call, is_test=True)

    assert "is_test" in refused.value.message_dict
    the_call.refresh_from_db()
    assert not the_call.is_test


@pytest.mark.parametrize("role", ["operator", "technician", "utility"])
def test_only_a_supervisor_marks_a_test_call(users, plant, role):
    with pytest.raises(PermissionDenied):
        services.call_test_flag(actor=users[role], call=ended(users, plant), is_test=True)


def test_the_api_marks_it_and_shows_it(users, plant, client_for):
    the_call = ended(users, plant)

    answer = client_for("supervisor").post(
        f"/api/calls/{the_call.pk}/test-call/", {"is_test": True}, format="json"
    )

    assert answer.status_code == 200, answer.content
    assert answer.json()["is_test"] is True
    assert client_for("operator").get(f"/api/calls/{the_call.pk}/").json()["is_test"] is True
    bad = client_for("supervisor").post(
        f"/api/calls/{the_call.pk}/test-call/", {"is_test": "maybe"}, format="json"
    )
    assert bad.status_code == 400 and "is_test" in bad.json()


def test_the_call_page_offers_the_mark_to_a_supervisor_only_once_the_call_has_ended(users, plant, browser):
    in_progress, done = call_logged(users, plant), ended(users, plant)

    assert "Mark as a test call" not in browser("supervisor").get(f"/calls/{in_progress.pk}/").text
    assert "Mark as a test call" not in browser("operator").get(f"/calls/{done.pk}/").text
    page = browser("supervisor")
    assert "Mark as a test call" in page.get(f"/calls/{done.pk}/").text
    after = page.post(f"/calls/{done.pk}/test-call/", {"is_test": "1"}, follow=True)
    assert "Marked as a test call" in after.text
    assert "Not a test call" in after.text
    assert "Marked as a test call: left out of the regulator" in after.text  # the history's sentence


def test_the_regulators_figures_leave_test_calls_out_and_count_them(users, plant, customer):
    calls = [call(plant, rome(2026, 3, 10, 9, minute), answer_s=30, ended_s=200) for minute in range(3)]
    services.call_test_flag(actor=users["supervisor"], call=calls[0], is_test=True)

    report = service_level_report(
        customer=customer, date_from=dt.date(2026, 3, 1), date_to=dt.date(2026, 3, 31)
    )

    data = report_data(report)
    gas = next(p for p in data["profiles"] if p["rules"]["service"] == "gas")
    assert gas["total"]["calls"] == 2
    assert data["test_calls"] == 1
