"""A chain walked through every step with nothing faked downstream: the sweep runs here (each
step made due by moving the run's clock back by the step's delay, so the worker, which sends only
rows due by its own clock, sends at once), each step's outbox row goes through a real Redis to a
real ``celery worker`` process, which hands the SMS to a real Kannel (bearerbox, smsbox,
fakesmsc); Kannel's delivery reports come back to this process's live server. Each step's SMS
reaches the fake phone network, and the case's timeline says so.

PostgreSQL only: the worker is another process and must see the test's committed rows.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import F
from django.test import Client
from django.utils import timezone

from escalations.models import EscalationChain, EscalationRun, EscalationRunStep
from escalations.services import chain_publish, escalations_sweep, shipped_chains_restore
from notifications.models import ContactPoint, Notification
from tests.notifications.celery import test_worker_real as real

from .conftest import case_assigned

# The real servers and the worker, as the notifications' own real-worker tests start them.
redis_broker, kannel_gateway, kannel, sink = real.redis_broker, real.kannel_gateway, real.kannel, real.sink
broker, worker, wait_until = real.broker, real.worker, real.wait_until

pytestmark = [
    pytest.mark.real_component,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

# Every step by SMS, so that each one is a message on the fake phone network.
EVERY_STEP_BY_SMS = [
    {"delay_minutes": 0, "target": "assigned_technician", "channel": "sms"},
    {"delay_minutes": 5, "target": "assigned_technician", "channel": "sms"},
    {"delay_minutes": 5, "target": "on_call", "channel": "sms"},
    {"delay_minutes": 5, "target": "on_call_backup", "channel": "sms"},
    {"delay_minutes": 10, "target": "team_leader", "channel": "sms"},
    {"delay_minutes": 10, "target": "supervisor_on_duty", "channel": "sms"},
]
NUMBERS = {
    "technician": "+393330000001",
    "nora": "+393330000002",
    "dario": "+393330000003",
    "lea": "+393330000004",
    "supervisor": "+393330000005",
}


def _step_due_now(run: EscalationRun, minutes: int) -> None:
    """The clock moved on by ``minutes``: the run's last step and its due time that much earlier."""
    EscalationRun.objects.filter(pk=run.pk).update(
        step_base_at=F("step_base_at") - timedelta(minutes=minutes),
        next_due_at=F("next_due_at") - timedelta(minutes=minutes),
    )


def test_every_step_of_a_chain_reaches_kannel_through_the_real_worker(users, world, sink, kannel, worker):
    shipped_chains_restore()  # a transactional test may start from a flushed database
    ContactPoint.objects.create(user=world["lea"], channel="sms", address=NUMBERS["lea"], position=10)
    ContactPoint.objects.create(
        user=users["supervisor"], channel="sms", address=NUMBERS["supervisor"], position=10
    )
    chain = EscalationChain.objects.get(case_type__isnull=True, priority=1)
    chain_publish(actor=users["supervisor"], chain=chain, steps=EVERY_STEP_BY_SMS)
    process = worker(sink, kannel)

    case = case_assigned(users, world["plant"])
    numbers = ["technician", "technician", "nora", "dario", "lea", "supervisor"]
    for position, (step, who) in enumerate(zip(EVERY_STEP_BY_SMS, numbers, strict=True), start=1):
        if position > 1:
            _step_due_now(EscalationRun.objects.get(intervention=case), step["delay_minutes"])
        escalations_sweep(now=timezone.now())
        fired = EscalationRunStep.objects.get(run__intervention=case, position=position)
        assert (fired.outcome, fired.user.username if fired.user else None) == ("notified", who)
        # Step 1 went out with the assignment (every channel of the technician), not again.
        reason = (
            "assigned" if position == 1 else ("supervisor_warning" if who == "supervisor" else "escalated")
        )
        rows = Notification.objects.filter(intervention=case, reason=reason, channel="sms")
        if position > 1:
            rows = rows.filter(escalation_step=position)
        # Read afresh at every poll (a queryset iterated once keeps its first rows), and the
        # message built at the deadline, with the rows and the worker's log as they are then.
        wait_until(
            lambda rows=rows: _statuses(rows) and set(_statuses(rows)) == {"delivered"},
            30,
            lambda rows=rows, position=position: (
                f"step {position}'s SMS delivered; rows {_statuses(rows)}; "
                f"worker log:\n{process.log()[-2000:]}\n{_activity()}"
            ),
        )
        got = [m for m in kannel.phone.messages() if m.receiver == NUMBERS[who]]
        assert any(f"#{case.pk}" in m.text("gsm7") for m in got), f"step {position}: no SMS to {who}"

    run = EscalationRun.objects.get(intervention=case)
    assert run.state == "exhausted"
    steps = list(EscalationRunStep.objects.filter(run=run).order_by("position"))
    assert [(s.position, s.outcome) for s in steps] == [(n, "notified") for n in range(1, 7)]
    assert [s.sent_on for s in steps] == ["assignment"] + ["sms"] * 5
    # The timeline: the case's panel lists every step, and its history each SMS delivered.
    client = Client()
    client.force_login(users["supervisor"])
    panel = client.get(f"/escalations/cases/{case.pk}/panel/").content.decode()
    assert panel.count("escalation-fired escalation-notified") == 6
    for name in ("Nora", "Dario", "Lea"):
        assert name in panel
    delivered = case.events.filter(kind="notification.delivered")
    steps_delivered = {Notification.objects.get(pk=e.data["notification"]).escalation_step for e in delivered}
    assert {2, 3, 4, 5, 6} <= steps_delivered


def _statuses(rows) -> list[str]:
    return list(rows.values_list("status", flat=True))


def _activity():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "select pid, state, wait_event_type, left(query, 150) from pg_stat_activity"
            " where datname = current_database()"
        )
        return cursor.fetchall()
