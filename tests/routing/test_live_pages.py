"""The live pages (issue 17): the wallboard and its refresh, the strip on the operator's console,
the abandoned calls and their "call back" button. Calls are made as the phone system makes them,
through the signed route endpoint and the webhook (tests/routing/helpers.py)."""

import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from dispatch.choices import Role
from dispatch.models import Callback
from routing.choices import OperatorState, PauseReason, RouteState
from routing.models import CallRoute, OperatorProfile, Queue, RoutingRule, RuleSetVersion
from routing.selectors import day_start
from routing.services.operators import operator_state_choose
from tests.factories import UserFactory
from tests.routing.helpers import ask, operator, report

pytestmark = pytest.mark.django_db


@pytest.fixture
def now(monkeypatch):
    """Now, but never in the first hour of the day: the scenarios reach ten minutes back and
    all of it must be "today" (the clock runs on, shifted, when the real one is past midnight)."""
    real = timezone.now()
    shift = day_start(real) + timedelta(hours=1) - real
    if shift > timedelta(0):
        original = timezone.now
        monkeypatch.setattr(timezone, "now", lambda: original() + shift)
    return timezone.now()


@pytest.fixture
def gas_queue(now):
    queue = Queue.objects.create(code="gas", name="Gas emergencies")
    version = RuleSetVersion.objects.create(number=1, published_at=now - timedelta(days=1))
    RoutingRule.objects.create(version=version, position=1, name="Everything", queue=queue)
    return queue


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def busy_morning(now) -> dict:
    """Two operators on calls, one paused, one signed off; three calls answered today (two
    within 120 s, one after 150 s), a caller who gave up, two waiting (95 s and 30 s)."""
    t = lambda seconds: now - timedelta(seconds=seconds)  # noqa: E731 - reads as the timeline
    anna = operator("anna", idle_since=t(3600))
    bruno = operator("bruno", idle_since=t(1800))
    carla = operator("carla", idle_since=t(60))
    dario = operator("dario", state=OperatorState.SIGNED_OFF)
    operator_state_choose(actor=carla.user, state=OperatorState.PAUSED, reason=PauseReason.BREAK)

    assert ask("fast", at=t(600))["agent"] == "anna"
    report("fast", "answer", agent="anna", at=t(590))
    report("fast", "hangup", at=t(500))
    assert ask("slow", caller="+390612345002", at=t(400))["agent"] == "bruno"
    report("slow", "answer", agent="bruno", at=t(250))
    assert ask("third", caller="+390612345003", at=t(200))["agent"] == "anna"
    report("third", "answer", agent="anna", at=t(195))
    assert ask("gone", caller="+390612345004", at=t(100))["action"] == "queue"
    report("gone", "abandoned", at=t(60))
    assert ask("wait-1", caller="+390612345005", at=t(95))["action"] == "queue"
    assert ask("wait-2", caller="+390612345006", line="800200", at=t(30))["action"] == "queue"
    return {"anna": anna, "bruno": bruno, "carla": carla, "dario": dario}


