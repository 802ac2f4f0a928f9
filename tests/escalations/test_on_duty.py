"""Whom a "supervisor on duty" step reaches (the supervisors on shift, else every one, and the
timeline says which), and how the case's panel shows the steps to come while it is paused."""

from datetime import timedelta

import pytest
from django.utils import timezone

from clocks.services import pause_start
from dispatch.choices import Role
from escalations.models import EscalationRunStep
from escalations.selectors import case_timeline, supervisors_on_duty
from escalations.services import chain_publish, escalations_sweep
from notifications.models import ContactPoint, Notification
from shifts.services import shift_save
from tests.factories import UserFactory

from .conftest import case_assigned

pytestmark = pytest.mark.django_db

M = timedelta(minutes=1)
TO_SUPERVISORS = [
    {"delay_minutes": 0, "target": "assigned_technician", "channel": "first"},
    {"delay_minutes": 5, "target": "supervisor_on_duty", "channel": "first"},
]


@pytest.fixture
def second_supervisor(users):
    sara = UserFactory(username="sara", first_name="Sara", role=Role.SUPERVISOR)
    ContactPoint.objects.create(user=sara, channel="email", address="sara@example.net", position=0)
    return sara


def on_shift(users, person, at):
    local = timezone.localtime(at)
    start = (local - timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    return shift_save(
        actor=users["supervisor"], user=person, team=None, day=start.date(), start=start.time(),
        end=(start + timedelta(hours=8)).time(),
    )  # fmt: skip


def warned(case):
    return sorted(
        Notification.objects.filter(intervention=case, reason="supervisor_warning").values_list(
            "recipient", flat=True
        )
    )


def test_the_supervisors_on_shift_are_on_duty(users, world, walk_chain, second_supervisor):
    chain_publish(actor=users["supervisor"], chain=walk_chain, steps=TO_SUPERVISORS)
    case = case_assigned(users, world["plant"])
    on_shift(users, second_supervisor, case.assigned_at + 5 * M)
    on_duty = supervisors_on_duty(case.assigned_at + 5 * M)
    assert (on_duty.people, on_duty.on_shift) == ([second_supervisor], True)
    escalations_sweep(now=case.assigned_at)
    escalations_sweep(now=case.assigned_at + 5 * M)
    assert warned(case) == ["sara@example.net"]  # not the supervisor off shift
    row = EscalationRunStep.objects.get(run__intervention=case, position=2)
    assert (row.user, row.note) == (second_supervisor, "")


def test_nobody_on_shift_reaches_every_supervisor_and_says_so(users, world, walk_chain, second_supervisor):
    chain_publish(actor=users["supervisor"], chain=walk_chain, steps=TO_SUPERVISORS)
    case = case_assigned(users, world["plant"])
    assert supervisors_on_duty(case.assigned_at).on_shift is False
    escalations_sweep(now=case.assigned_at)
    escalations_sweep(now=case.assigned_at + 5 * M)
    assert warned(case) == ["boss@example.net", "sara@example.net"]
    fired = case_timeline(intervention=case).fired[-1]
    assert fired.note == "no supervisor on shift: every supervisor (2)"
    event = case.events.filter(kind="escalation.step", data__position=2).get()
    assert event.data["note"] == fired.note


def test_a_paused_case_shows_the_steps_to_come_after_the_pause(users, world, walk_chain, client):
    case = case_assigned(users, world["plant"])
    t0 = case.assigned_at
    escalations_sweep(now=t0)
    client.force_login(users["operator"])
    before = client.get(f"/escalations/cases/{case.pk}/panel/").content.decode()
    assert "after the pause" not in before
    assert 'class="escalation-coming muted">due' in before
    # Paused, and the sweep has not passed since: the panel knows anyway.
    pause_start(actor=users["operator"], intervention=case, reason="customer", at=t0 + 2 * M)
    timeline = case_timeline(intervention=case)
    assert len(timeline.coming) == 5
    assert all(coming.due_at is None for coming in timeline.coming)
    html = client.get(f"/escalations/cases/{case.pk}/panel/").content.decode()
    assert html.count("after the pause") == 5
    assert 'class="escalation-coming muted">due' not in html
    escalations_sweep(now=t0 + 6 * M)  # held
    html = client.get(f"/escalations/cases/{case.pk}/panel/").content.decode()
    assert html.count("after the pause") == 5
