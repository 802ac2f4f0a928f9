"""Timed callbacks: scheduled on a call or intervention, reminded once when due, flagged when
overdue, completed into the history; staff only."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from dispatch import selectors, services
from dispatch.errors import TransitionNotAllowed
from dispatch.models import Callback, Event
from notifications.models import ContactPoint, Notification

from .helpers import call_logged

pytestmark = pytest.mark.django_db


def call_kinds(call):
    return list(Event.objects.filter(call=call).order_by("seq").values_list("kind", flat=True))


def test_a_callback_defaults_to_the_callers_number_and_goes_into_the_history(users, plant):
    call = call_logged(users, plant)
    due = timezone.now() + timedelta(minutes=15)
    callback = services.callback_schedule(
        actor=users["operator"], call=call, due_at=due, note="Outcome of check"
    )
    assert callback.number == call.caller_number and callback.status == "scheduled"
    assert call_kinds(call)[-1] == "callback.scheduled"


def test_only_staff_schedule_and_the_time_must_not_be_past(users, plant):
    call = call_logged(users, plant)
    with pytest.raises(PermissionDenied):
        services.callback_schedule(actor=users["technician"], call=call, due_at=timezone.now())
    with pytest.raises(ValidationError):
        services.callback_schedule(
            actor=users["operator"], call=call, due_at=timezone.now() - timedelta(hours=1)
        )
    with pytest.raises(ValidationError):
        services.callback_schedule(
            actor=users["operator"], call=call, due_at=timezone.now(), number="not a number"
        )


def test_due_callbacks_are_reminded_once_and_flagged_overdue_later(
    users, plant, settings, fake_gateway, django_capture_on_commit_callbacks
):
    settings.PRONTO_CALLBACK_OVERDUE_MINUTES = 5
    operator = users["operator"]
    ContactPoint.objects.create(user=operator, channel="sms", address="+393330000001")
    call = call_logged(users, plant)
    due = timezone.now() + timedelta(minutes=10)
    callback = services.callback_schedule(actor=operator, call=call, due_at=due, assigned_to=operator)
    assert services.callbacks_remind(now=due - timedelta(seconds=1)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.callbacks_remind(now=due) == 1
        assert services.callbacks_remind(now=due + timedelta(minutes=1)) == 0
    callback.refresh_from_db()
    assert callback.reminded_at == due
    assert call_kinds(call)[-1] == "callback.due"
    reminder = Notification.objects.get(callback=callback)
    assert reminder.reason == "callback_due" and reminder.recipient == "+393330000001"
    assert reminder.next_attempt_at == due
    # Due at the reminder's time (simulated here, ahead of the clock); it names whom to call.
    assert call.caller_number in reminder.body and reminder.status == "pending"
    assert selectors.callback_is_due(callback, now=due) and not selectors.callback_is_overdue(
        callback, now=due
    )
    assert selectors.callback_is_overdue(callback, now=due + timedelta(minutes=5))


def test_completing_records_the_outcome_once(users, plant):
    call = call_logged(users, plant)
    callback = services.callback_schedule(actor=users["operator"], call=call, due_at=timezone.now())
    with pytest.raises(ValidationError):
        services.callback_complete(actor=users["operator"], callback=callback, outcome=" ")
    done = services.callback_complete(actor=users["operator"], callback=callback, outcome="Told: plant OK")
    assert done.status == "done" and done.completed_by == users["operator"]
    assert call_kinds(call)[-1] == "callback.completed"
    with pytest.raises(TransitionNotAllowed):
        services.callback_cancel(actor=users["supervisor"], callback=callback)
    assert not selectors.callback_is_overdue(done, now=timezone.now() + timedelta(days=1))


def test_callbacks_api_for_staff(users, plant, client_for):
    call = call_logged(users, plant)
    operator = client_for("operator")
    due = (timezone.now() + timedelta(minutes=30)).isoformat()
    created = operator.post(
        "/api/callbacks/", {"call": call.pk, "due_at": due, "note": "Call back"}, format="json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["number"] == call.caller_number and body["due"] is False and body["overdue"] is False
    listed = operator.get("/api/callbacks/?open=1").json()
    assert [c["id"] for c in listed["results"]] == [body["id"]]
    done = operator.post(f"/api/callbacks/{body['id']}/complete/", {"outcome": "Reached"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "done"


@pytest.mark.parametrize("role", ["technician", "utility", "norole"])
def test_callbacks_api_refuses_other_roles(users, plant, client_for, role):
    call = call_logged(users, plant)
    callback = services.callback_schedule(actor=users["operator"], call=call, due_at=timezone.now())
    client = client_for(role)
    assert client.get("/api/callbacks/").status_code == 403
    due = timezone.now().isoformat()
    assert client.post("/api/callbacks/", {"call": call.pk, "due_at": due}, format="json").status_code == 403
    assert client.post(f"/api/callbacks/{callback.pk}/complete/", {"outcome": "x"}).status_code == 403


def due_callback(users, plant, *, minutes_ago, assigned_to=None, note=""):
    callback = services.callback_schedule(
        actor=users["operator"], call=call_logged(users, plant), due_at=timezone.now() + timedelta(minutes=1),
        assigned_to=assigned_to, note=note,
    )  # fmt: skip
    Callback.objects.filter(pk=callback.pk).update(due_at=timezone.now() - timedelta(minutes=minutes_ago))
    return callback


def test_every_staff_page_names_the_callbacks_due_to_whoever_should_make_them(
    users, plant, browser, settings
):
    from tests.factories import UserFactory

    settings.PRONTO_CALLBACK_OVERDUE_MINUTES = 10
    other = UserFactory(username="operator2", role="operator")
    anyone = due_callback(users, plant, minutes_ago=30, note="Tell them the valve is shut")
    mine = due_callback(users, plant, minutes_ago=1, assigned_to=users["operator"])
    theirs = due_callback(users, plant, minutes_ago=2, assigned_to=other)
    due_callback(users, plant, minutes_ago=-60)  # not yet due

    page = browser("operator").get(reverse("dispatch:callbacks-due")).content.decode()
    assert "(2)" in page and 'role="alert"' in page and "Tell them the valve is shut" in page
    assert f"Call #{anyone.call_id}" in page and f"Call #{mine.call_id}" in page
    assert f"Call #{theirs.call_id}" not in page
    assert page.count(">overdue<") == 1  # 30 minutes past, beyond the 10 minutes' grace
    supervisor = browser("supervisor").get(reverse("dispatch:callbacks-due")).content.decode()
    assert "(3)" in supervisor and f"Call #{theirs.call_id}" in supervisor
    board = browser("operator").get(reverse("dispatch:board")).content.decode()
    assert reverse("dispatch:callbacks-due") in board and 'id="callbacks-alert"' in board


def test_the_alert_lists_the_first_three_and_counts_the_rest(users, plant, browser):
    for minutes in range(5):
        due_callback(users, plant, minutes_ago=minutes + 1)
    page = browser("operator").get(reverse("dispatch:callbacks-due")).content.decode()
    assert "(5)" in page and page.count("📞") == 3 and "and 2 more" in page


def test_no_alert_when_nothing_is_due(users, plant, browser):
    due_callback(users, plant, minutes_ago=-30)
    page = browser("operator").get(reverse("dispatch:callbacks-due")).content.decode()
    assert 'role="alert"' not in page and "(" not in page.split("</a>")[0]


@pytest.mark.parametrize("role", ["technician", "utility", "norole"])
def test_the_callbacks_due_are_staff_only(users, browser, role):
    assert browser(role).get(reverse("dispatch:callbacks-due")).status_code == 403
