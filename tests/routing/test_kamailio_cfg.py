"""The shipped Kamailio cfg (deploy/kamailio/kamailio.cfg) against a fake Pronto, with SIPp
callers and operators' phones: what Kamailio asks Pronto, what it reports, and that the calls
really go where Pronto says. One Kamailio and one fake Pronto serve the module; each test uses
callers of its own, so the fake's plans do not mix.
"""

from __future__ import annotations

import time

import pytest

from tests.servers.kamailio import KamailioServer
from tests.servers.pronto_fake import FakePronto
from tests.servers.sipp import SippLab, first

pytestmark = pytest.mark.real_component

SECRET = "cfg-test-secret"
LINE = "800100"
CONSULT_LINE = "800900"  # the second line's consult number
EVENT_KEYS = {"call_id", "event", "timestamp", "caller", "line", "agent"}
ROUTE_KEYS = {"call_id", "caller", "line", "timestamp", "attempt", "previous", "previous_status"}


@pytest.fixture(scope="module")
def pronto():
    fake = FakePronto(secret=SECRET).start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def kamailio(pronto):
    server = KamailioServer.create_or_skip(pronto_url=pronto.url, secret=SECRET)
    yield server
    server.close()


@pytest.fixture(autouse=True)
def _signed(pronto):
    yield
    assert pronto.bad_signatures() == [], "every request from Kamailio carries a valid signature"


def event_names(pronto: FakePronto, call_id: str) -> list[str]:
    return [event["event"] for event in pronto.events(call_id)]


def the_event(pronto: FakePronto, call_id: str, name: str) -> dict:
    (event,) = [event for event in pronto.events(call_id) if event["event"] == name]
    return event


def only_call(pronto: FakePronto, caller: str) -> str:
    (call_id,) = pronto.call_ids(caller)
    return call_id


def test_offer_rings_answers_and_hangs_up_at_the_times_sipp_saw(kamailio, pronto, sipp_lab: SippLab):
    phone = sipp_lab.phone("op1", ring_ms=600)
    pronto.plan("1001", {"action": "offer", "uri": phone.uri, "agent": "anna", "timeout": 15})

    result = sipp_lab.call(kamailio.address, [("1001", LINE)], duration_ms=700)

    result.assert_ok()
    call_id = only_call(pronto, "1001")
    (route,) = pronto.of("route", call_id=call_id)
    assert set(route.body) == ROUTE_KEYS
    assert route.body | {"timestamp": 0} == {
        "call_id": call_id,
        "caller": "1001",
        "line": LINE,
        "timestamp": 0,
        "attempt": 1,
        "previous": "",
        "previous_status": 0,
    }
    assert route.headers["Content-Type"] == "application/json"
    pronto.wait_for(lambda p: "hangup" in event_names(p, call_id), what="hangup event")
    assert event_names(pronto, call_id) == ["offered", "answer", "hangup"]
    events = pronto.events(call_id)
    assert all(set(event) == EVENT_KEYS for event in events)
    assert [event["agent"] for event in events] == ["anna", "anna", ""]
    assert {(event["caller"], event["line"]) for event in events} == {("1001", LINE)}
    sipp = result.messages[call_id]
    rang = first(sipp, direction="R", status=180).at
    answered = first(sipp, direction="R", status=200).at
    hung_up = first(sipp, direction="S", method="BYE").at
    assert abs(the_event(pronto, call_id, "offered")["timestamp"] - rang) < 1.0
    assert abs(the_event(pronto, call_id, "answer")["timestamp"] - answered) < 1.0
    assert abs(the_event(pronto, call_id, "hangup")["timestamp"] - hung_up) < 1.0
    assert answered - rang == pytest.approx(0.6, abs=0.3), "the phone rang for its 600 ms"
    assert abs(route.body["timestamp"] - first(sipp, direction="S", method="INVITE").at) < 1.0


def test_operator_hangs_up(kamailio, pronto, sipp_lab: SippLab):
    phone = sipp_lab.phone("op8", "phone_hangup", ring_ms=200, talk_ms=500)
    pronto.plan("1008", {"action": "offer", "uri": phone.uri, "agent": "otto", "timeout": 15})

    result = sipp_lab.call(kamailio.address, [("1008", LINE)], scenario="caller_wait")

    result.assert_ok()
    call_id = only_call(pronto, "1008")
    pronto.wait_for(lambda p: "hangup" in event_names(p, call_id), what="hangup event")
    assert event_names(pronto, call_id) == ["offered", "answer", "hangup"]
    # The operator's BYE has From/To swapped: the event still names the caller and the line.
    assert {(e["caller"], e["line"]) for e in pronto.events(call_id)} == {("1008", LINE)}
    bye = first(result.messages[call_id], direction="R", method="BYE").at
    assert abs(the_event(pronto, call_id, "hangup")["timestamp"] - bye) < 1.0


