"""The real Pronto (pytest-django's ``live_server``) behind the real Kamailio running the shipped
``deploy/kamailio/kamailio.cfg``, with SIPp callers and operators' phones (``deploy/sipp/``).

Every test checks what Pronto recorded (Call, CallRoute, RoutingDecision, operators' states,
Consult, the call's history) against the messages SIPp itself sent and received. Times: Pronto
records Kamailio's clock, SIPp its own; both are this machine's, so they agree within 1 s.

The storm (600 calls in 60 s over 8 phones) runs on PostgreSQL only: SQLite's single writer lock
is not what production runs, and under 40 concurrent requests a second it only measures that lock.
"""

from __future__ import annotations

import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from dispatch.models import Call, Event, TelephonyReceipt
from dispatch.services import call_log, intervention_open
from routing import selectors
from routing.choices import DecisionAction, OperatorState, PauseReason, RouteState, RuleAction
from routing.classify import caller_classes_shipped
from routing.models import (
    CallerClass,
    CallerClassRule,
    CallRoute,
    Consult,
    Line,
    OperatorProfile,
    Queue,
    RoutingRule,
    RuleSetVersion,
    Skill,
)
from teams.models import Team
from tests.routing.helpers import SECRET, operator
from tests.servers.kamailio import KamailioServer
from tests.servers.sipp import SipMessage, SippLab, SippPhone, first

