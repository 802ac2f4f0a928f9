"""The fuzz job's world and its per-role figures (printed at the end of the run)."""

import time
import uuid
from collections import defaultdict
from datetime import time as clock_time
from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch import services
from dispatch.choices import InterventionStatus as S
from network.services import supply_node_set
from notifications.models import ContactPoint
from oncall.services import rota_save, swap_request
from routing.choices import OperatorState
from routing.models import Line, Queue, Skill
from routing.services.operators import operator_profile_for, operator_state_choose
from routing.services.routes import route_decide
from shifts.services import shift_save
from teams.models import Team
from teams.services import team_area_add, team_member_set
from tests.dispatch.helpers import call_logged, intervention_in
from tests.fuzz.wsgi import in_process_wsgi  # noqa: F401  (fixture)

# role -> operations run, cases sent (stateful steps included), operations that failed, the
# stateful phase's links and steps, seconds.
FIGURES: dict[str, dict] = defaultdict(
    lambda: {"operations": set(), "cases": 0, "failures": set(), "links": 0, "steps": 0, "seconds": 0.0}
)


@pytest.fixture
def fuzz_world(users, plant, other_plant, settings):
    """Rows for every kind of id the API takes, in several states, made through the services: the
    generated requests meet real calls, interventions, callbacks and notifications."""
    settings.PRONTO_TELEPHONY_SECRET = "fuzz-telephony-secret-0123456789abcdef"
    settings.PRONTO_SMS_INBOUND_TOKEN = "fuzz-sms-inbound-token"
    # /readyz (issue 22) answers 503 when a check fails, and the fuzz job counts any 5xx as a
    # failure: no MQTT listener or Modbus poller runs here, so their heartbeat checks are off.
    settings.PRONTO_READY_LISTENER_MAX_AGE_SECONDS = 0
    settings.PRONTO_READY_POLLER_MAX_LAG_SECONDS = 0
    technician = users["technician"]
    ContactPoint.objects.create(user=technician, channel="sms", address="+393331234567", position=0)
    now = timezone.now()
    call = call_logged(users, plant)
    call_logged(users, other_plant, caller_number="051 765 4321")
    for status in (S.OPEN, S.ASSIGNED, S.ON_SITE, S.COMPLETED, S.CLOSED, S.CANCELLED):
        intervention_in(status, users=users, plant=plant, call=call)
    intervention_in(S.ASSIGNED, users=users, plant=other_plant)
    services.callback_schedule(
        actor=users["operator"], call=call, due_at=now + timedelta(hours=1), note="Outcome",
        assigned_to=users["operator"],
    )  # fmt: skip
    services.intervention_step_apply(
        actor=technician, intervention=intervention_in(S.ACKNOWLEDGED, users=users, plant=plant),
        step_id=uuid.uuid4(), action="note", client_time=now, note="On my way",
    )  # fmt: skip
    # The router (issue 17): a catalogue, operators' profiles, a call routed and one queued.
    gas = Skill.objects.create(kind="service", code="gas", name="Gas")
    Team.objects.create(code="l2", name="Second line", is_second_line=True, consult_number="7000")
    Line.objects.create(number="800100", name="Gas emergencies", fallback_uri="sip:0200@centre-b")
    Queue.objects.create(code="gas", name="Gas").skills.set([gas])
    for name in ("operator", "supervisor"):
        profile = operator_profile_for(users[name])
        operator_state_choose(actor=users[name], profile=profile, state=OperatorState.AVAILABLE)
    route_decide(call_id="fuzz-offered", caller="+390612345001", line="800100", at=now)
    route_decide(call_id="fuzz-queued", caller="+390612345002", line="800100", at=now)
    # Teams and shifts (issue 18): a regional team with both kinds of member and a shift today.
    region = Team.objects.create(code="north", name="North")
    for name, role in (("operator", "operator"), ("technician", "technician")):
        team_member_set(actor=users["supervisor"], team=region, user=users[name], role=role)
    shift_save(
        actor=users["supervisor"], user=users["operator"], team=region, day=timezone.localdate(now),
        start=clock_time(8), end=clock_time(17), break_minutes=60,
    )  # fmt: skip
    # On call (issue 18): the technician alone in the team's rota since last week, a swap asked of
    # technician2 for tomorrow, an area (Milan's province).
    team_member_set(actor=users["supervisor"], team=region, user=users["technician2"], role="technician")
    team_area_add(actor=users["supervisor"], team=region, kind="province", name="MI")
    rota = rota_save(
        actor=users["supervisor"], team=region, name="Gas", handover_weekday=0, handover_time=clock_time(8),
        starts_on=timezone.localdate(now) - timedelta(days=7), members=[users["technician"]],
    )  # fmt: skip
    tomorrow = now + timedelta(days=1)
    swap_request(
        actor=users["technician"], rota=rota, taker=users["technician2"], starts_at=tomorrow,
        ends_at=tomorrow + timedelta(hours=2),
    )  # fmt: skip
    # The supply network (issue 19): customer 1's plant feeds customer 2's.
    supply_node_set(actor=users["supervisor"], plant=other_plant, feeder=plant, supply_points=12)
    return users


@pytest.fixture
def figures():
    started = time.monotonic()
    holder: dict = {}
    yield holder
    if "role" in holder:
        FIGURES[holder["role"]]["seconds"] += time.monotonic() - started


def pytest_terminal_summary(terminalreporter):
    if not FIGURES:
        return
    write = terminalreporter.write_line
    terminalreporter.section("schemathesis per role")
    write(f"{'role':<12}{'operations':>11}{'cases':>8}{'failures':>10}{'links':>7}{'steps':>7}{'seconds':>9}")
    for role, row in FIGURES.items():
        write(
            f"{role:<12}{len(row['operations']):>11}{row['cases']:>8}{len(row['failures']):>10}"
            f"{row['links']:>7}{row['steps']:>7}{row['seconds']:>9.1f}"
        )
        for label in sorted(row["failures"]):
            write(f"    failed: {label}")
