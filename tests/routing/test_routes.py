"""The router's decisions through its signed endpoints, with the webhook's events."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from dispatch.models import Call, Callback, Event
from routing.choices import OperatorState, PauseReason, RouteState, RuleAction
from routing.models import (
    CallerClass,
    CallerClassRule,
    CallRoute,
    Line,
    Queue,
    RoutingRule,
    RuleSetVersion,
    Skill,
)
from teams.models import Team
from tests.routing.helpers import ask, operator, poll, report

pytestmark = pytest.mark.django_db


def test_a_call_is_offered_to_the_longest_idle_operator_and_logged(groups):
    now = timezone.now()
    operator("anna", idle_since=now - timedelta(minutes=1))
    operator("bruno", idle_since=now - timedelta(minutes=5))
    answer = ask("c-1", at=now)
    assert answer["action"] == "offer" and answer["agent"] == "bruno"
    assert answer["uri"] == "sip:bruno@127.0.0.1" and answer["timeout"] == 15
    call = Call.objects.get(external_id="c-1")
    assert call.caller_number == "+390612345001" and call.line == "800100"
    assert call.operator.username == "bruno"
    route = CallRoute.objects.get(call=call)
    assert route.state == RouteState.OFFERED and route.caller_class.code == "silver"
    assert route.decisions.get().reason == "longest idle"
    # Routed while it was logged: the call's first event already names whom it rings at.
    (logged,) = Event.objects.filter(call=call)
    assert logged.kind == "call.logged" and logged.data["after"]["operator"] == "bruno"

    report("c-1", "offered", agent="bruno", at=now + timedelta(seconds=0.2))
    report("c-1", "answer", agent="bruno", at=now + timedelta(seconds=3))
    bruno = route.operator
    bruno.refresh_from_db()
    assert bruno.state == OperatorState.ON_CALL and bruno.current_call == call
    report("c-1", "hangup", at=now + timedelta(seconds=60))
    bruno.refresh_from_db()
    call.refresh_from_db()
    assert bruno.state == OperatorState.WRAP_UP and bruno.current_call is None
    assert bruno.wrap_up_until == now + timedelta(seconds=90)
    assert call.answered_at == now + timedelta(seconds=3) and call.duration_seconds == 60
    assert list(bruno.state_changes.values_list("state", flat=True)) == ["offered", "on_call", "wrap_up"]


def test_calls_wait_in_class_order_and_are_resumed_as_operators_free_up(groups):
    now = timezone.now()
    busy = operator("anna", state=OperatorState.ON_CALL)
    gold = CallerClass.objects.get(code="gold")
    CallerClassRule.objects.create(caller_class=gold, kind="number", number="+390612345003")
    assert ask("silver-1", caller="0612345002", at=now)["action"] == "queue"
    second = ask("gold-1", caller="0612345003", at=now + timedelta(seconds=1))
    assert second["action"] == "queue" and second["position"] == 1
    third = ask("silver-2", caller="0612345004", at=now + timedelta(seconds=2))
    # One operator, just started a call: three handle times (320 s by default) and wrap-ups ahead.
    assert third["position"] == 3 and abs(third["estimated_wait"] - 3 * (320 + 30)) < 0.1 * 3 * (320 + 30)
    assert poll(["silver-1", "gold-1", "silver-2"]) == []

    busy.state, busy.idle_since = OperatorState.AVAILABLE, now
    busy.save()
    assert poll(["silver-1", "gold-1", "silver-2"]) == ["gold-1"]
    offer = ask("gold-1", attempt=2)
    assert offer["action"] == "offer" and offer["agent"] == "anna"
    # The operator is taken: nobody else is resumed.
    assert poll(["silver-1", "silver-2"]) == []


def test_an_offer_that_rings_out_pauses_the_operator_and_goes_to_the_next(groups):
    now = timezone.now()
    operator("anna", idle_since=now - timedelta(minutes=5))
    operator("bruno", idle_since=now - timedelta(minutes=1))
    assert ask("c-2", at=now)["agent"] == "anna"
    again = ask(
        "c-2", attempt=2, previous="sip:anna@127.0.0.1", previous_status=408, at=now + timedelta(seconds=15)
    )
    assert again["action"] == "offer" and again["agent"] == "bruno"
    anna = CallRoute.objects.get(call__external_id="c-2").decisions.first().operator
    anna.refresh_from_db()
    assert anna.state == OperatorState.PAUSED and anna.pause_reason == PauseReason.NO_ANSWER
    call = Call.objects.get(external_id="c-2")
    assert call.operator.username == "bruno"
    offered = Event.objects.filter(call=call).order_by("seq").values_list("kind", "data__after__operator")
    assert list(offered) == [("call.logged", "anna"), ("call.offered", "bruno")]


def test_skills_line_and_offhours_rules(groups):
    now = timezone.now()
    gas = Skill.objects.create(kind="service", code="gas", name="Gas")
    german = Skill.objects.create(kind="language", code="de", name="Deutsch")
    queue = Queue.objects.create(code="gas-de", name="Gas (de)")
    queue.skills.set([gas, german])
    line = Line.objects.create(number="800200", name="Gas DE", fallback_uri="sip:0471000000@centre-b")
    version = RuleSetVersion.objects.create(number=1, published_at=now)
    RoutingRule.objects.create(
        version=version,
        position=1,
        name="Night",
        line=line,
        time_from="20:00",
        time_to="08:00",
        action=RuleAction.FORWARD,
    )
    RoutingRule.objects.create(version=version, position=2, name="Gas DE", line=line, queue=queue)
    operator("gasonly", idle_since=now - timedelta(hours=1)).skills.set([gas])
    operator("gasde", idle_since=now).skills.set([gas, german])
    day = timezone.localtime(now - timedelta(days=1)).replace(hour=11, minute=0)
    night = day.replace(hour=23)
    answer = ask("day", line="800200", at=day)
    assert answer["action"] == "offer" and answer["agent"] == "gasde"
    forward = ask("night", line="800200", at=night)
    assert forward == {"action": "forward", "uri": "sip:0471000000@centre-b"}
    assert CallRoute.objects.get(call__external_id="night").state == RouteState.FORWARDED


def test_vip_goes_to_the_personal_manager_and_a_known_case_to_its_operator(groups, plant):
    now = timezone.now()
    manager = operator("manager", idle_since=now)
    operator("other", idle_since=now - timedelta(hours=1))
    vip = CallerClass.objects.get(code="vip")
    CallerClassRule.objects.create(
        caller_class=vip, kind="number", number="+390612345099", personal_manager=manager.user
    )
    answer = ask("vip-1", caller="0612345099", at=now)
    assert answer["agent"] == "manager" and answer["priority"] == 1000
    assert CallRoute.objects.get(call__external_id="vip-1").decisions.get().reason == "preferred operator"


def test_a_caller_who_leaves_is_abandoned_and_press_one_books_a_callback(groups):
    now = timezone.now()
    operator("anna", state=OperatorState.ON_CALL)
    ask("gone", at=now)
    report("gone", "abandoned", at=now + timedelta(seconds=40))
    route = CallRoute.objects.get(call__external_id="gone")
    assert route.state == RouteState.ABANDONED and route.finished_at == now + timedelta(seconds=40)
    assert Call.objects.get(external_id="gone").ended_at == now + timedelta(seconds=40)

    ask("press1", caller="0612345007", at=now)
    report("press1", "callback_requested", at=now + timedelta(seconds=20))
    callback = Callback.objects.get(call__external_id="press1")
    assert callback.number == "+390612345007" and callback.created_by is None
    assert CallRoute.objects.get(call__external_id="press1").state == RouteState.CALLBACK


def test_second_line_consult_then_transfer_is_recorded_on_the_call(groups):
    now = timezone.now()
    first = operator("first", extension="201", idle_since=now - timedelta(hours=1))
    team = Team.objects.create(code="l2", name="Second line", is_second_line=True, consult_number="7000")
    expert = operator("expert", extension="301", team=team, idle_since=now)
    ask("cust-1", at=now)
    report("cust-1", "answer", agent="first", at=now + timedelta(seconds=2))
    consult = ask("consult-leg", caller="201", line="7000", at=now + timedelta(seconds=30))
    assert consult["action"] == "offer" and consult["agent"] == "expert" and consult["consult_of"] == "cust-1"
    assert not Call.objects.filter(external_id="consult-leg").exists()
    report("cust-1", "consult_started", agent="expert", at=now + timedelta(seconds=33))
    report("cust-1", "transferred", agent="301", at=now + timedelta(seconds=90))
    route = CallRoute.objects.get(call__external_id="cust-1")
    consult_row = route.consults.get()
    assert consult_row.outcome == "transferred" and consult_row.consultant == expert
    assert (consult_row.ended_at - consult_row.started_at).total_seconds() == 57
    first.refresh_from_db()
    expert.refresh_from_db()
    assert first.state == OperatorState.WRAP_UP and expert.state == OperatorState.ON_CALL
    kinds = list(Event.objects.filter(call=route.call).values_list("kind", flat=True))
    assert "call.consult_started" in kinds and "call.transferred" in kinds


def test_a_consult_given_up_before_the_answer_frees_the_consultant(groups):
    now = timezone.now()
    operator("first", extension="201", idle_since=now - timedelta(hours=1))
    team = Team.objects.create(code="l2", name="Second line", is_second_line=True, consult_number="7000")
    expert = operator("expert", extension="301", team=team, idle_since=now - timedelta(minutes=3))
    ask("cust-2", at=now)
    report("cust-2", "answer", agent="first", at=now + timedelta(seconds=2))
    assert ask("leg-2", caller="201", line="7000", at=now + timedelta(seconds=10))["agent"] == "expert"
    report("cust-2", "consult_ended", agent="expert", at=now + timedelta(seconds=14))
    expert.refresh_from_db()
    assert expert.state == OperatorState.AVAILABLE and expert.idle_since == now - timedelta(minutes=3)
    consult = CallRoute.objects.get(call__external_id="cust-2").consults.get()
    assert consult.outcome == "took_back" and consult.ended_at == now + timedelta(seconds=14)


def test_the_sweep_frees_an_operator_whose_offer_the_switch_forgot(groups):
    from routing.services.sweep import routes_sweep

    now = timezone.now()
    anna = operator("anna", idle_since=now - timedelta(minutes=10))
    ask("lost", at=now - timedelta(minutes=5))
    anna.refresh_from_db()
    assert anna.state == OperatorState.OFFERED
    assert routes_sweep(now=now - timedelta(minutes=5) + timedelta(seconds=10)) == 0
    assert routes_sweep(now=now) == 1
    anna.refresh_from_db()
    assert anna.state == OperatorState.AVAILABLE and anna.idle_since == now - timedelta(minutes=10)


def test_the_sweep_closes_calls_lost_in_queue(groups):
    from routing.services.sweep import routes_sweep

    now = timezone.now()
    operator("anna", state=OperatorState.ON_CALL)
    ask("old", at=now - timedelta(hours=2))
    ask("new", at=now - timedelta(minutes=1))
    routes_sweep(now=now)
    states = dict(CallRoute.objects.values_list("call__external_id", "state"))
    assert states == {"old": RouteState.ENDED, "new": RouteState.QUEUED}


def test_a_transfer_to_the_consultant_on_the_line_logs_no_second_on_call(groups):
    now = timezone.now()
    operator("first", extension="201", idle_since=now - timedelta(hours=1))
    team = Team.objects.create(code="l2", name="Second line", is_second_line=True, consult_number="7000")
    expert = operator("expert", extension="301", team=team, idle_since=now)
    ask("cust-3", at=now)
    report("cust-3", "answer", agent="first", at=now + timedelta(seconds=2))
    ask("leg-3", caller="201", line="7000", at=now + timedelta(seconds=10))
    report("cust-3", "consult_started", agent="expert", at=now + timedelta(seconds=12))
    report("cust-3", "transferred", agent="301", at=now + timedelta(seconds=40))
    report("cust-3", "hangup", at=now + timedelta(seconds=90))
    states = list(expert.state_changes.values_list("state", "at"))
    assert states == [
        ("offered", now + timedelta(seconds=10)),
        ("on_call", now + timedelta(seconds=12)),
        ("wrap_up", now + timedelta(seconds=90)),
    ]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_queue_poll_passes_over_a_call_an_event_holds(groups):
    # An event or route question locks the call, then its route; the poll locks routes, and its
    # operator state change locks the call at commit (foreign key): the other way round, which
    # deadlocked under load. The poll now skips a held call; the next poll resumes it.
    anna = operator("anna", state=OperatorState.ON_CALL)
    assert ask("held")["action"] == "queue"
    anna.state = OperatorState.AVAILABLE
    anna.save()
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        with transaction.atomic():
            Call.objects.select_for_update().get(external_id="held")
            locked.set()
            release.wait(3)
        connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(5)
    started = time.monotonic()
    try:
        assert poll(["held"]) == []
        assert time.monotonic() - started < 1.0, "the poll did not wait for the call"
    finally:
        release.set()
        holder.join()
    assert poll(["held"]) == ["held"]