# PostgreSQL only: Kamailio asks and reports concurrently, and pytest-django's live server shares
# one SQLite connection between its threads (interleaved transactions: "no such savepoint").
pytestmark = [pytest.mark.real_component, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

LINE = "800100"
CONSULT_NUMBER = "7000"


@pytest.fixture(scope="module")
def kamailio(live_server):
    server = KamailioServer.create_or_skip(pronto_url=live_server.url, secret=SECRET)
    yield server
    server.close()


@pytest.fixture(scope="module", autouse=True)
def _shipped_classes_left_behind(django_db_blocker):
    """A transactional test's flush removes the rows of the data migrations; the tests after
    this module (test_simulation.py among them) expect the shipped caller classes."""
    yield
    with django_db_blocker.unblock():
        shipped_classes()


@pytest.fixture(autouse=True)
def classes(transactional_db, groups) -> dict[str, CallerClass]:
    return shipped_classes()


def shipped_classes() -> dict[str, CallerClass]:
    """The shipped caller classes, made again if a flush removed them."""
    return caller_classes_shipped()


# ----------------------------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------------------------


def desk(lab: SippLab, username: str, scenario: str = "phone", *, ring_ms: int = 300, **fields) -> SippPhone:
    """An operator whose OperatorProfile.sip_uri is a SIPp phone of their own (returned)."""
    phone_args = {k: fields.pop(k) for k in ("talk_ms", "target") if k in fields}
    phone = lab.phone(username, scenario, ring_ms=ring_ms, **phone_args)
    fields.setdefault("wrap_up_seconds", 0)
    operator(username, sip_uri=phone.uri, **fields)
    return phone


def profile(username: str) -> OperatorProfile:
    return OperatorProfile.objects.get(user__username=username)


def states(username: str) -> list[str]:
    return list(profile(username).state_changes.values_list("state", flat=True))


def eventually(check: Callable[[], object], *, timeout: float = 10.0, what: str = "") -> object:
    """Poll Pronto's database until ``check()`` is truthy; its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"Pronto: {what or 'condition'} not reached in {timeout} s")
        time.sleep(0.1)


def route_of(call_id: str) -> CallRoute:
    return CallRoute.objects.select_related("call", "operator__user", "caller_class").get(
        call__external_id=call_id
    )


def route_done(call_id: str) -> bool:
    route = CallRoute.objects.filter(call__external_id=call_id).select_related("call").first()
    return route is not None and route.call.ended_at is not None and route.state != RouteState.CONNECTED


def near(moment: datetime | None, sipp_at: float, within: float = 1.0) -> bool:
    return moment is not None and abs(moment.timestamp() - sipp_at) < within


def history(call: Call) -> list[str]:
    return list(Event.objects.filter(call=call).order_by("seq").values_list("kind", flat=True))


def the_call_id(result, caller_index: int = 0) -> str:
    ids = list(result.messages)
    assert ids, result.output[-1500:]
    return ids[caller_index]


def sent(messages: list[SipMessage], method: str) -> float:
    return first(messages, direction="S", method=method).at


def got(messages: list[SipMessage], status: int) -> float:
    return first(messages, direction="R", status=status).at


def class_rule(code: str, number: str, **fields) -> None:
    CallerClassRule.objects.create(
        caller_class=CallerClass.objects.get(code=code), kind="number", number=number, **fields
    )


def rules(*specs: dict) -> None:
    version = RuleSetVersion.objects.create(number=1, published_at=timezone.now())
    for position, spec in enumerate(specs, start=1):
        RoutingRule.objects.create(version=version, position=position, name=f"rule {position}", **spec)


# ----------------------------------------------------------------------------------------------
# 1. The whole path
# ----------------------------------------------------------------------------------------------


def test_whole_path_is_logged_at_the_times_sipp_saw(kamailio, sipp_lab: SippLab):
    now = timezone.now()
    phone = desk(sipp_lab, "anna", ring_ms=600, idle_since=now - timedelta(minutes=5), wrap_up_seconds=30)
    desk(sipp_lab, "bruno", idle_since=now)

    result = sipp_lab.call(kamailio.address, [("0212345601", LINE)], duration_ms=1000)

    result.assert_ok()
    call_id = the_call_id(result)
    eventually(lambda: route_done(call_id), what="the hang-up")
    route = route_of(call_id)
    call = route.call
    sipp = result.messages[call_id]
    assert (call.caller_number, call.line, call.source) == ("+390212345601", LINE, "telephony")
    assert near(call.received_at, sent(sipp, "INVITE")), "ring = the caller's INVITE"
    assert near(call.answered_at, got(sipp, 200)), "answer = the 200 the caller got"
    assert near(call.ended_at, sent(sipp, "BYE")), "hang-up = the caller's BYE"
    assert call.operator.username == "anna"
    assert (route.state, route.operator.user.username, route.caller_class.code) == ("ended", "anna", "silver")
    assert route.connected_at == call.answered_at and route.finished_at == call.ended_at
    (decision,) = route.decisions.all()
    assert (decision.action, decision.reason, decision.target) == ("offer", "longest idle", phone.uri)
    assert states("anna") == ["offered", "on_call", "wrap_up"]
    anna = profile("anna")
    assert anna.state == OperatorState.WRAP_UP and anna.wrap_up_until == call.ended_at + timedelta(seconds=30)
    assert states("bruno") == []
    assert history(call)[-2:] == ["call.answered", "call.ended"]
    phone.stop()
    assert call_id in phone.messages(), "anna's phone took the call"


# ----------------------------------------------------------------------------------------------
# 2. Class priority in the queue
# ----------------------------------------------------------------------------------------------


def test_queued_calls_are_answered_in_class_order_then_arrival(kamailio, sipp_lab: SippLab):
    desk(sipp_lab, "anna", ring_ms=100, state=OperatorState.ON_CALL)
    class_rule("business", "+390212345611")
    class_rule("gold", "+390212345612")
    class_rule("copper", "+390212345613")
    arrivals = ["0212345614", "0212345613", "0212345612", "0212345611", "0212345615"]

    run = sipp_lab.start_calls(kamailio.address, [(n, LINE) for n in arrivals], duration_ms=300, rate=5)
    eventually(
        lambda: CallRoute.objects.filter(state=RouteState.QUEUED).count() == 5, what="five calls queued"
    )
    OperatorProfile.objects.filter(user__username="anna").update(
        state=OperatorState.AVAILABLE, idle_since=timezone.now()
    )
    result = run.wait()

    result.assert_ok()
    eventually(lambda: CallRoute.objects.filter(state=RouteState.ENDED).count() == 5, what="five calls ended")
    routes = list(CallRoute.objects.select_related("call", "caller_class").order_by("connected_at"))
    answered = [r.call.caller_number[3:] for r in routes]
    assert answered == ["0212345611", "0212345612", "0212345614", "0212345615", "0212345613"]
    assert [r.caller_class.code for r in routes] == ["business", "gold", "silver", "silver", "copper"]
    # SIPp saw the same order, and Pronto's times are SIPp's.
    by_sipp = sorted(result.messages, key=lambda cid: got(result.messages[cid], 200))
    assert by_sipp == [r.call.external_id for r in routes]
    for route in routes:
        sipp = result.messages[route.call.external_id]
        assert near(route.enqueued_at, got(sipp, 182)), "queued when the caller heard 182"
        assert near(route.connected_at, got(sipp, 200))
        assert route.announced_wait_seconds is not None
        actions = list(route.decisions.values_list("action", flat=True))
        assert actions == [DecisionAction.QUEUE, DecisionAction.OFFER]
    assert states("anna").count("on_call") == 5


# ----------------------------------------------------------------------------------------------
# 3. Skills, 4. off-hours fallback, 5. VIP, 6. sticky regional operator
# ----------------------------------------------------------------------------------------------


def test_the_call_goes_to_the_operator_with_the_queue_skills(kamailio, sipp_lab: SippLab):
    now = timezone.now()
    gas = Skill.objects.create(kind="service", code="gas", name="Gas")
    queue = Queue.objects.create(code="gas", name="Gas")
    queue.skills.set([gas])
    line = Line.objects.create(number="800300", name="Gas")
    rules({"line": line, "queue": queue})
    veteran = desk(sipp_lab, "veteran", idle_since=now - timedelta(hours=1))
    gasman = desk(sipp_lab, "gasman", idle_since=now)
    profile("gasman").skills.set([gas])

    result = sipp_lab.call(kamailio.address, [("0212345621", "800300")], duration_ms=300)

    result.assert_ok()
    call_id = the_call_id(result)
    eventually(lambda: route_done(call_id), what="the hang-up")
    route = route_of(call_id)
    assert (route.state, route.operator.user.username, route.queue_id) == ("ended", "gasman", queue.pk)
    (decision,) = route.decisions.all()
    assert (decision.operator.user.username, decision.target) == ("gasman", gasman.uri)
    assert states("veteran") == [] and states("gasman") == ["offered", "on_call", "wrap_up"]
    veteran.stop()
    gasman.stop()
    assert veteran.messages() == {} and call_id in gasman.messages()


def test_off_hours_forward_rings_the_other_centre(kamailio, sipp_lab: SippLab):
    other_centre = sipp_lab.phone("0471000000", ring_ms=200)
    anna = desk(sipp_lab, "anna")
    line = Line.objects.create(number="800400", name="Night line", fallback_uri=other_centre.uri)
    local = timezone.localtime()
    window = {
        "time_from": (local - timedelta(hours=1)).time(),
        "time_to": (local + timedelta(hours=1)).time(),
    }
    rules({"line": line, "action": RuleAction.FORWARD, **window})

    result = sipp_lab.call(kamailio.address, [("0212345641", "800400")], duration_ms=400)

    result.assert_ok()
    call_id = the_call_id(result)
    eventually(
        lambda: Call.objects.filter(external_id=call_id, ended_at__isnull=False).exists(), what="the end"
    )
    route = route_of(call_id)
    assert route.state == RouteState.FORWARDED and route.operator is None
    (decision,) = route.decisions.all()
    assert (decision.action, decision.target) == ("forward", other_centre.uri)
    sipp = result.messages[call_id]
    assert near(route.call.answered_at, got(sipp, 200)) and near(route.call.ended_at, sent(sipp, "BYE"))
    assert states("anna") == []
    other_centre.stop()
    anna.stop()
    assert call_id in other_centre.messages() and anna.messages() == {}


def test_a_vip_goes_to_the_personal_manager(kamailio, sipp_lab: SippLab):
    now = timezone.now()
    manager = desk(sipp_lab, "manager", idle_since=now)
    other = desk(sipp_lab, "other", idle_since=now - timedelta(hours=1))
    class_rule("vip", "+390212345651", personal_manager=profile("manager").user)

    result = sipp_lab.call(kamailio.address, [("0212345651", LINE)], duration_ms=300)

    result.assert_ok()
    call_id = the_call_id(result)
    eventually(lambda: route_done(call_id), what="the hang-up")
    route = route_of(call_id)
    assert (route.caller_class.code, route.operator.user.username, route.state) == ("vip", "manager", "ended")
    assert route.decisions.get().reason == "preferred operator"
    assert states("manager") == ["offered", "on_call", "wrap_up"] and states("other") == []
    manager.stop()
    other.stop()
    assert call_id in manager.messages() and other.messages() == {}


def test_a_caller_with_an_open_case_gets_its_operator_then_the_team(kamailio, sipp_lab: SippLab, plant):
    now = timezone.now()
    north = Team.objects.create(code="north", name="North", region="Lombardia")
    south = Team.objects.create(code="south", name="South", region="Sicilia")
    desk(sipp_lab, "xavier", team=north, idle_since=now)
    desk(sipp_lab, "yara", team=north, idle_since=now - timedelta(minutes=1))
    desk(sipp_lab, "zeno", team=south, idle_since=now - timedelta(hours=1))
    earlier = call_log(
        actor=None,
        caller_number="+390212345661",
        received_at=now - timedelta(hours=2),
        operator=profile("xavier").user,
        plant=plant,
        source="telephony",
        external_id="earlier",
    )
    intervention_open(actor=None, plant=plant, call=earlier, summary="Gas smell")

    first_call = sipp_lab.call(kamailio.address, [("0212345661", LINE)], duration_ms=300)
    first_call.assert_ok()
    first_id = the_call_id(first_call)
    eventually(lambda: route_done(first_id), what="the first hang-up")
    OperatorProfile.objects.filter(user__username="xavier").update(state=OperatorState.ON_CALL)
    second_call = sipp_lab.call(kamailio.address, [("0212345661", LINE)], duration_ms=300)
    second_call.assert_ok()
    second_id = the_call_id(second_call)
    eventually(lambda: route_done(second_id), what="the second hang-up")

    one, two = route_of(first_id), route_of(second_id)
    assert (one.operator.user.username, one.decisions.get().reason) == ("xavier", "preferred operator")
    assert (two.preferred.user.username, two.preferred_team.code) == ("xavier", "north")
    assert two.operator.user.username == "yara", "xavier busy: his team, not the longer-idle zeno"
    assert states("zeno") == []


# ----------------------------------------------------------------------------------------------
# 7. Offer timeout, 8. abandoned call
# ----------------------------------------------------------------------------------------------


def test_an_unanswered_offer_goes_to_the_next_operator_after_the_queue_timeout(kamailio, sipp_lab: SippLab):
    now = timezone.now()
    queue = Queue.objects.create(code="general", name="General", offer_timeout_seconds=2)
    line = Line.objects.create(number="800700", name="General")
    rules({"line": line, "queue": queue})
    silent = desk(sipp_lab, "bruno", "phone_noanswer", idle_since=now - timedelta(minutes=5))
    desk(sipp_lab, "anna", ring_ms=200, idle_since=now)

    result = sipp_lab.call(kamailio.address, [("0212345671", "800700")], duration_ms=300)

    result.assert_ok()
    call_id = the_call_id(result)
    eventually(lambda: route_done(call_id), what="the hang-up")
    route = route_of(call_id)
    assert (route.state, route.operator.user.username, route.call.operator.username) == (
        "ended",
        "anna",
        "anna",
    )
    decisions = list(route.decisions.select_related("operator__user"))
    assert [(d.action, d.operator.user.username, d.reason) for d in decisions] == [
        ("offer", "bruno", "longest idle"),
        ("offer", "bruno", "offer failed: SIP 408"),
        ("offer", "anna", "longest idle"),
    ]
    assert (decisions[2].at - decisions[0].at).total_seconds() == pytest.approx(2.0, abs=0.6)
    bruno = profile("bruno")
    assert (bruno.state, bruno.pause_reason) == (OperatorState.PAUSED, PauseReason.NO_ANSWER)
    assert states("bruno") == ["offered", "paused"]
    sipp = result.messages[call_id]
    assert near(route.connected_at, got(sipp, 200))
    assert got(sipp, 200) - sent(sipp, "INVITE") > 2.0, "the caller waited out bruno's 2 s"
    silent.stop()
    assert [m.method for m in silent.messages()[call_id] if m.direction == "R"][:2] == ["INVITE", "CANCEL"]


def test_a_caller_who_hangs_up_in_the_queue_is_on_the_callback_list(kamailio, sipp_lab: SippLab):
    desk(sipp_lab, "anna", state=OperatorState.ON_CALL)
    class_rule("gold", "+390212345681")
    since = timezone.now()

    result = sipp_lab.call(
        kamailio.address, [("0212345681", LINE)], scenario="caller_abandon", abandon_ms=1500
    )

    result.assert_ok()
    call_id = the_call_id(result)
    eventually(lambda: route_done(call_id), what="the abandon")
    route = route_of(call_id)
    sipp = result.messages[call_id]
    assert route.state == RouteState.ABANDONED
    assert near(route.finished_at, sent(sipp, "CANCEL")) and near(route.call.ended_at, sent(sipp, "CANCEL"))
    assert route.call.answered_at is None
    (listed,) = selectors.abandoned_calls(since=since)
    assert listed.pk == route.pk and listed.has_callback is False
    assert (listed.call.caller_number, listed.caller_class.code) == ("+390212345681", "gold")
    waited = sent(sipp, "CANCEL") - sent(sipp, "INVITE")
    assert abs(selectors.route_wait_seconds(listed) - waited) <= 1
    assert states("anna") == []


# ----------------------------------------------------------------------------------------------
# 9. Second line: consult, transfer, take back, give up
# ----------------------------------------------------------------------------------------------


def second_line() -> Team:
    return Team.objects.create(
        code="l2", name="Second line", is_second_line=True, consult_number=CONSULT_NUMBER
    )


def connected(run, caller: str) -> str:
    """The Call-ID of ``caller``'s call once an operator answered it."""
    route = eventually(
        lambda: CallRoute.objects.filter(
            call__caller_number=f"+39{caller}", state=RouteState.CONNECTED
        ).first(),
        what=f"{caller} answered",
    )
    return route.call.external_id


def test_consult_then_transfer_to_the_consultant(kamailio, sipp_lab: SippLab):
    now = timezone.now()
    team = second_line()
    anna = desk(
        sipp_lab,
        "anna",
        "phone_refer",
        ring_ms=200,
        talk_ms=3000,
        target=f"301@{kamailio.address}",
        extension="201",
        idle_since=now - timedelta(hours=1),
    )
    desk(sipp_lab, "sara", ring_ms=300, extension="301", team=team, idle_since=now)

    customer = sipp_lab.start_calls(
        kamailio.address, [("0212345691", LINE)], scenario="caller_transfer", duration_ms=300
    )
    customer_id = connected(customer, "0212345691")
    # Anna's phone dials the consult number from its other line, while on the customer's call.
    consult = sipp_lab.call(kamailio.address, [("201", CONSULT_NUMBER)], duration_ms=4000)
    result = customer.wait()

    consult.assert_ok()
    result.assert_ok()
    eventually(lambda: route_done(customer_id), what="the customer's hang-up")
    consult_id = the_call_id(consult)
    assert not Call.objects.filter(external_id=consult_id).exists(), "the consult leg is no call of its own"
    assert Call.objects.count() == 1
    route = route_of(customer_id)
    assert (route.state, route.operator.user.username) == ("ended", "sara")
    (row,) = Consult.objects.filter(route=route).select_related("operator__user", "consultant__user")
    assert (row.operator.user.username, row.team, row.consultant.user.username) == ("anna", team, "sara")
    assert row.outcome == "transferred"
    leg = consult.messages[consult_id]
    refer = first(result.messages[customer_id], direction="R", method="REFER").at
    assert near(row.started_at, got(leg, 200)), "consult started when the second line answered"
    assert near(row.ended_at, refer), "and ended with the transfer"
    kinds = history(route.call)
    assert kinds.index("call.consult_started") < kinds.index("call.transferred") < kinds.index("call.ended")
    transferred = Event.objects.get(call=route.call, kind="call.transferred")
    assert transferred.data == {"from": "anna", "to": "sara", "consulted": True}
    assert near(transferred.occurred_at, refer)
    assert states("anna") == ["offered", "on_call", "wrap_up"]
    assert states("sara") == ["offered", "on_call", "wrap_up"]
    assert profile("anna").current_call is None and profile("sara").current_call is None
    anna.stop()


def test_consult_taken_back(kamailio, sipp_lab: SippLab):
    now = timezone.now()
    team = second_line()
    desk(sipp_lab, "anna", ring_ms=200, extension="201", idle_since=now - timedelta(hours=1))
    desk(sipp_lab, "sara", ring_ms=300, extension="301", team=team, idle_since=now)

    customer = sipp_lab.start_calls(kamailio.address, [("0212345692", LINE)], duration_ms=4000)
    customer_id = connected(customer, "0212345692")
    consult = sipp_lab.call(kamailio.address, [("201", CONSULT_NUMBER)], duration_ms=1000)
    consult.assert_ok()
    eventually(lambda: Consult.objects.filter(ended_at__isnull=False).exists(), what="the consult's end")
    sara = profile("sara")
    assert sara.state == OperatorState.WRAP_UP, "the consultant is done; anna still has the customer"
    assert profile("anna").state == OperatorState.ON_CALL
    result = customer.wait()

    result.assert_ok()
    eventually(lambda: route_done(customer_id), what="the customer's hang-up")
    route = route_of(customer_id)
    assert (route.state, route.operator.user.username) == ("ended", "anna")
    (row,) = Consult.objects.filter(route=route)
    leg = consult.messages[the_call_id(consult)]
    assert row.outcome == "took_back" and row.consultant.user.username == "sara"
    assert near(row.started_at, got(leg, 200)) and near(row.ended_at, sent(leg, "BYE"))
    assert (row.ended_at - row.started_at).total_seconds() == pytest.approx(1.0, abs=0.5)
    ended = Event.objects.get(call=route.call, kind="call.consult_ended")
    assert ended.data["outcome"] == "took_back" and ended.data["seconds"] == 1
    assert Call.objects.count() == 1
    assert states("sara") == ["offered", "on_call", "wrap_up"]
    assert states("anna") == ["offered", "on_call", "wrap_up"]


def test_consult_given_up_before_the_second_line_answers_frees_the_consultant(kamailio, sipp_lab: SippLab):
    now = timezone.now()
    team = second_line()
    desk(sipp_lab, "anna", ring_ms=200, extension="201", idle_since=now - timedelta(hours=1))
    desk(
        sipp_lab, "sara", "phone_noanswer", extension="301", team=team, idle_since=now - timedelta(minutes=3)
    )

    customer = sipp_lab.start_calls(kamailio.address, [("0212345693", LINE)], duration_ms=2500)
    customer_id = connected(customer, "0212345693")
    consult = sipp_lab.call(
        kamailio.address, [("201", CONSULT_NUMBER)], scenario="caller_abandon", abandon_ms=600
    )
    result = customer.wait()

    consult.assert_ok()
    result.assert_ok()
    eventually(lambda: route_done(customer_id), what="the customer's hang-up")
    leg_id = the_call_id(consult)
    assert not Call.objects.filter(external_id=leg_id).exists(), "no customer call logged for the consult leg"
    (row,) = Consult.objects.filter(route__call__external_id=customer_id)
    assert row.outcome == "took_back" and near(row.ended_at, sent(consult.messages[leg_id], "CANCEL"))
    sara = profile("sara")
    assert sara.state == OperatorState.AVAILABLE and sara.idle_since == now - timedelta(minutes=3)
    assert states("sara") == ["offered", "available"]


# ----------------------------------------------------------------------------------------------
# 11. The storm
# ----------------------------------------------------------------------------------------------

STORM_PHONES = 8
STORM_CALLS = 540  # answered callers, at 9/s
STORM_ABANDONERS = 60  # at 1/s, giving up 3 s after their last provisional reply
STORM_CLASSES = {"1": "business", "2": "gold", "3": "silver", "4": "copper"}
# A higher-class call may be passed over only when it was not yet in Kamailio's list at the poll
# that served the lower one, or Pronto was still applying its "queued" event (the poll skips a
# call an event holds): one poll period (0.5 s) plus those latencies, measured at up to 1.35 s
# with the storm on a loaded 2-core machine (load average 7).
PRIORITY_SLACK_S = 2.0


def test_storm_600_calls_in_60_s_over_8_phones(live_server, sipp_lab: SippLab):
    """540 callers at 9/s (talk 0.7 s) and 60 abandoners at 1/s (give up 3 s after their last
    provisional reply), classes 1234 in turn, on 8 phones ringing 0.2 s: the phones alone need
    about 61 s for the answered calls, so the queue grows through the storm and drains after.

    Checked: SIPp's Call-IDs == Pronto's Calls == CallRoutes (600, each once), each call's ring,
    answer, end within 1 s of SIPp's trace, the abandoned ones (CANCEL in SIPp's trace) exactly
    ``abandoned_calls``, mean wait per class ordered, and no lower-priority call offered while a
    higher-priority one had been queued (its caller heard 182) for more than PRIORITY_SLACK_S
    and was still waiting. Prints the timings and how often and how long calls were passed over.
    """
    if connection.vendor != "postgresql":
        pytest.skip("the storm needs PostgreSQL (SKIP LOCKED, concurrent writers)")
    server = KamailioServer.create(pronto_url=live_server.url, secret=SECRET)
    server.workers = 8
    try:
        server.start()
    except RuntimeError as exc:
        server.close()
        pytest.skip(f"Kamailio could not be started: {exc}")
    try:
        _storm(server, sipp_lab)
    finally:
        server.close()


def _sipp_counts(output: str) -> dict[str, int]:
    """SIPp's own totals from its final screen (``Successful call`` / ``Failed call``)."""
    counts = {}
    for name in ("Successful call", "Failed call"):
        found = re.findall(rf"{name}\s*\|\s*\d+\s*\|\s*(\d+)", output)
        counts[name] = int(found[-1]) if found else -1
    return counts


def _storm(server: KamailioServer, lab: SippLab) -> None:
    for digit, code in STORM_CLASSES.items():
        CallerClassRule.objects.create(
            caller_class=CallerClass.objects.get(code=code), kind="prefix", prefix=f"+39020{digit}"
        )
    for n in range(STORM_PHONES):
        desk(lab, f"op{n}", ring_ms=200)
    # Classes spread evenly over the arrivals: 1234123412...
    callers = [(f"020{1 + i % 4}{i:06d}", LINE) for i in range(STORM_CALLS)]
    abandoners = [(f"020{1 + i % 4}9{i:05d}", LINE) for i in range(STORM_ABANDONERS)]
    started = time.time()
    answered_run = lab.start_calls(server.address, callers, duration_ms=700, rate=9, timeout_s=240, limit=600)
    abandon_run = lab.start_calls(
        server.address,
        abandoners,
        scenario="caller_abandon",
        abandon_ms=3000,
        rate=1,
        timeout_s=240,
        limit=100,
    )
    answered_result = answered_run.wait(timeout=300)
    abandon_result = abandon_run.wait(timeout=300)
    sipp_done = time.time()
    sipp = {**answered_result.messages, **abandon_result.messages}
    deadline = time.monotonic() + 30
    while (
        time.monotonic() < deadline
        and CallRoute.objects.exclude(state__in=[RouteState.ENDED, RouteState.ABANDONED]).exists()
    ):
        time.sleep(0.5)
    elapsed = time.time() - started
    log = server.log()
    report = {
        "sipp_s": round(sipp_done - started, 1),
        "all_over_s": round(elapsed, 1),
        "sipp_call_ids": len(sipp),
        "sipp_callers": _sipp_counts(answered_result.output),
        "sipp_abandoners": _sipp_counts(abandon_result.output),
        "pronto_calls": Call.objects.count(),
        "routes": dict(Counter(CallRoute.objects.values_list("state", flat=True))),
        "signed_requests": TelephonyReceipt.objects.count(),
        "route_queries_failed_503": log.count("route query for"),
        "events_not_accepted": log.count("not accepted"),
    }
    print("storm:", report)

    answered_result.assert_ok()
    # An abandoner's CANCEL may cross the phone's 200 (glare): SIPp's scenario then fails that
    # call (the 200 shows in its trace, or in its error log as the unexpected answer); any other
    # failure is a failure.
    glare = {cid for cid, messages in abandon_result.messages.items() if _glare(messages)}
    glare |= set(
        re.findall(
            r"for Call-Id '([^']+)': while expecting[^,]*, received 'SIP/2\.0 200", abandon_result.errors
        )
    )
    assert report["sipp_abandoners"]["Failed call"] == len(glare) <= STORM_ABANDONERS // 10, (
        glare,
        report,
        abandon_result.errors[-3000:],
    )
    # The storm really was 600 calls in (about) 60 s.
    invites = sorted(sent(messages, "INVITE") for messages in sipp.values())
    assert invites[-1] - invites[0] < 62, f"arrivals spread over {invites[-1] - invites[0]:.1f} s"
    # None lost, none twice: SIPp's calls == Pronto's calls == routes.
    assert len(sipp) == STORM_CALLS + STORM_ABANDONERS, report
    calls = {c.external_id: c for c in Call.objects.all()}
    assert set(calls) == set(sipp) and Call.objects.count() == len(sipp), report
    routes = list(CallRoute.objects.select_related("call", "caller_class"))
    assert len(routes) == len(sipp) and {r.call.external_id for r in routes} == set(sipp), report
    # Each with its times, as SIPp saw them.
    gave_up = {cid for cid, messages in sipp.items() if any(m.method == "CANCEL" for m in messages)}
    for route in routes:
        call, messages = route.call, sipp[route.call.external_id]
        assert near(call.received_at, sent(messages, "INVITE")), call.external_id
        if route.call.external_id in glare:
            # Whichever of the CANCEL and the phone's 200 reached Kamailio first: abandoned, or
            # connected (SIPp's scenario then gives up on the call without a BYE Kamailio can route).
            assert route.state in (RouteState.ABANDONED, RouteState.CONNECTED), (
                call.external_id,
                route.state,
            )
        elif route.call.external_id in gave_up:
            assert route.state == RouteState.ABANDONED, (call.external_id, route.state)
            assert near(call.ended_at, sent(messages, "CANCEL")) and call.answered_at is None
        else:
            assert route.state == RouteState.ENDED
            assert near(call.answered_at, got(messages, 200)) and near(call.ended_at, sent(messages, "BYE"))
    # Abandoned ones listed for callback.
    listed = {
        r.call.external_id for r in selectors.abandoned_calls(since=timezone.now() - timedelta(hours=1))
    }
    assert gave_up - glare <= listed <= gave_up
    # Class order: mean wait per class ordered, and no lower class served while a higher-class
    # call had been waiting more than PRIORITY_SLACK_S (see _priority_inversions).
    done = [r for r in routes if r.state == RouteState.ENDED]
    waits = {
        code: statistics.mean(
            (r.connected_at - r.arrived_at).total_seconds() for r in done if r.caller_class.code == code
        )
        for code in STORM_CLASSES.values()
    }
    passed_over = _priority_inversions(routes, sipp)
    inversions = [pair for pair in passed_over if pair[2] > PRIORITY_SLACK_S]
    longest = max((pair[2] for pair in passed_over), default=0.0)
    print(
        f"storm waits: {waits}; abandoned {len(gave_up)} (glare {len(glare)}); "
        f"passed over: {len(passed_over)} pairs, longest {longest:.2f} s; "
        f"beyond {PRIORITY_SLACK_S} s: {len(inversions)}"
    )
    assert waits["business"] <= waits["gold"] <= waits["silver"] <= waits["copper"], waits
    assert inversions == [], inversions[:5]


