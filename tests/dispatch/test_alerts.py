"""The staff's alert banner (dispatch:alerts, polled by every staff page) and the switch for its
sound: a call ringing at the user, critical interventions opened since they last dismissed them."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dispatch import selectors, services
from dispatch.choices import InterventionStatus, Priority
from dispatch.models import WorkstationPreference
from telephony import services as telephony_services

from .helpers import call_logged, intervention_in

pytestmark = pytest.mark.django_db

ALERTS = reverse("dispatch:alerts")
ACKNOWLEDGE = reverse("dispatch:alerts-acknowledge")
SOUND = reverse("dispatch:alerts-sound")
HTMX = {"HTTP_HX_REQUEST": "true"}


def ring(call_id="pbx-1", agent="operator", caller="+39 02 1234 5678", line="800-900-000"):
    call, _created = telephony_services.telephony_event_apply(
        call_id=call_id,
        event="ring",
        occurred_at=timezone.now(),
        caller_number=caller,
        agent=agent,
        line=line,
    )
    return call


def critical(plant, actor, summary="Gas smell in the cellar"):
    return services.intervention_open(actor=actor, plant=plant, summary=summary, priority=Priority.CRITICAL)


def banner(client) -> str:
    response = client.get(ALERTS)
    assert response.status_code == 200
    return response.content.decode()


def test_a_call_ringing_at_the_operator_shows_until_answered_on_every_page(users, plant, browser):
    client = browser("operator")
    assert "alert-item" not in banner(client)

    call = ring()

    page = banner(client)
    assert 'role="alert"' in page and "data-ringing" in page
    assert "Call ringing from +390212345678 on line 800-900-000" in page
    assert f'href="{reverse("dispatch:call-detail", args=[call.pk])}"' in page
    # Still ringing once the call screen is open (the poll opened it, then the banner stays).
    assert client.get(reverse("dispatch:call-detail", args=[call.pk])).status_code == 200
    assert "Call ringing from" in banner(client)

    telephony_services.telephony_event_apply(call_id="pbx-1", event="answer", occurred_at=timezone.now())
    assert "Call ringing" not in banner(client)


def test_on_the_ringing_calls_own_screen_the_banner_is_for_screen_readers_only(users, plant, browser):
    client = browser("operator")
    call = ring()
    own_screen = f"http://testserver{reverse('dispatch:call-detail', args=[call.pk])}"

    here = client.get(ALERTS, HTTP_HX_CURRENT_URL=own_screen, **HTMX).content.decode()
    elsewhere = client.get(ALERTS, HTTP_HX_CURRENT_URL="http://testserver/board/", **HTMX).content.decode()

    assert 'class="alert-item alert-call visually-hidden" role="alert"' in here
    assert "data-alert-tone" in here  # the tone still plays
    assert 'class="alert-item alert-call" role="alert"' in elsewhere


def test_a_call_ringing_at_someone_else_or_logged_by_hand_shows_nothing(users, plant, browser):
    ring(agent="supervisor")
    call_logged(users, plant)  # the operator's own, typed in: it never rang

    assert "alert-item" not in banner(browser("operator"))
    assert "Call ringing from +390212345678" in banner(browser("supervisor"))


def test_a_withheld_number_is_said_so(users, browser):
    ring(caller="", line="")
    assert "Call ringing from a withheld number" in banner(browser("operator"))


def test_a_critical_intervention_alerts_once_until_dismissed(users, plant, browser):
    client = browser("operator")
    first = critical(plant, users["supervisor"])

    page = banner(client)
    assert f"Critical intervention #{first.pk} opened: plant P1" in page
    assert f'href="{reverse("dispatch:intervention-detail", args=[first.pk])}"' in page
    assert f'name="upto" value="{first.pk}"' in page
    assert "Critical intervention" in banner(client)  # polling again does not dismiss it

    assert client.post(ACKNOWLEDGE, {"upto": first.pk, "next": "/calls/"}).url == "/calls/"
    assert "Critical intervention" not in banner(client)

    second = critical(plant, None)  # an alarm opened it
    page = banner(client)
    assert f"Critical intervention #{second.pk}" in page and f"#{first.pk} " not in page
    # Another operator's session has dismissed nothing.
    assert f"Critical intervention #{first.pk}" in banner(browser("operator"))


def test_dismissing_keeps_an_alert_that_came_after_the_banner_was_drawn(users, plant, browser):
    client = browser("operator")
    shown = critical(plant, users["supervisor"])
    later = critical(plant, users["supervisor"])

    page = client.post(ACKNOWLEDGE, {"upto": shown.pk}, **HTMX).content.decode()

    assert f"Critical intervention #{later.pk}" in page and f"Critical intervention #{shown.pk}" not in page
    client.post(ACKNOWLEDGE, {"upto": shown.pk})  # an older dismissal does not bring anything back
    assert f"Critical intervention #{later.pk}" in banner(client)


def test_only_new_open_critical_interventions_others_opened_alert(users, plant, browser):
    services.intervention_open(
        actor=users["supervisor"], plant=plant, summary="Lift stuck", priority=Priority.HIGH
    )
    critical(plant, users["operator"])  # their own: they know
    intervention_in(InterventionStatus.CANCELLED, users=users, plant=plant)  # not critical anyway
    closed = critical(plant, users["supervisor"])
    services.intervention_cancel(actor=users["supervisor"], intervention=closed, reason="duplicate")
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() - timedelta(hours=2)):
        critical(plant, users["supervisor"])  # the board's business by now

    assert "Critical intervention" not in banner(browser("operator"))
    assert "Critical intervention" in banner(browser("supervisor"))  # the operator's own, for them


def test_more_critical_interventions_than_shown_point_to_the_board(users, plant, browser):
    opened = [critical(plant, users["supervisor"]) for _ in range(4)]
    page = banner(browser("operator"))
    assert page.count('class="alert-item alert-critical"') == 3
    assert f"#{opened[0].pk} opened" not in page and f"#{opened[3].pk} opened" in page
    assert "More critical interventions: see the board" in page
    assert f'name="upto" value="{opened[3].pk}"' in page


def test_the_alerts_follow_what_the_user_may_see(users, plant, other_plant):
    mine, theirs = critical(plant, users["supervisor"]), critical(other_plant, users["supervisor"])
    for name, expected in [("utility", [mine]), ("utility_b", [theirs]), ("operator", [theirs, mine])]:
        assert selectors.alerts_for_user(user=users[name], critical_after=0).critical == expected, name


def test_the_poll_costs_the_same_queries_and_writes_only_the_session(
    users, plant, browser, django_assert_num_queries
):
    client = browser("operator")
    client.get(ALERTS)  # the session's first read
    with django_assert_num_queries(4):  # session, user, critical interventions, call
        assert "alert-item" not in banner(client)
    ring()
    for _ in range(5):
        critical(plant, users["supervisor"])
    with CaptureQueriesContext(connection) as queries:
        page = banner(client)
    assert "Call ringing" in page and page.count("alert-critical") == 3
    statements = [q["sql"] for q in queries if not q["sql"].upper().startswith(("SAVEPOINT", "RELEASE"))]
    reads = [sql for sql in statements if sql.upper().startswith("SELECT") and "django_session" not in sql]
    assert len(reads) == 4 - 1  # the same reads (the session aside)
    writes = [sql for sql in statements if not sql.upper().startswith("SELECT")]
    # Only the session, remembering that the call was opened on the screen.
    assert writes and all("django_session" in sql for sql in writes), writes


@pytest.mark.parametrize("name", ["technician", "utility", "norole"])
def test_only_staff_are_polled_or_may_dismiss_or_switch_the_sound(users, browser, name):
    client = browser(name)
    assert client.get(ALERTS).status_code == 403
    assert client.post(ACKNOWLEDGE, {"upto": 1}).status_code == 403
    assert client.post(SOUND, {"muted": "1"}).status_code == 403
    assert not WorkstationPreference.objects.exists()


@pytest.mark.parametrize("name", ["technician", "utility"])
def test_pages_of_other_roles_have_no_poll_and_no_switch(users, browser, name):
    page = browser(name).get(reverse("dispatch:intervention-list")).content.decode()
    assert ALERTS not in page and SOUND not in page and 'id="alerts"' not in page


def test_the_alert_sound_switch_is_stored_per_user_and_shown_on_every_page(users, browser):
    client = browser("operator")
    board = client.get(reverse("dispatch:board")).content.decode()
    assert 'id="alert-sound"' in board and 'aria-pressed="true"' in board and f'hx-get="{ALERTS}"' in board

    response = client.post(SOUND, {"muted": "1", "next": "/calls/?q=gas"})

    assert response.status_code == 302 and response.url == "/calls/?q=gas"
    assert WorkstationPreference.objects.get(user=users["operator"]).alerts_muted is True
    calls = browser("operator").get(reverse("dispatch:call-list")).content.decode()
    assert 'id="alert-sound" class="alert-sound" type="submit" aria-pressed="false"' in calls
    assert 'name="muted" value="0"' in calls
    assert 'aria-pressed="true"' in browser("supervisor").get(reverse("dispatch:board")).content.decode()

    switched = client.post(SOUND, {"muted": "0", "next": "/board/"}, **HTMX).content.decode()
    assert switched.startswith("<form") and 'aria-pressed="true"' in switched and "<html" not in switched
    assert WorkstationPreference.objects.get(user=users["operator"]).alerts_muted is False


def test_the_banner_still_shows_when_the_sound_is_off(users, browser):
    services.workstation_preference_set(user=users["operator"], alerts_muted=True)
    ring()
    assert "Call ringing from" in banner(browser("operator"))


@pytest.mark.parametrize("body", [{}, {"muted": "yes"}, {"muted": ""}, {"muted": ["1", "x"]}])
def test_a_switch_without_a_clear_value_is_refused(users, browser, body):
    response = browser("operator").post(SOUND, body)
    assert response.status_code == 400 and not WorkstationPreference.objects.exists()


@pytest.mark.parametrize("upto", ["", "x", "0", "-3", "1e3", "99999999999999999999999"])
def test_a_dismissal_without_a_clear_id_is_refused(users, plant, browser, upto):
    client = browser("operator")
    critical(plant, users["supervisor"])
    assert client.post(ACKNOWLEDGE, {"upto": upto}).status_code == 400
    assert "Critical intervention" in banner(client)


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/", "", "javascript:alert(1)"])
def test_the_way_back_stays_on_this_site(users, browser, next_url):
    client = browser("operator")
    assert client.post(SOUND, {"muted": "1", "next": next_url}).url == reverse("dispatch:board")
    assert client.post(ACKNOWLEDGE, {"upto": 5, "next": next_url}).url == reverse("dispatch:board")
