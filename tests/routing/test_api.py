"""The router's API for the staff: catalogue (its writes: test_catalogue_api.py), wallboard,
operators' states, abandoned calls and a call's route, each for a situation driven through the
phone system's signed endpoints; who may ask; and every answer checked against the served
schema."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
import schemathesis
from django.utils import timezone
from rest_framework.test import APIClient
from werkzeug.test import Client

from dispatch import services
from dispatch.choices import Role
from dispatch.services.api_tokens import api_token_issue
from routing.choices import OperatorState, PauseReason
from routing.models import CallerClass, CallerClassRule, CallRoute, Line, OperatorProfile, Queue, Skill
from teams.models import Team
from tests.dispatch.helpers import call_logged
from tests.factories import UserFactory
from tests.fuzz.wsgi import in_process_wsgi  # noqa: F401  (fixture)
from tests.routing.helpers import ask, operator, report

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=user).token}")
    return client


@pytest.fixture
def served(in_process_wsgi):  # noqa: F811
    """``served(user, method, path, **kwargs)``: the answer over WSGI, checked against the schema
    as the fuzz job checks it (documented code and media type, conforming body)."""
    schema = None

    def call(user, method, path, **kwargs):
        nonlocal schema
        headers = {"Authorization": f"Token {api_token_issue(user=user).token}"}
        if schema is None:
            schema = schemathesis.openapi.from_wsgi(
                "/api/schema/?format=json", in_process_wsgi, headers=headers
            )
        response = Client(in_process_wsgi).open(path, method=method, headers=headers, **kwargs)
        template = next(p for p in schema.raw_schema["paths"] if _matches(p, path.split("?")[0]))
        documented = schema.raw_schema["paths"][template][method.lower()]["responses"]
        assert str(response.status_code) in documented, f"{method} {path}: {response.status_code}"
        schema[template][method].validate_response(response)
        # Read as the test client's answers are: ``.status_code``, ``.json()``.
        return SimpleNamespace(status_code=response.status_code, json=lambda: response.json)

    return call


def _matches(template: str, path: str) -> bool:
    parts, given = template.strip("/").split("/"), path.strip("/").split("/")
    return len(parts) == len(given) and all(
        p == g or p.startswith("{") for p, g in zip(parts, given, strict=True)
    )


def test_the_catalogue_is_read_by_the_staff(users):
    gas = Skill.objects.create(kind="service", code="gas", name="Gas")
    team = Team.objects.create(code="north", name="North", region="Lombardy")
    line = Line.objects.create(number="800100", name="Gas emergencies", fallback_uri="sip:0200@centre-b")
    queue = Queue.objects.create(code="gas", name="Gas", offer_timeout_seconds=20)
    queue.skills.set([gas])
    gold = CallerClass.objects.get(code="gold")
    rule = CallerClassRule.objects.create(caller_class=gold, kind="prefix", prefix="+3902")
    anna = operator("anna", team=team, state=OperatorState.PAUSED, pause_reason=PauseReason.BREAK)
    anna.skills.set([gas])
    anna.lines.set([line])
    for role in ("operator", "supervisor"):
        client = api(users[role])
        classes = client.get("/api/routing/caller-classes/").json()["results"]
        assert {c["code"] for c in classes} >= {"vip", "gold", "silver", "copper", "business"}
        detail = client.get(f"/api/routing/caller-classes/{gold.pk}/").json()
        assert detail["rules"] == [
            {"id": rule.pk, "kind": "prefix", "number": "", "prefix": "+3902", "customer": None,
             "plant": None, "personal_manager": None, "note": ""}
        ]  # fmt: skip
        assert client.get("/api/routing/skills/").json()["results"] == [
            {"id": gas.pk, "kind": "service", "code": "gas", "name": "Gas"}
        ]
        assert client.get(f"/api/routing/teams/{team.pk}/").json()["region"] == "Lombardy"
        assert client.get("/api/routing/lines/").json()["results"][0]["fallback_uri"] == "sip:0200@centre-b"
        got = client.get(f"/api/routing/queues/{queue.pk}/").json()
        assert got["skills"] == [gas.pk] and got["offer_timeout_seconds"] == 20
        profile = client.get(f"/api/routing/operators/{anna.pk}/").json()
        assert profile["username"] == "anna" and profile["state"] == "paused"
        assert profile["pause_reason"] == "break" and profile["skills"] == [gas.pk]
        assert profile["lines"] == [line.pk] and profile["team"] == team.pk
        # Operators read only; the supervisors' writes are tests/routing/test_catalogue_api.py's.
        if role == "operator":
            skill = {"kind": "service", "code": "x", "name": "X"}
            assert client.post("/api/routing/skills/", skill).status_code == 403
        assert client.get("/api/routing/skills/999999/").status_code == 404
    assert Skill.objects.count() == 1


ROUTES = [
    "caller-classes",
    "skills",
    "teams",
    "lines",
    "queues",
    "operators",
    "wallboard",
    "me/state",
    "abandoned",
]


@pytest.mark.parametrize("path", [f"/api/routing/{route}/" for route in ROUTES])
def test_technicians_utility_users_and_nobody_are_refused(users, path):
    for role in ("technician", "utility", "norole"):
        assert api(users[role]).get(path).status_code == 403, role
    assert api(None).get(path).status_code == 401


def test_the_wallboard_tells_the_figures_now(users):
    now = timezone.now()
    operator("anna", idle_since=now - timedelta(minutes=5))
    operator("bruno", state=OperatorState.PAUSED, pause_reason=PauseReason.BREAK)
    assert ask("w-1", at=now - timedelta(seconds=30))["agent"] == "anna"
    report("w-1", "answer", agent="anna", at=now - timedelta(seconds=20))
    assert ask("w-2", caller="+390612345002", at=now - timedelta(seconds=10))["action"] == "queue"
    ask("w-3", caller="+390612345003", at=now - timedelta(seconds=8))
    report("w-3", "abandoned", at=now - timedelta(seconds=2))

    board = api(users["supervisor"]).get("/api/routing/wallboard/").json()
    [waiting] = [q for q in board["queues"] if q["waiting"]]
    assert waiting["queue_id"] is None and waiting["waiting"] == 1
    assert 9 <= waiting["longest_wait_seconds"] <= 15
    assert board["states"]["on_call"] == 1 and board["states"]["paused"] == 1
    assert set(board["states"]) == set(OperatorState.values)
    assert [(o["username"], o["state"]) for o in board["operators"]] == [
        ("anna", "on_call"),
        ("bruno", "paused"),
    ]
    assert board["lines"] == [
        {"line": "800100", "offered": 3, "answered": 1, "answered_in_target": 1, "share_in_target": 1 / 3}
    ]
    assert board["abandoned_today"] == 1 and board["answered_today"] == 1
    assert api(users["operator"]).get("/api/routing/wallboard/").status_code == 200


def test_my_state_is_read_and_chosen_from_the_console(users, served):
    supervisor = users["supervisor"]
    before = served(supervisor, "GET", "/api/routing/me/state/").json()
    assert before["operator"] is None and before["state"] == "signed_off"
    assert before["choices"] == ["available", "paused"]
    assert not OperatorProfile.objects.filter(user=supervisor).exists()  # a GET writes nothing

    refused = served(supervisor, "POST", "/api/routing/me/state/", json={"state": "paused"})
    assert refused.status_code == 400 and "reason" in refused.json()
    assert served(supervisor, "POST", "/api/routing/me/state/", json={"state": "on_call"}).status_code == 400
    paused = served(
        supervisor, "POST", "/api/routing/me/state/", json={"state": "paused", "reason": "training"}
    )
    assert paused.status_code == 200
    body = paused.json()
    assert (
        body["state"] == "paused" and body["pause_reason"] == "training" and body["username"] == "supervisor"
    )
    assert body["choices"] == ["available", "signed_off"]
    profile = OperatorProfile.objects.get(user=supervisor)
    assert profile.state == OperatorState.PAUSED and body["operator"] == profile.pk
    assert list(profile.state_changes.values_list("state", "reason")) == [("paused", "training")]


def test_the_state_cannot_be_left_while_on_a_call(users, served):
    now = timezone.now()
    anna = operator("anna", idle_since=now - timedelta(minutes=5))
    ask("busy-1", at=now)
    report("busy-1", "answer", agent="anna", at=now + timedelta(seconds=1))
    refused = served(anna.user, "POST", "/api/routing/me/state/", json={"state": "signed_off"})
    assert refused.status_code == 409 and "On a call" in refused.json()["detail"]
    anna.refresh_from_db()
    assert anna.state == OperatorState.ON_CALL
    mine = served(anna.user, "GET", "/api/routing/me/state/").json()
    assert (
        mine["state"] == "on_call" and mine["current_call"] == anna.current_call_id and mine["choices"] == []
    )
    # Nor may a supervisor take them off the call.
    path = f"/api/routing/operators/{anna.pk}/state/"
    again = served(users["supervisor"], "POST", path, json={"state": "paused", "reason": "meeting"})
    assert again.status_code == 409


def test_a_supervisor_sets_another_operators_state(users, served):
    bruno = operator("bruno")
    path = f"/api/routing/operators/{bruno.pk}/state/"
    done = served(users["supervisor"], "POST", path, json={"state": "signed_off"})
    assert (
        done.status_code == 200
        and done.json()["state"] == "signed_off"
        and done.json()["username"] == "bruno"
    )
    bruno.refresh_from_db()
    assert bruno.state == OperatorState.SIGNED_OFF
    for role in ("operator", "technician", "utility"):
        assert api(users[role]).post(path, {"state": "available"}).status_code == 403
    assert api(None).post(path, {"state": "available"}).status_code == 401
    bruno.refresh_from_db()
    assert bruno.state == OperatorState.SIGNED_OFF
    missing = served(
        users["supervisor"], "POST", "/api/routing/operators/999999/state/", json={"state": "available"}
    )
    assert missing.status_code == 404


def test_abandoned_calls_of_a_day(users, served):
    now = timezone.now()
    gold = CallerClass.objects.get(code="gold")
    CallerClassRule.objects.create(caller_class=gold, kind="number", number="+390612345009")
    ask("gone-1", caller="0612345009", at=now - timedelta(seconds=50))
    report("gone-1", "abandoned", at=now - timedelta(seconds=20))
    ask("gone-2", caller="0612345008", at=now - timedelta(seconds=15))
    report("gone-2", "hangup", at=now - timedelta(seconds=10))
    services.callback_schedule(
        actor=users["operator"], call=CallRoute.objects.get(call__external_id="gone-2").call,
        due_at=now + timedelta(hours=1), note="Called back", assigned_to=users["operator"],
    )  # fmt: skip
    today = timezone.localdate(now).isoformat()
    rows = served(users["operator"], "GET", f"/api/routing/abandoned/?date={today}").json()
    seen = [(r["number"], r["caller_class"]["code"], r["wait_seconds"], r["has_callback"]) for r in rows]
    assert seen == [("+390612345008", "silver", 5, True), ("+390612345009", "gold", 30, False)]
    assert (
        rows[0]["queue"] is None
        and rows[0]["call"] == CallRoute.objects.get(call__external_id="gone-2").call_id
    )
    assert served(users["operator"], "GET", "/api/routing/abandoned/").json() == rows
    yesterday = (timezone.localdate(now) - timedelta(days=1)).isoformat()
    assert served(users["supervisor"], "GET", f"/api/routing/abandoned/?date={yesterday}").json() == []
    for bad in ("2026-02-30", "1500-01-01", "9999-12-31", "today"):
        assert served(users["supervisor"], "GET", f"/api/routing/abandoned/?date={bad}").status_code == 400


def test_the_route_of_a_call_shows_its_decisions_and_consults(users, served):
    now = timezone.now()
    operator("anna", idle_since=now - timedelta(minutes=5))
    operator("bruno", idle_since=now - timedelta(minutes=1), extension="201")
    team = Team.objects.create(code="l2", name="Second line", is_second_line=True, consult_number="7000")
    operator("expert", extension="301", team=team, idle_since=now)
    ask("r-1", at=now)
    ask("r-1", attempt=2, previous="sip:anna@127.0.0.1", previous_status=408, at=now + timedelta(seconds=15))
    report("r-1", "answer", agent="bruno", at=now + timedelta(seconds=18))
    ask("r-1-consult", caller="201", line="7000", at=now + timedelta(seconds=30))
    report("r-1", "consult_started", agent="expert", at=now + timedelta(seconds=33))
    report("r-1", "consult_ended", agent="expert", at=now + timedelta(seconds=73))
    route = CallRoute.objects.get(call__external_id="r-1")

    body = served(users["operator"], "GET", f"/api/routing/calls/{route.call_id}/route/").json()
    assert body["call"] == route.call_id and body["caller_class"]["code"] == "silver"
    assert body["state"] == "connected" and body["operator"] == "bruno" and body["wait_seconds"] == 18
    assert [
        (d["attempt"], d["action"], d["operator"], d["target"], d["reason"]) for d in body["decisions"]
    ] == [
        (1, "offer", "anna", "sip:anna@127.0.0.1", "longest idle"),
        (2, "offer", "anna", "", "offer failed: SIP 408"),
        (2, "offer", "bruno", "sip:bruno@127.0.0.1", "longest idle"),
    ]
    [consult] = body["consults"]
    assert consult["operator"] == "bruno" and consult["team"] == "Second line"
    assert consult["consultant"] == "expert" and consult["duration_seconds"] == 40
    assert consult["outcome"] == "took_back"


def test_the_route_is_hidden_from_who_may_not_see_it(users, plant, served):
    now = timezone.now()
    operator("anna", idle_since=now - timedelta(minutes=5))
    ask("h-1", at=now)
    routed = CallRoute.objects.get(call__external_id="h-1").call_id
    # The utility's own customer's call: still refused by role, before any row is looked up.
    own = call_logged(users, plant)
    for role in ("utility", "technician", "norole"):
        for call_id in (routed, own.pk):
            response = api(users[role]).get(f"/api/routing/calls/{call_id}/route/")
            assert response.status_code == 403 and "decisions" not in response.json()
    assert api(None).get(f"/api/routing/calls/{routed}/route/").status_code == 401
    # A call the router never saw, and no call at all: not found.
    assert served(users["supervisor"], "GET", f"/api/routing/calls/{own.pk}/route/").status_code == 404
    assert served(users["supervisor"], "GET", "/api/routing/calls/999999/route/").status_code == 404


def test_a_new_operator_is_signed_off_until_they_choose(users):
    newcomer = UserFactory(username="newcomer", role=Role.OPERATOR)
    client = api(newcomer)
    assert client.get("/api/routing/me/state/").json()["state"] == "signed_off"
    assert client.post("/api/routing/me/state/", {"state": "available"}).json()["state"] == "available"
    assert OperatorProfile.objects.get(user=newcomer).idle_since is not None


def test_a_queued_decision_shows_the_position_and_the_estimate(users):
    now = timezone.now()
    operator("anna", state=OperatorState.ON_CALL)
    answer = ask("q-1", at=now)
    assert answer["action"] == "queue" and answer["position"] == 1
    call_id = CallRoute.objects.get(call__external_id="q-1").call_id
    body = api(users["supervisor"]).get(f"/api/routing/calls/{call_id}/route/").json()
    assert body["state"] == "queued" and body["operator"] is None and body["consults"] == []
    [decision] = body["decisions"]
    assert decision["action"] == "queue" and decision["position"] == 1 and decision["operator"] is None
    assert decision["estimated_wait_seconds"] == answer["estimated_wait"] > 0
