"""The live queue the wait estimate reads: who could take the queue's calls, who is free, how long
the busy ones have been on their call, and the queue's recent handle times."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch.choices import CallSource
from dispatch.models import Call
from routing.choices import OperatorState, RouteState
from routing.models import CallRoute, Line, Queue, Skill
from routing.waits import queue_snapshot, snapshot_cache_clear
from tests.routing.helpers import operator

pytestmark = pytest.mark.django_db


def _route(number: int, queue: Queue, **fields) -> CallRoute:
    received = fields.get("arrived_at", timezone.now())
    call = Call.objects.create(
        external_id=f"w-{number}", source=CallSource.TELEPHONY, received_at=received, line="800100"
    )
    return CallRoute.objects.create(call=call, queue=queue, arrived_at=received, **fields)


def test_the_snapshot_counts_able_free_and_busy_operators_of_the_queue(groups):
    now = timezone.now()
    gas, lifts = (
        Skill.objects.create(kind="service", code="gas"),
        Skill.objects.create(kind="service", code="lifts"),
    )
    queue = Queue.objects.create(code="gas", name="Gas")
    queue.skills.set([gas])
    line = Line.objects.create(number="800100", name="Gas")
    other_line = Line.objects.create(number="800200", name="Lifts")

    def skilled(name: str, *skills: Skill, **fields):
        profile = operator(name, **fields)
        profile.skills.set(skills)
        return profile

    skilled("free", gas, wrap_up_seconds=20)
    busy = skilled("busy", gas, lifts, state=OperatorState.ON_CALL, wrap_up_seconds=40)
    skilled("wrapped", gas, state=OperatorState.WRAP_UP, wrap_up_until=now - timedelta(seconds=5))
    skilled("wrapping", gas, state=OperatorState.WRAP_UP, wrap_up_until=now + timedelta(seconds=50))
    skilled("phoneless", gas, sip_uri="", extension="")
    skilled("on-the-line", gas).lines.set([line])
    skilled("unskilled", lifts)
    skilled("signed-off", gas, state=OperatorState.SIGNED_OFF)
    skilled("paused", gas, state=OperatorState.PAUSED)
    skilled("other-line", gas).lines.set([other_line])
    skilled("inactive", gas).user.__class__.objects.filter(username="inactive").update(is_active=False)

    _route(1, queue, state=RouteState.CONNECTED, operator=busy, connected_at=now - timedelta(seconds=100))
    for number, handle in enumerate([200, 300, 400], start=2):
        started = now - timedelta(hours=1, seconds=number * 1000)
        _route(
            number,
            queue,
            state=RouteState.ENDED,
            connected_at=started,
            finished_at=started + timedelta(seconds=handle),
        )
    snapshot_cache_clear()

    snapshot = queue_snapshot(queue=queue, line="800100", at=now)

    # At work (not paused, not signed off) with the skill, active, on this line (or on every
    # line): free, busy, wrapped, wrapping, phoneless, on-the-line. Free to ring now: free,
    # wrapped, on-the-line.
    assert snapshot.able == 6
    assert snapshot.free == 3
    assert snapshot.busy_elapsed == pytest.approx((100.0,), abs=0.01)
    assert sorted(snapshot.handle_times) == pytest.approx([200.0, 300.0, 400.0])
    assert snapshot.wrap_up_seconds == pytest.approx((20 + 40 + 30 * 4) / 6)