def _glare(messages: list[SipMessage]) -> bool:
    """The caller sent CANCEL and got a 200 to its INVITE too (they crossed)."""
    cancelled = any(m.direction == "S" and m.method == "CANCEL" for m in messages)
    return cancelled and any(
        m.direction == "R" and m.status == 200 and m.cseq.endswith("INVITE") for m in messages
    )


def _priority_inversions(
    routes: list[CallRoute], sipp: dict[str, list[SipMessage]], slack: float = 0.0
) -> list[tuple[str, str, float]]:
    """``(lower, higher, seconds)``: the lower-priority call was offered (Pronto's last offer
    decision) while a higher-priority call had been in Kamailio's queue (its caller got the 182)
    for ``seconds`` > ``slack``, and was offered (or abandoned) only later."""
    offered: dict[int, datetime] = {}
    for route in routes:
        last = route.decisions.filter(action=DecisionAction.OFFER).exclude(reason__startswith="offer failed")
        moment = last.order_by("-at").values_list("at", flat=True).first()
        if moment is not None:
            offered[route.pk] = moment
    queued_at = {}
    for route in routes:
        heard = [m.at for m in sipp[route.call.external_id] if m.direction == "R" and m.status == 182]
        if heard:
            queued_at[route.pk] = heard[0]
    found = []
    for low in routes:
        at = offered.get(low.pk)
        if at is None:
            continue
        for high in routes:
            if high.priority <= low.priority or high.pk not in queued_at:
                continue
            waited = at.timestamp() - queued_at[high.pk]
            served = offered.get(high.pk) or high.finished_at
            if waited > slack and served is not None and served > at:
                found.append((low.call.external_id, high.call.external_id, round(waited, 2)))
    return found
