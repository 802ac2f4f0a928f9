"""A case's clocks: typed from the call's start, paused and resumed, read as running, amber,
late, paused or met, and each breach recorded once in the case's history."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from clocks.choices import ClockState
from clocks.models import CaseType, Clock
from clocks.selectors import case_clocks, case_clocks_pressing, clock_most_urgent
from clocks.services import breaches_record, case_file_set, pause_end, pause_start
from dispatch import services
from dispatch.errors import TransitionNotAllowed
from dispatch.models import Event
from routing.models import CallerClass
from tests.dispatch.helpers import call_logged

pytestmark = pytest.mark.django_db


@pytest.fixture
def emergency_case(users, plant):
    """An emergency reported by a call 10 minutes ago, typed now (clocks: response 15 min,
    arrival 60 min, around the clock)."""
    call = call_logged(users, plant, received_at=timezone.now() - timedelta(minutes=10))
    intervention = services.intervention_open(
        actor=users["operator"], plant=plant, call=call, summary="Gas smell"
    )
    case_file_set(
        actor=users["operator"], intervention=intervention, case_type=CaseType.objects.get(code="emergency")
    )
    return intervention


def states(intervention, at):
    return {clock.metric: clock.state for clock in case_clocks([intervention.pk], now=at)[intervention.pk]}


def kinds(intervention):
    return list(
        Event.objects.filter(intervention=intervention).order_by("seq").values_list("kind", flat=True)
    )


def test_clocks_start_with_the_call_not_with_the_case(emergency_case):
    call_start = emergency_case.call.received_at
    clocks = {clock.metric: clock for clock in Clock.objects.filter(intervention=emergency_case)}
    assert set(clocks) == {"response", "arrival"}
    assert clocks["arrival"].due_at == call_start + timedelta(minutes=60)
    assert clocks["arrival"].amber_at == call_start + timedelta(minutes=45)
    assert clocks["response"].due_at == call_start + timedelta(minutes=15)
    assert kinds(emergency_case)[-1] == "case.typed"


def test_a_clock_reads_running_amber_late_and_met(emergency_case, users):
    start = emergency_case.call.received_at
    assert states(emergency_case, start + timedelta(minutes=11)) == {
        "response": "running",
        "arrival": "running",
    }
    assert states(emergency_case, start + timedelta(minutes=12)) == {
        "response": "amber",
        "arrival": "running",
    }
    assert states(emergency_case, start + timedelta(minutes=16)) == {
        "response": "breached",
        "arrival": "running",
    }
    assert states(emergency_case, start + timedelta(minutes=50))["arrival"] == ClockState.AMBER

    services.intervention_assign(
        actor=users["operator"], intervention=emergency_case, technician=users["technician"]
    )
    services.intervention_acknowledge(
        actor=users["technician"], intervention=emergency_case, at=start + timedelta(minutes=12)
    )
    services.intervention_arrive(
        actor=users["technician"], intervention=emergency_case, at=start + timedelta(minutes=70)
    )

    later = start + timedelta(hours=3)
    assert states(emergency_case, later) == {"response": "met", "arrival": "met_late"}


def test_a_pause_stops_the_clocks_and_pushes_them_back(emergency_case, users):
    start = emergency_case.call.received_at
    arrival = Clock.objects.get(intervention=emergency_case, metric="arrival")
    pause_start(
        actor=users["operator"],
        intervention=emergency_case,
        reason="access",
        note="Gate locked",
        at=start + timedelta(minutes=20),
    )
    assert states(emergency_case, start + timedelta(minutes=90))["arrival"] == ClockState.PAUSED
    with pytest.raises(TransitionNotAllowed):
        pause_start(actor=users["operator"], intervention=emergency_case, reason="parts")

    pause_end(actor=users["supervisor"], intervention=emergency_case, at=start + timedelta(minutes=50))

    arrival.refresh_from_db()
    assert arrival.due_at == start + timedelta(minutes=90)
    assert states(emergency_case, start + timedelta(minutes=80))["arrival"] == ClockState.AMBER
    assert kinds(emergency_case)[-2:] == ["case.paused", "case.resumed"]
    with pytest.raises(TransitionNotAllowed):
        pause_end(actor=users["operator"], intervention=emergency_case)


def test_a_clock_late_before_its_pause_stays_late(emergency_case, users):
    start = emergency_case.call.received_at
    pause_start(
        actor=users["operator"],
        intervention=emergency_case,
        reason="customer",
        at=start + timedelta(minutes=20),
    )
    assert states(emergency_case, start + timedelta(minutes=30)) == {
        "response": "breached",
        "arrival": "paused",
    }


def test_only_staff_type_and_pause_cases(emergency_case, users):
    with pytest.raises(PermissionDenied):
        pause_start(actor=users["technician"], intervention=emergency_case, reason="parts")
    with pytest.raises(PermissionDenied):
        case_file_set(
            actor=users["technician"],
            intervention=emergency_case,
            case_type=CaseType.objects.get(code="incident"),
        )


def test_the_sweep_records_each_breach_once(emergency_case, users):
    start = emergency_case.call.received_at
    services.intervention_assign(
        actor=users["operator"], intervention=emergency_case, technician=users["technician"]
    )
    services.intervention_acknowledge(
        actor=users["technician"], intervention=emergency_case, at=start + timedelta(minutes=12)
    )

    # At 20 minutes the response was met in time (settled, nothing recorded), arrival not due.
    assert breaches_record(now=start + timedelta(minutes=20)) == 0
    # At 61 minutes the arrival is late: recorded once, however often the sweep runs.
    assert breaches_record(now=start + timedelta(minutes=61)) == 1
    assert breaches_record(now=start + timedelta(minutes=62)) == 0
    breach = Event.objects.filter(intervention=emergency_case, kind="clock.breached").get()
    assert breach.data["metric"] == "arrival"
    assert Clock.objects.filter(intervention=emergency_case, settled_at__isnull=True).count() == 0


def test_the_sweep_waits_for_a_pause_that_began_before_the_clock_fell_due(emergency_case, users):
    start = emergency_case.call.received_at
    pause_start(
        actor=users["operator"], intervention=emergency_case, reason="parts", at=start + timedelta(minutes=30)
    )
    # Response was due at 15 (before the pause): late. Arrival waits for the pause to end.
    assert breaches_record(now=start + timedelta(minutes=70)) == 1
    pause_end(actor=users["operator"], intervention=emergency_case, at=start + timedelta(minutes=80))
    # 30 minutes of arrival's clock were left at the pause: due at 110.
    assert breaches_record(now=start + timedelta(minutes=100)) == 0
    assert breaches_record(now=start + timedelta(minutes=111)) == 1
    assert [
        e.data["metric"] for e in Event.objects.filter(intervention=emergency_case, kind="clock.breached")
    ] == [
        "response",
        "arrival",
    ]


def test_a_new_type_restarts_the_clocks_still_running_on_its_targets(emergency_case, users):
    vip = CallerClass.objects.get(code="vip")
    start = emergency_case.call.received_at
    services.intervention_assign(
        actor=users["operator"], intervention=emergency_case, technician=users["technician"]
    )
    services.intervention_acknowledge(
        actor=users["technician"], intervention=emergency_case, at=start + timedelta(minutes=5)
    )
    response_before = Clock.objects.get(intervention=emergency_case, metric="response")

    case_file = case_file_set(
        actor=users["supervisor"],
        intervention=emergency_case,
        case_type=CaseType.objects.get(code="incident"),
        caller_class=vip,
        reach=12,
    )

    assert (case_file.case_type.code, case_file.caller_class, case_file.reach) == ("incident", vip, 12)
    clocks = {clock.metric: clock for clock in Clock.objects.filter(intervention=emergency_case)}
    # The response, met, keeps its clock; the incident has no arrival target; resolution starts.
    assert clocks["response"] == response_before and clocks["response"].due_at == response_before.due_at
    assert set(clocks) == {"response", "resolution"}
    assert clocks["resolution"].unit == "working_days" and clocks["resolution"].amount == 10


def test_case_clocks_reads_many_cases_in_two_queries(emergency_case, users, plant, django_assert_num_queries):
    others = [
        services.intervention_open(actor=users["operator"], plant=plant, summary=f"Case {n}")
        for n in range(5)
    ]
    for other in others:
        case_file_set(
            actor=users["operator"], intervention=other, case_type=CaseType.objects.get(code="service")
        )
    ids = [emergency_case.pk, *(o.pk for o in others)]
    with django_assert_num_queries(2):
        found = case_clocks(ids, now=timezone.now())
    assert set(found) == set(ids) and all(len(clocks) == 2 for clocks in found.values())


def test_the_boards_one_clock_is_the_most_pressing_of_the_full_reading(emergency_case, users):
    start = emergency_case.call.received_at
    for minutes in (1, 12, 16, 50, 70):
        at = start + timedelta(minutes=minutes)
        full = clock_most_urgent(case_clocks([emergency_case.pk], now=at)[emergency_case.pk])
        assert case_clocks_pressing([emergency_case.pk], now=at)[emergency_case.pk] == full
    services.intervention_assign(
        actor=users["operator"], intervention=emergency_case, technician=users["technician"]
    )
    services.intervention_acknowledge(actor=users["technician"], intervention=emergency_case, at=start)
    services.intervention_arrive(actor=users["technician"], intervention=emergency_case, at=start)
    assert case_clocks_pressing([emergency_case.pk], now=start + timedelta(hours=2)) == {}