def test_reject_answers_the_caller_with_pronto_code(kamailio, pronto, sipp_lab: SippLab):
    pronto.plan("1002", {"action": "reject", "code": 486})

    result = sipp_lab.call(kamailio.address, [("1002", LINE)])

    result.assert_ok()
    call_id = only_call(pronto, "1002")
    assert [m.status for m in result.messages[call_id] if m.direction == "R"][-1] == 486
    time.sleep(0.3)
    assert pronto.events(call_id) == []


def test_caller_hears_503_when_pronto_fails(kamailio, pronto, sipp_lab: SippLab):
    pronto.plan("1010", {"http_status": 500, "detail": "database down"})

    result = sipp_lab.call(kamailio.address, [("1010", LINE)])

    result.assert_ok()
    call_id = only_call(pronto, "1010")
    assert [m.status for m in result.messages[call_id] if m.direction == "R"][-1] == 503
    assert len(pronto.of("route", call_id=call_id)) == 1


def test_without_pronto_the_call_goes_to_the_fallback_centre(pronto, sipp_lab: SippLab):
    """PRONTO_FALLBACK_URI: a gas leak reported while Pronto is down still reaches a person."""
    other_centre = sipp_lab.phone("0612340000", ring_ms=200)
    server = KamailioServer.create_or_skip(pronto_url=pronto.url, secret=SECRET)
    server.stop()
    server.environment["PRONTO_FALLBACK_URI"] = other_centre.uri
    server.start()
    try:
        pronto.plan("1012", {"http_status": 500, "detail": "database down"})
        result = sipp_lab.call(server.address, [("1012", LINE)], duration_ms=300)
        result.assert_ok()
        call_id = only_call(pronto, "1012")
        assert [m.status for m in result.messages[call_id] if m.direction == "R"][-1] == 200
    finally:
        server.close()
    other_centre.stop()
    assert call_id in other_centre.messages(), "the fallback centre's phone took the call"


def test_forward_sends_the_call_to_the_other_centre(kamailio, pronto, sipp_lab: SippLab):
    other_centre = sipp_lab.phone("0612345678", ring_ms=200)
    pronto.plan("1003", {"action": "forward", "uri": other_centre.uri})

    result = sipp_lab.call(kamailio.address, [("1003", LINE)], duration_ms=300)

    result.assert_ok()
    call_id = only_call(pronto, "1003")
    pronto.wait_for(lambda p: "hangup" in event_names(p, call_id), what="hangup event")
    assert event_names(pronto, call_id) == ["offered", "answer", "hangup"]
    assert the_event(pronto, call_id, "answer")["agent"] == ""
    other_centre.stop()
    assert call_id in other_centre.messages(), "the other centre's phone got the call"


def test_unanswered_offer_is_asked_again_and_goes_to_the_next_operator(kamailio, pronto, sipp_lab: SippLab):
    silent = sipp_lab.phone("op2", "phone_noanswer")
    phone = sipp_lab.phone("op1", ring_ms=200)
    pronto.plan(
        "1004",
        {"action": "offer", "uri": silent.uri, "agent": "bruno", "timeout": 1},
        {"action": "offer", "uri": phone.uri, "agent": "anna", "timeout": 15},
    )

    result = sipp_lab.call(kamailio.address, [("1004", LINE)], duration_ms=300)

    result.assert_ok()
    call_id = only_call(pronto, "1004")
    first_ask, second_ask = (r.body for r in pronto.of("route", call_id=call_id))
    assert (second_ask["attempt"], second_ask["previous"], second_ask["previous_status"]) == (
        2,
        silent.uri,
        408,
    )
    assert second_ask["timestamp"] - first_ask["timestamp"] == pytest.approx(1.0, abs=0.5), "the 1 s timeout"
    pronto.wait_for(lambda p: "hangup" in event_names(p, call_id), what="hangup event")
    events = [(e["event"], e["agent"]) for e in pronto.events(call_id)]
    assert events == [("offered", "bruno"), ("offered", "anna"), ("answer", "anna"), ("hangup", "")]
    silent.stop()
    assert [m.method for m in silent.messages()[call_id] if m.direction == "R"][:2] == ["INVITE", "CANCEL"]