def text_of(response) -> str:
    """The page's text with its tags and runs of spaces collapsed, as a reader sees it."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def last_message(response) -> str:
    """The message a redirect carries (the ones before it are still queued, no page shown them)."""
    return [str(m) for m in get_messages(response.wsgi_request)][-1]


def figure(response, element_id: str) -> str:
    html = response.content.decode()
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</', html, re.S)
    assert found, f"no #{element_id} in the page"
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def test_the_wallboard_shows_the_mornings_figures(groups, gas_queue, now):
    busy_morning(now)
    supervisor = UserFactory(username="sue", role=Role.SUPERVISOR)
    response = signed_in(supervisor).get("/wallboard/")
    assert response.status_code == 200
    html, text = response.content.decode(), text_of(response)

    assert figure(response, "wb-waiting") == "2"
    assert figure(response, "wb-answered") == "3"
    assert figure(response, "wb-abandoned") == "1"
    # 2 of the 6 calls that reached the queue today were answered within 120 s.
    assert figure(response, "wb-share") == "33%"
    assert "2 of 6" in text
    # The queue: two waiting, the longest since 95 s ago.
    # Queued 95 s before the page was asked; a loaded machine takes a few seconds more to get there.
    assert re.search(r"Gas emergencies 2 1:(3[5-9]|4\d) ", text), text
    # Operators by state: both on calls, one paused, one signed off (counted, not listed).
    counts = {state: figure(response, f"wb-state-{state}") for state in OperatorState.values}
    assert counts == {
        "available": "0", "offered": "0", "on_call": "2", "wrap_up": "0", "paused": "1", "signed_off": "1",
    }  # fmt: skip
    assert re.search(r"anna On a call \d\d:\d\d 3:1\d", text), text
    assert re.search(r"bruno On a call \d\d:\d\d 4:1\d", text), text
    assert "carla Paused (Break)" in text
    assert "dario" not in text
    # Per line: 800100 had 5 calls, 3 answered, 2 within 120 s (40%); 800200 one, waiting.
    assert "800100 5 3 2 40%" in text
    assert "800200 1 0 0 0%" in text
    # Live: the body asks its own URL again; the abandoned count links to the list.
    assert 'hx-get="/wallboard/live/"' in html and 'hx-trigger="every 2s"' in html
    assert 'href="/abandoned/"' in html


def test_the_wallboards_refresh_is_its_body_alone_and_follows_the_queue(groups, gas_queue, now):
    operator("anna", state=OperatorState.ON_CALL)
    client = signed_in(UserFactory(username="olga", role=Role.OPERATOR))
    before = client.get("/wallboard/live/")
    assert before.status_code == 200
    assert "<html" not in before.content.decode() and 'id="wallboard"' in before.content.decode()
    assert figure(before, "wb-waiting") == "0"

    ask("new-caller", at=now - timedelta(seconds=12))
    after = client.get("/wallboard/live/")
    assert figure(after, "wb-waiting") == "1"
    assert re.search(r"Gas emergencies 1 0:1[23] ", text_of(after))


def test_a_wrap_up_that_has_run_out_shows_as_available(groups, gas_queue, now):
    anna = operator("anna", state=OperatorState.WRAP_UP, wrap_up_until=now - timedelta(seconds=5))
    response = signed_in(anna.user).get("/wallboard/live/")
    assert figure(response, "wb-state-available") == "1" and figure(response, "wb-state-wrap_up") == "0"
    assert "anna Available" in text_of(response)


@pytest.mark.parametrize("path", ["/wallboard/", "/wallboard/live/", "/console/strip/", "/abandoned/"])
def test_the_live_pages_are_for_operators_and_supervisors(groups, customer, path):
    for role in (Role.OPERATOR, Role.SUPERVISOR):
        assert signed_in(UserFactory(role=role)).get(path).status_code == 200
    assert signed_in(UserFactory(role=Role.TECHNICIAN)).get(path).status_code == 403
    assert signed_in(UserFactory(role=Role.UTILITY, customer=customer)).get(path).status_code == 403
    anonymous = Client().get(path)
    assert anonymous.status_code == 302 and anonymous["Location"] == f"/accounts/login/?next={path}"


# ----------------------------------------------------------------------------------------------
# The console strip


def test_the_board_loads_the_strip_and_the_strip_shows_state_and_queues(groups, gas_queue, now):
    operator("anna", state=OperatorState.ON_CALL)
    olga = UserFactory(username="olga", role=Role.OPERATOR)
    client = signed_in(olga)
    board = client.get("/board/").content.decode()
    assert 'hx-get="/console/strip/"' in board

    strip = client.get("/console/strip/")
    assert figure(strip, "console-state") == "Signed off"
    assert "No calls waiting." in text_of(strip)
    # Reading the strip makes no profile: only a change of state does.
    assert not OperatorProfile.objects.filter(user=olga).exists()

    ask("w-1", at=now - timedelta(seconds=70))
    ask("w-2", caller="+390612345002", at=now - timedelta(seconds=20))
    text = text_of(client.get("/console/strip/"))
    assert re.search(r"2 calls waiting , longest 1:1[01] — Gas emergencies: 2 \(1:1[01]\)", text), text


def test_the_strip_buttons_change_the_operators_own_state(groups, now):
    olga = UserFactory(username="olga", role=Role.OPERATOR)
    client = signed_in(olga)
    htmx = {"HTTP_HX_REQUEST": "true"}

    response = client.post("/console/state/", {"state": "available"}, **htmx)
    assert response.status_code == 200
    assert "Your state is now: Available." in text_of(response)
    assert figure(response, "console-state") == "Available"
    profile = OperatorProfile.objects.get(user=olga)
    assert profile.state == OperatorState.AVAILABLE

    response = client.post("/console/state/", {"state": "paused", "reason": PauseReason.TRAINING}, **htmx)
    assert figure(response, "console-state") == "Paused (Training)"
    profile.refresh_from_db()
    assert profile.state == OperatorState.PAUSED and profile.pause_reason == PauseReason.TRAINING

    # Without JavaScript: a redirect back to the board, and the outcome as a message.
    response = client.post("/console/state/", {"state": "signed_off"})
    assert response.status_code == 302 and response["Location"] == "/board/"
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Your state is now: Signed off."]
    profile.refresh_from_db()
    assert profile.state == OperatorState.SIGNED_OFF
    states = list(profile.state_changes.values_list("state", flat=True))
    assert states == ["available", "paused", "signed_off"]


def test_the_strip_refuses_what_the_console_may_not_do(groups, now):
    anna = operator("anna", state=OperatorState.ON_CALL)
    client = signed_in(anna.user)

    response = client.post(
        "/console/state/", {"state": "paused", "reason": PauseReason.BREAK}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "You cannot go from “On a call” to “Paused” from the console." in text_of(response)
    assert 'role="alert"' in response.content.decode()
    assert figure(response, "console-state") == "On a call"

    response = client.post("/console/state/", {"state": "signed_off", "next": "/calls/"})
    assert response["Location"] == "/calls/"
    assert last_message(response) == "You cannot go from “On a call” to “Signed off” from the console."
    # A pause needs a reason; "did not answer" is the router's, not a choice; another site is no "next".
    anna.state = OperatorState.AVAILABLE
    anna.save()
    response = client.post(
        "/console/state/", {"state": "paused", "reason": "", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/board/"
    assert last_message(response) == "Say why you pause."
    response = client.post("/console/state/", {"state": "paused", "reason": PauseReason.NO_ANSWER})
    assert last_message(response) == "Say why you pause."
    anna.refresh_from_db()
    assert anna.state == OperatorState.AVAILABLE and not anna.state_changes.exists()


# ----------------------------------------------------------------------------------------------
# Abandoned calls


def abandoned(call_id: str, *, caller: str, at, waited: int = 40) -> CallRoute:
    assert ask(call_id, caller=caller, at=at)["action"] == "queue"
    report(call_id, "abandoned", at=at + timedelta(seconds=waited))
    return CallRoute.objects.get(call__external_id=call_id)


def test_the_call_back_button_schedules_a_callback_and_the_row_shows_it_handled(groups, gas_queue, now):
    operator("anna", state=OperatorState.ON_CALL)
    route = abandoned("gone", caller="0612345077", at=now - timedelta(minutes=3), waited=75)
    olga = UserFactory(username="olga", role=Role.OPERATOR)
    client = signed_in(olga)

    page = client.get("/abandoned/")
    text = text_of(page)
    assert "1 abandoned call on" in text
    assert re.search(r"\d\d:\d\d:\d\d \+390612345077 Silver Gas emergencies 1:15 Call back", text), text
    assert f'action="/abandoned/{route.pk}/callback/"' in page.content.decode()

    response = client.post(f"/abandoned/{route.pk}/callback/")
    assert response.status_code == 302 and response["Location"] == "/abandoned/"
    callback = Callback.objects.get(call=route.call)
    assert callback.number == "+390612345077" and callback.created_by == olga
    assert abs((callback.due_at - timezone.now()).total_seconds()) < 60

    page = client.get("/abandoned/")
    assert "Callback to +390612345077 scheduled: it is due now." in text_of(page)
    assert re.search(r"1:15 ✓ Callback scheduled", text_of(page))
    assert f"/abandoned/{route.pk}/callback/" not in page.content.decode()

    # A second click (or a colleague's) makes no second callback.
    client.post(f"/abandoned/{route.pk}/callback/")
    assert Callback.objects.filter(call=route.call).count() == 1
    assert "This caller already has a callback." in text_of(client.get("/abandoned/"))


def test_a_caller_who_pressed_1_or_withheld_the_number_has_no_button(groups, gas_queue, now):
    operator("anna", state=OperatorState.ON_CALL)
    hidden = abandoned("hidden", caller="", at=now - timedelta(minutes=2))
    client = signed_in(UserFactory(role=Role.SUPERVISOR))
    page = client.get("/abandoned/")
    assert "withheld" in text_of(page) and f"/abandoned/{hidden.pk}/callback/" not in page.content.decode()
    client.post(f"/abandoned/{hidden.pk}/callback/")
    assert not Callback.objects.exists()
    # Not abandoned (still waiting): refused too.
    ask("waiting", caller="0612345078", at=now - timedelta(seconds=10))
    waiting = CallRoute.objects.get(call__external_id="waiting")
    assert waiting.state == RouteState.QUEUED
    response = client.post(f"/abandoned/{waiting.pk}/callback/")
    assert last_message(response) == "This is not an abandoned call."
    assert not Callback.objects.exists()


def test_the_day_filter_shows_another_days_abandoned_calls(groups, gas_queue, now):
    operator("anna", state=OperatorState.ON_CALL)
    yesterday = now - timedelta(days=1)
    old = abandoned("old", caller="0612345081", at=yesterday)
    abandoned("new", caller="0612345082", at=now - timedelta(minutes=5))
    client = signed_in(UserFactory(role=Role.OPERATOR))

    today = text_of(client.get("/abandoned/"))
    assert "+390612345082" in today and "+390612345081" not in today
    day = timezone.localdate(yesterday).isoformat()
    page = client.get("/abandoned/", {"day": day})
    assert "+390612345081" in text_of(page) and "+390612345082" not in text_of(page)
    # Calling back from that day's list comes back to that day.
    response = client.post(f"/abandoned/{old.pk}/callback/", {"day": day})
    assert response["Location"] == f"/abandoned/?day={day}"
    assert Callback.objects.filter(call=old.call).exists()

    assert client.get("/abandoned/", {"day": "not-a-day"}).status_code == 400
