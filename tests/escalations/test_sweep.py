"""The chains walked step by step with a moved clock: delays, who each step finds, the
acknowledgement, the pause, the cancel and the re-assignment that stop or hold a run, the step
that finds nobody, and the version a run keeps."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clocks.services import pause_end, pause_start
from dispatch import services as dispatch_services
from dispatch.models import Event
from escalations.models import EscalationRun, EscalationRunStep
from escalations.selectors import case_timeline
from escalations.services import chain_publish, escalations_sweep
from notifications.models import Notification
from oncall.models import Rota

from .conftest import case_assigned

pytestmark = pytest.mark.django_db

M = timedelta(minutes=1)


def sent(case, reason="escalated"):
    return list(
        Notification.objects.filter(intervention=case, reason=reason)
        .order_by("id")
        .values_list("recipient", flat=True)
    )


def fired(case):
    return list(
        EscalationRunStep.objects.filter(run__intervention=case)
        .order_by("run_id", "position")
        .values_list("position", "outcome", "user__username", "sent_on")
    )


def test_the_chain_walks_every_step_after_its_delay(users, world, walk_chain):
    case = case_assigned(users, world["plant"])
    t0 = case.assigned_at
    assert escalations_sweep(now=t0)["started"] == 1
    run = EscalationRun.objects.get(intervention=case)
    assert run.version.number == 2
    assert fired(case) == [(1, "notified", "technician", "assignment")]
    assert sent(case) == []
    # Step 2 after 5 minutes: the technician's next channel; not a second earlier.
    escalations_sweep(now=t0 + 5 * M - timedelta(seconds=1))
    assert sent(case) == []
    escalations_sweep(now=t0 + 5 * M)
    assert sent(case) == ["tech@example.net"]
    escalations_sweep(now=t0 + 10 * M)  # the technician on call in the plant's team, by SMS
    escalations_sweep(now=t0 + 15 * M)  # the backup team's
    escalations_sweep(now=t0 + 25 * M)  # the team leader, by email
    assert sent(case) == ["tech@example.net", "+393330000002", "+393330000003", "lea@example.net"]
    escalations_sweep(now=t0 + 35 * M - timedelta(seconds=1))
    assert sent(case, "supervisor_warning") == []
    escalations_sweep(now=t0 + 35 * M)
    assert sent(case, "supervisor_warning") == ["boss@example.net"]
    assert [f[:3] for f in fired(case)] == [
        (1, "notified", "technician"),
        (2, "notified", "technician"),
        (3, "notified", "nora"),
        (4, "notified", "dario"),
        (5, "notified", "lea"),
        (6, "notified", "supervisor"),
    ]
    run.refresh_from_db()
    assert run.state == "exhausted"
    steps = Event.objects.filter(intervention=case, kind="escalation.step").order_by("seq")
    assert [e.data["position"] for e in steps] == [1, 2, 3, 4, 5, 6]
    # Nothing fires twice.
    assert escalations_sweep(now=t0 + 60 * M) == {"started": 0}
    assert len(sent(case)) == 4


def test_the_acknowledgement_stops_the_run_and_says_so(users, world, walk_chain):
    case = case_assigned(users, world["plant"])
    t0 = case.assigned_at
    escalations_sweep(now=t0)
    dispatch_services.intervention_acknowledge(actor=users["technician"], intervention=case)
    counts = escalations_sweep(now=t0 + 1 * M)
    assert counts["stopped"] == 1
    run = EscalationRun.objects.get(intervention=case)
    assert (run.state, run.stopped_reason) == ("stopped", "acknowledged")
    escalations_sweep(now=t0 + 60 * M)
    assert sent(case) == []
    stopped = Event.objects.get(intervention=case, kind="escalation.stopped")
    assert stopped.data["reason"] == "acknowledged"


def test_the_cancel_stops_the_run(users, world, walk_chain):
    case = case_assigned(users, world["plant"])
    escalations_sweep(now=case.assigned_at)
    dispatch_services.intervention_cancel(actor=users["supervisor"], intervention=case, reason="Duplicate")
    escalations_sweep(now=case.assigned_at + 60 * M)
    run = EscalationRun.objects.get(intervention=case)
    assert (run.state, run.stopped_reason) == ("stopped", "cancelled")
    assert sent(case) == []


def test_a_pause_holds_the_run_and_the_resume_moves_its_due_time_by_the_pause(users, world, walk_chain):
    case = case_assigned(users, world["plant"])
    t0 = case.assigned_at
    escalations_sweep(now=t0)
    pause_start(actor=users["operator"], intervention=case, reason="customer", at=t0 + 2 * M)
    escalations_sweep(now=t0 + 6 * M)  # due at +5, but paused since +2
    run = EscalationRun.objects.get(intervention=case)
    assert run.paused_at == t0 + 2 * M
    assert sent(case) == []
    assert case_timeline(intervention=case).coming[0].due_at is None
    pause_end(actor=users["operator"], intervention=case, at=t0 + 12 * M)  # 10 minutes paused
    escalations_sweep(now=t0 + 14 * M)
    run.refresh_from_db()
    assert (run.paused_at, run.next_due_at) == (None, t0 + 15 * M)
    assert sent(case) == []
    escalations_sweep(now=t0 + 15 * M)
    assert sent(case) == ["tech@example.net"]


def test_a_reassignment_stops_the_run_and_starts_one_for_the_new_technician(users, world, walk_chain):
    case = case_assigned(users, world["plant"])
    escalations_sweep(now=case.assigned_at)
    case = dispatch_services.intervention_assign(
        actor=users["operator"], intervention=case, technician=users["technician2"]
    )
    escalations_sweep(now=case.assigned_at)
    runs = list(EscalationRun.objects.filter(intervention=case).order_by("pk"))
    assert [(r.state, r.stopped_reason) for r in runs] == [("stopped", "reassigned"), ("running", "")]
    assert runs[1].started_at == case.assigned_at


def test_a_step_that_finds_nobody_on_call_goes_to_the_next_at_once_and_says_so(users, world, walk_chain):
    Rota.objects.filter(team=world["north"]).update(active=False)
    case = case_assigned(users, world["plant"])
    t0 = case.assigned_at
    escalations_sweep(now=t0)
    escalations_sweep(now=t0 + 5 * M)
    escalations_sweep(now=t0 + 10 * M)  # nobody on call in North: the backup team's at once
    assert [f[:3] for f in fired(case)][2:] == [(3, "nobody", None), (4, "notified", "dario")]
    timeline = case_timeline(intervention=case)
    assert timeline.fired[2].note == "nobody on call: next step"
    assert timeline.coming[0].step.position == 5
    assert timeline.coming[0].due_at == t0 + 20 * M
    event = Event.objects.filter(intervention=case, kind="escalation.step", data__position=3).get()
    assert event.data["note"] == "nobody on call: next step"


def test_a_running_chain_keeps_its_version_when_a_new_one_is_published(users, world, walk_chain):
    case = case_assigned(users, world["plant"])
    escalations_sweep(now=case.assigned_at)
    chain_publish(
        actor=users["supervisor"],
        chain=walk_chain,
        steps=[{"delay_minutes": 1, "target": "supervisor_on_duty", "channel": "first"}],
    )
    escalations_sweep(now=case.assigned_at + 5 * M)
    assert sent(case) == ["tech@example.net"]  # version 2's step 2, not version 3's
    later = case_assigned(users, world["plant"], who="technician2")
    escalations_sweep(now=later.assigned_at)
    assert EscalationRun.objects.get(intervention=later).version.number == 3


def test_a_reassigning_step_hands_the_case_to_the_technician_on_call(users, world, walk_chain):
    chain_publish(
        actor=users["supervisor"],
        chain=walk_chain,
        steps=[
            {"delay_minutes": 0, "target": "assigned_technician", "channel": "first"},
            {"delay_minutes": 5, "target": "on_call_backup", "channel": "first", "reassign": True},
            {"delay_minutes": 5, "target": "supervisor_on_duty", "channel": "first"},
        ],
    )
    case = case_assigned(users, world["plant"])
    escalations_sweep(now=case.assigned_at)
    escalations_sweep(now=case.assigned_at + 5 * M)
    case.refresh_from_db()
    assert case.technician == world["dario"]
    assert sent(case, "assigned")[-1] == "+393330000003"
    run = EscalationRun.objects.get(intervention=case)
    assert (run.state, run.assignment_at, run.next_position) == ("running", case.assigned_at, 3)
    # The run goes on for the new technician: no new run, no "reassigned" stop.
    escalations_sweep(now=case.assigned_at + 1 * M)
    assert EscalationRun.objects.filter(intervention=case).count() == 1
    assert fired(case)[1][:3] == (2, "notified", "dario")


def test_the_sweep_takes_a_constant_number_of_queries(users, world, walk_chain):
    def queries_for(count):
        EscalationRun.objects.update(state="exhausted")  # the earlier cases out of the way
        cases = [case_assigned(users, world["plant"]) for _ in range(count)]
        last = max(case.assigned_at for case in cases)
        escalations_sweep(now=last)
        escalations_sweep(now=last + 5 * M)
        with CaptureQueriesContext(connection) as queries:
            counts = escalations_sweep(now=last + 10 * M)
        assert counts["step_notified"] == count
        return len(queries)

    assert queries_for(2) == queries_for(7)