def test_queued_call_waits_until_pronto_resumes_it(kamailio, pronto, sipp_lab: SippLab):
    phone = sipp_lab.phone("op1", ring_ms=200)
    pronto.plan(
        "1005",
        {
            "action": "queue",
            "position": 1,
            "priority": 2,
            "estimated_wait": 1,
            "announcement": "a1",
            "wait_ms": 1200,
        },
        {"action": "offer", "uri": phone.uri, "agent": "anna", "timeout": 15},
    )

    result = sipp_lab.call(kamailio.address, [("1005", LINE)], duration_ms=300)

    result.assert_ok()
    call_id = only_call(pronto, "1005")
    pronto.wait_for(lambda p: "hangup" in event_names(p, call_id), what="hangup event")
    assert event_names(pronto, call_id) == ["queued", "offered", "answer", "hangup"]
    polls = [r for r in pronto.of("queue") if call_id in r.body["waiting"]]
    assert len(polls) >= 2, "asked every 500 ms while waiting"
    assert polls[-1].answer == {"resume": [call_id]}
    asks = pronto.of("route", call_id=call_id)
    assert [a.body["attempt"] for a in asks] == [1, 2]
    assert asks[1].at - asks[0].at == pytest.approx(1.2, abs=0.6)
    queued = first(result.messages[call_id], direction="R", status=182).at
    assert abs(the_event(pronto, call_id, "queued")["timestamp"] - queued) < 1.0


def test_caller_abandons_while_queued(kamailio, pronto, sipp_lab: SippLab):
    pronto.plan("1006", {"action": "queue", "position": 3, "priority": 4, "wait_ms": 60000})

    result = sipp_lab.call(kamailio.address, [("1006", LINE)], scenario="caller_abandon", abandon_ms=800)

    result.assert_ok()
    call_id = only_call(pronto, "1006")
    pronto.wait_for(lambda p: "abandoned" in event_names(p, call_id), what="abandoned event")
    assert event_names(pronto, call_id) == ["queued", "abandoned"]
    cancel = first(result.messages[call_id], direction="S", method="CANCEL").at
    assert abs(the_event(pronto, call_id, "abandoned")["timestamp"] - cancel) < 1.0
    assert first(result.messages[call_id], direction="R", status=487)
    time.sleep(0.7)
    later = [r for r in pronto.of("queue") if r.at > cancel + 0.1]
    assert all(call_id not in r.body["waiting"] for r in later), "no longer polled once abandoned"


def test_caller_abandons_while_ringing(kamailio, pronto, sipp_lab: SippLab):
    silent = sipp_lab.phone("op7", "phone_noanswer")
    pronto.plan("1007", {"action": "offer", "uri": silent.uri, "agent": "carla", "timeout": 30})

    result = sipp_lab.call(kamailio.address, [("1007", LINE)], scenario="caller_abandon", abandon_ms=700)

    result.assert_ok()
    call_id = only_call(pronto, "1007")
    pronto.wait_for(lambda p: "abandoned" in event_names(p, call_id), what="abandoned event")
    time.sleep(0.3)
    assert [(e["event"], e["agent"]) for e in pronto.events(call_id)] == [
        ("offered", "carla"),
        ("abandoned", ""),
    ]
    assert len(pronto.of("route", call_id=call_id)) == 1, "a cancelled call is not routed again"
    silent.stop()
    assert "CANCEL" in [m.method for m in silent.messages()[call_id] if m.direction == "R"]


