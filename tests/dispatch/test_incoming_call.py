"""The incoming call screen: a call ringing at an operator opens on their screen, once."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from telephony import services as telephony_services

from .helpers import call_logged

pytestmark = pytest.mark.django_db

INCOMING = reverse("dispatch:alerts")  # the staff pages' poll (tests/dispatch/test_alerts.py)


def ring(call_id="pbx-1", agent="operator", caller="+39 02 1234 5678", at=None):
    call, _created = telephony_services.telephony_event_apply(
        call_id=call_id, event="ring", occurred_at=at or timezone.now(), caller_number=caller, agent=agent
    )
    return call


def test_a_call_ringing_at_an_operator_opens_their_screen_once(users, plant, browser):
    client = browser("operator")
    assert client.get(INCOMING).status_code == 200 and "HX-Redirect" not in client.get(INCOMING)

    call = ring()

    first = client.get(INCOMING)
    assert first.status_code == 200
    assert first["HX-Redirect"] == reverse("dispatch:call-detail", args=[call.pk])
    assert "HX-Redirect" not in client.get(INCOMING)
    assert call.operator == users["operator"]


def test_a_call_already_opened_by_hand_is_not_opened_again(users, plant, browser):
    client = browser("operator")
    call = ring()

    assert client.get(reverse("dispatch:call-detail", args=[call.pk])).status_code == 200

    assert "HX-Redirect" not in client.get(INCOMING)


def test_calls_of_other_operators_ended_or_stale_ones_open_nothing(users, plant, browser):
    supervisor_call = ring(call_id="pbx-2", agent="supervisor")
    ended = ring(call_id="pbx-3")
    telephony_services.telephony_event_apply(call_id="pbx-3", event="hangup", occurred_at=timezone.now())
    ring(call_id="pbx-4", at=timezone.now() - timedelta(hours=2))

    assert "HX-Redirect" not in browser("operator").get(INCOMING)
    assert ended.pk != supervisor_call.pk
    assert browser("supervisor").get(INCOMING)["HX-Redirect"].endswith(f"/calls/{supervisor_call.pk}/")


def test_an_agent_who_is_not_staff_is_not_given_the_call(users, plant):
    call = ring(agent="technician")
    assert call.operator is None


def test_the_call_screen_shows_the_phone_systems_times_as_they_come(users, plant, browser):
    start = timezone.now() - timedelta(seconds=90)
    call = ring(at=start)
    earlier = call_logged(
        users, plant, received_at=start - timedelta(days=2), ended_at=start - timedelta(days=2)
    )
    client = browser("operator")
    status_url = reverse("dispatch:call-status", args=[call.pk])

    page = client.get(reverse("dispatch:call-detail", args=[call.pk])).content.decode()
    assert "Ringing" in page and f'hx-get="{status_url}"' in page and "data-timer-start" in page
    assert f"#{earlier.pk}" in page  # earlier calls from the same number

    telephony_services.telephony_event_apply(
        call_id="pbx-1", event="answer", occurred_at=start + timedelta(seconds=10)
    )
    assert "In conversation" in client.get(status_url).content.decode()
    telephony_services.telephony_event_apply(
        call_id="pbx-1", event="hangup", occurred_at=start + timedelta(seconds=75)
    )
    status = client.get(status_url).content.decode()

    assert "Ended" in status and "75" in status
    assert "hx-get" not in status and "data-timer-start" not in status  # nothing left to follow


@pytest.mark.parametrize("name", ["technician", "utility", "norole"])
def test_only_staff_have_calls_opened_for_them(users, browser, name):
    assert browser(name).get(INCOMING).status_code == 403


def test_the_call_status_follows_who_may_see_the_call(users, browser):
    call = ring()  # no plant identified yet: staff only
    url = reverse("dispatch:call-status", args=[call.pk])
    assert browser("supervisor").get(url).status_code == 200
    for name in ("utility", "technician"):
        assert browser(name).get(url).status_code == 404


def test_a_call_typed_in_by_hand_elsewhere_does_not_take_over_the_screen(users, plant, browser):
    call_logged(users, plant)  # through the API, say: the operator's, never rang, not ended
    assert "HX-Redirect" not in browser("operator").get(INCOMING)
