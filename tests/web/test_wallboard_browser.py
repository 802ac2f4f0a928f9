"""The wallboard and the console strip (issue 17) in a real browser: they follow the queue with no
reload. With ``PRONTO_SCREENSHOTS=<folder>`` the populated wallboard is saved there as
``wallboard.png`` (docs/screenshots)."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import expect

from routing.choices import OperatorState, PauseReason
from routing.models import Line, Queue, RoutingRule, RuleSetVersion
from routing.selectors import day_start
from routing.services.operators import operator_state_choose
from routing.waits import snapshot_cache_clear
from teams.models import Team
from tests.routing.helpers import SECRET, ask, operator, report
from tests.web.test_accessibility import axe_violations
from tests.web.test_whole_flow import shoot

pytestmark = [pytest.mark.real_component, pytest.mark.django_db(transaction=True)]

PEOPLE = [
    ("giulia", "Giulia", "Rossi"),
    ("marco", "Marco", "Bianchi"),
    ("luca", "Luca", "Ferrari"),
    ("elena", "Elena", "Galli"),
    ("sara", "Sara", "Conti"),
    ("paolo", "Paolo", "Ricci"),
]


@pytest.fixture
def router(settings, monkeypatch, groups):
    """The phone system's secret, the shipped caller classes (a transactional test flushes
    them), two queues by line, and a clock never in the first hour of the day (the morning's
    calls must all be today's)."""
    settings.PRONTO_TELEPHONY_SECRET = SECRET
    snapshot_cache_clear()
    real = timezone.now()
    shift = day_start(real) + timedelta(hours=2) - real
    if shift > timedelta(0):
        original = timezone.now
        monkeypatch.setattr(timezone, "now", lambda: original() + shift)
    importlib.import_module("routing.migrations.0002_caller_classes").classes_create(apps, None)
    gas = Queue.objects.create(code="gas", name="Gas emergencies")
    lifts = Queue.objects.create(code="lifts", name="Lifts and doors")
    version = RuleSetVersion.objects.create(number=1, published_at=timezone.now() - timedelta(days=1))
    line = Line.objects.create(number="800200", name="Lifts")
    RoutingRule.objects.create(version=version, position=1, name="Lifts line", line=line, queue=lifts)
    RoutingRule.objects.create(version=version, position=2, name="Everything else", queue=gas)
    yield timezone.now()
    snapshot_cache_clear()


def busy_centre(now) -> None:
    """A morning in a centre: ten calls answered (two after 120 s), two on calls now, one in
    wrap-up, one ringing, one on a break, one signed off; two callers gave up; three wait."""
    t = lambda seconds: now - timedelta(seconds=seconds)  # noqa: E731 - reads as the timeline
    north = Team.objects.create(code="north", name="North", region="Emilia")
    south = Team.objects.create(code="south", name="South", region="Lazio")
    profiles = {}
    for index, (username, first, last) in enumerate(PEOPLE):
        state = OperatorState.SIGNED_OFF if username == "paolo" else OperatorState.AVAILABLE
        profiles[username] = operator(
            username,
            state=state,
            idle_since=t(9000 - 600 * index),
            wrap_up_seconds=150,
            team=north if index % 2 else south,
        )
        profiles[username].user.first_name, profiles[username].user.last_name = first, last
        profiles[username].user.save()
    operator_state_choose(actor=profiles["sara"].user, state=OperatorState.PAUSED, reason=PauseReason.BREAK)
    waits = [8, 15, 22, 140, 30, 12, 95, 180, 18, 25]
    for i, wait in enumerate(waits):
        arrived = t(5000 - i * 400)
        line = "800200" if i % 3 == 2 else "800100"
        call_id = f"morning-{i}"
        answer = ask(call_id, caller=f"+3906123450{i:02d}", line=line, at=arrived)
        assert answer["action"] == "offer", answer
        report(call_id, "answer", agent=answer["agent"], at=arrived + timedelta(seconds=wait))
        report(call_id, "hangup", at=arrived + timedelta(seconds=wait + 200))
    for call_id, at, answered, hangup, line in (
        ("live-1", 420, 400, None, "800100"),
        ("live-2", 260, 100, None, "800200"),
        ("live-3", 200, 190, 20, "800100"),
    ):
        answer = ask(call_id, caller=f"+39051765{at:04d}", line=line, at=t(at))
        report(call_id, "answer", agent=answer["agent"], at=t(answered))
        if hangup:
            report(call_id, "hangup", at=t(hangup))
    ringing = ask("live-4", caller="+390517650008", at=t(8))
    report("live-4", "offered", agent=ringing["agent"], at=t(7))
    for call_id, at, gone in (("gone-1", 1500, 1430), ("gone-2", 700, 610)):
        assert ask(call_id, caller=f"+39347123{at:04d}", at=t(at))["action"] == "queue"
        report(call_id, "abandoned", at=t(gone))
    for call_id, at, line in (("wait-1", 140, "800100"), ("wait-2", 75, "800200"), ("wait-3", 40, "800100")):
        assert ask(call_id, caller=f"+39335900{at:04d}", line=line, at=t(at))["action"] == "queue"


def test_the_wallboard_follows_the_queue_without_a_reload(signed_in, router):
    busy_centre(router)
    page = signed_in("supervisor", path="/wallboard/")
    expect(page.get_by_role("heading", name="Wallboard")).to_be_visible()
    board = page.locator("#wallboard")
    expect(board.locator("#wb-waiting")).to_have_text("3")
    expect(board.locator("#wb-answered")).to_have_text("13")
    expect(board.locator("#wb-abandoned")).to_have_text("2")
    expect(board.locator("#wb-state-on_call")).to_have_text("2")
    expect(board.locator("#wb-state-paused")).to_have_text("1")
    expect(board.locator("table.wb-queues tbody tr").first).to_contain_text("Gas emergencies")
    expect(board.locator("table.wb-operators")).to_contain_text("Sara Conti")
    page.set_viewport_size({"width": 1600, "height": 900})
    shoot(page, "wallboard")

    ask("new-caller", caller="+390612349999", at=timezone.now())
    expect(board.locator("#wb-waiting")).to_have_text("4", timeout=6_000)
    expect(page.locator("table.wb-queues tr", has_text="Gas emergencies")).to_contain_text("3")
    # Same document: the figures came by the wallboard's own refresh.
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    assert axe_violations(page) == []

    # From the wallboard to the callers who gave up, and one called back.
    page.get_by_role("link", name="Abandoned calls to call back").click()
    expect(page.get_by_role("heading", name="Abandoned calls")).to_be_visible()
    rows = page.locator("table.abandoned-calls tbody tr")
    expect(rows).to_have_count(2)
    assert axe_violations(page) == []
    rows.first.get_by_role("button", name="Call back +393471230700").click()
    expect(page.get_by_role("status")).to_contain_text("Callback to +393471230700 scheduled")
    expect(rows.first).to_contain_text("Callback scheduled")
    expect(rows.nth(1).get_by_role("button", name="Call back +393471231500")).to_be_visible()


def test_the_operator_pauses_from_the_strip_on_the_board_and_sees_the_queue(signed_in, router, users):
    from routing.models import OperatorProfile

    OperatorProfile.objects.create(
        user=users["operator"], state=OperatorState.AVAILABLE, state_since=router, idle_since=router
    )
    operator("busy", state=OperatorState.ON_CALL)
    page = signed_in("operator")
    strip = page.locator("#console-strip")
    expect(strip.locator("#console-state")).to_have_text("Available")
    expect(strip).to_contain_text("No calls waiting.")

    strip.get_by_label("Pause reason").select_option(label="Training")
    strip.get_by_role("button", name="Pause").click()
    expect(strip.locator("#console-state")).to_have_text("Paused (Training)")
    expect(strip.get_by_role("status")).to_have_text("Your state is now: Paused.")

    ask("waiting", caller="+390612340001", at=timezone.now() - timedelta(seconds=30))
    expect(strip).to_contain_text("1 call waiting", timeout=6_000)
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