def test_consult_and_transfer_are_reported_on_the_customer_call(kamailio, pronto, sipp_lab: SippLab):
    # Anna (extension 1101) answers the customer, consults Sara of the second line from her
    # phone's other line, then transfers the customer to extension 2001.
    anna = sipp_lab.phone("anna", "phone_refer", ring_ms=200, talk_ms=2500, target=f"2001@{kamailio.address}")
    sara = sipp_lab.phone("sara", ring_ms=300)
    pronto.plan("1009", {"action": "offer", "uri": anna.uri, "agent": "anna", "timeout": 15})
    customer = sipp_lab.start_calls(
        kamailio.address, [("1009", LINE)], scenario="caller_transfer", duration_ms=300
    )
    pronto.wait_for(lambda p: any("answer" in event_names(p, c) for c in p.call_ids("1009")), what="answer")
    customer_call = only_call(pronto, "1009")
    pronto.plan(
        "1101",
        {"action": "offer", "uri": sara.uri, "agent": "sara", "timeout": 15, "consult_of": customer_call},
    )

    consult = sipp_lab.call(kamailio.address, [("1101", CONSULT_LINE)], duration_ms=500)
    result = customer.wait()

    consult.assert_ok()
    result.assert_ok()
    consult_call = only_call(pronto, "1101")
    (ask,) = pronto.of("route", call_id=consult_call)
    assert (ask.body["caller"], ask.body["line"]) == ("1101", CONSULT_LINE)
    pronto.wait_for(lambda p: "hangup" in event_names(p, customer_call), what="customer hangup")
    events = [(e["event"], e["agent"]) for e in pronto.events(customer_call)]
    assert events == [
        ("offered", "anna"),
        ("answer", "anna"),
        ("consult_started", "sara"),
        ("consult_ended", "sara"),
        ("transferred", "2001"),
        ("hangup", ""),
    ]
    assert event_names(pronto, consult_call) == [], "a consult reports nothing under its own call id"
    by_name = {e["event"]: e for e in pronto.events(customer_call)}
    # caller/line of the dialog behind each event: the consult's for consult_*, the customer's else.
    assert {n: (e["caller"], e["line"]) for n, e in by_name.items()} == {
        "offered": ("1009", LINE),
        "answer": ("1009", LINE),
        "consult_started": ("1101", CONSULT_LINE),
        "consult_ended": ("1101", CONSULT_LINE),
        "transferred": ("1009", LINE),
        "hangup": ("1009", LINE),
    }
    consult_sipp = consult.messages[consult_call]
    started = the_event(pronto, customer_call, "consult_started")["timestamp"]
    ended = the_event(pronto, customer_call, "consult_ended")["timestamp"]
    assert abs(started - first(consult_sipp, direction="R", status=200).at) < 1.0
    assert abs(ended - first(consult_sipp, direction="S", method="BYE").at) < 1.0
    refer = first(result.messages[customer_call], direction="R", method="REFER").at
    assert abs(the_event(pronto, customer_call, "transferred")["timestamp"] - refer) < 1.0


def test_consult_given_up_before_the_answer_is_consult_ended_on_the_customer_call(
    kamailio, pronto, sipp_lab: SippLab
):
    # Anna (extension 1111) is on the customer's call; she dials the second line, Sara's phone
    # rings and she gives up (CANCEL) before Sara answers. Then she dials again and Sara's busy
    # phone... is not there at all: Pronto's offer fails (408), also reported as consult_ended.
    anna = sipp_lab.phone("anna", ring_ms=200)
    sara = sipp_lab.phone("sara", "phone_noanswer")
    pronto.plan("1011", {"action": "offer", "uri": anna.uri, "agent": "anna", "timeout": 15})
    customer = sipp_lab.start_calls(kamailio.address, [("1011", LINE)], duration_ms=4000)
    pronto.wait_for(lambda p: any("answer" in event_names(p, c) for c in p.call_ids("1011")), what="answer")
    customer_call = only_call(pronto, "1011")
    pronto.plan(
        "1111",
        {"action": "offer", "uri": sara.uri, "agent": "sara", "timeout": 15, "consult_of": customer_call},
    )

    given_up = sipp_lab.call(
        kamailio.address, [("1111", CONSULT_LINE)], scenario="caller_abandon", abandon_ms=500
    )
    pronto.plan(
        "1111",
        {"action": "offer", "uri": sara.uri, "agent": "sara", "timeout": 1, "consult_of": customer_call},
    )
    rang_out = sipp_lab.call(kamailio.address, [("1111", CONSULT_LINE)], scenario="caller_wait")
    result = customer.wait()

    given_up.assert_ok()
    rang_out.assert_ok()
    result.assert_ok()
    pronto.wait_for(lambda p: "hangup" in event_names(p, customer_call), what="customer hangup")
    events = [(e["event"], e["agent"]) for e in pronto.events(customer_call)]
    assert events == [
        ("offered", "anna"),
        ("answer", "anna"),
        ("consult_ended", "sara"),
        ("consult_ended", "sara"),
        ("hangup", ""),
    ]
    first_leg, second_leg = pronto.call_ids("1111")
    assert event_names(pronto, first_leg) == [] and event_names(pronto, second_leg) == []
    assert len(pronto.of("route", call_id=second_leg)) == 1, "a failed consult is not routed again"
    ended = [e for e in pronto.events(customer_call) if e["event"] == "consult_ended"]
    cancel = first(given_up.messages[first_leg], direction="S", method="CANCEL").at
    assert abs(ended[0]["timestamp"] - cancel) < 1.0
    assert (ended[0]["caller"], ended[0]["line"]) == ("1111", CONSULT_LINE)
    failed = [m for m in rang_out.messages[second_leg] if m.direction == "R" and (m.status or 0) >= 300]
    assert failed and failed[0].status == 408 and abs(ended[1]["timestamp"] - failed[0].at) < 1.0
