"""The wait a queued caller is told: from the live queue and the queue's recent handle times.

The queue's state (operators able to take its calls, the elapsed time of the calls they are on,
the recent handle times) is read once a second per queue and kept in memory; every caller queued
in that second is told the estimate for their position from it (``routing.wait_estimate``
chooses the estimator and says why).
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from datetime import datetime

from routing.choices import RouteState
from routing.models import CallRoute, OperatorProfile, Queue
from routing.picking import operators_enabled, operators_free, operators_skilled
from routing.states import STAFFED
from routing.wait_estimate import HandleTimes, wait_estimates

RECENT_HANDLE_TIMES = 200


@dataclass(frozen=True)
class QueueSnapshot:
    able: int
    free: int
    busy_elapsed: tuple[float, ...]
    handle_times: tuple[float, ...]
    wrap_up_seconds: float


_cache: dict[int | None, tuple[int, QueueSnapshot]] = {}
_estimates: dict[int | None, tuple[QueueSnapshot, list[float]]] = {}
_cache_lock = threading.Lock()


def queue_snapshot(*, queue: Queue | None, line: str, at: datetime) -> QueueSnapshot:
    key = queue.pk if queue is not None else None
    second = int(time.monotonic())
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None and cached[0] == second:
        return cached[1]
    working = OperatorProfile.objects.filter(
        state__in=STAFFED,
        user__is_active=True,
    )
    able = operators_skilled(operators_enabled(working, line=line), queue=queue)
    free = operators_skilled(operators_enabled(operators_free(at=at), line=line), queue=queue).count()
    connected = CallRoute.objects.filter(
        state=RouteState.CONNECTED, operator__in=able.values("pk"), connected_at__isnull=False
    ).values_list("connected_at", flat=True)
    busy = tuple(max(0.0, (at - started).total_seconds()) for started in connected if started is not None)
    recent = (
        CallRoute.objects.filter(queue=queue, connected_at__isnull=False, finished_at__isnull=False)
        .order_by("-finished_at")
        .values_list("connected_at", "finished_at")[:RECENT_HANDLE_TIMES]
    )
    handle = tuple(
        (end - start).total_seconds()
        for start, end in recent
        if start is not None and end is not None and end > start
    )
    wrap_ups = list(able.values_list("wrap_up_seconds", flat=True))
    snapshot = QueueSnapshot(
        able=len(wrap_ups),
        free=free,
        busy_elapsed=busy,
        handle_times=handle,
        wrap_up_seconds=sum(wrap_ups) / len(wrap_ups) if wrap_ups else 0.0,
    )
    with _cache_lock:
        _cache[key] = (second, snapshot)
    return snapshot


def wait_estimate_seconds(*, queue: Queue | None, line: str, position: int, at: datetime) -> int | None:
    """Seconds until the caller at ``position`` (1 = next) is answered; None when nobody who
    could answer is at work (the phone system then plays its "all busy" message instead).

    The conditional simulation of ``routing.wait_estimate``: each busy operator's remaining time
    drawn given how long they have been on their call, the queue's handle times fitted from its
    recent calls. One run gives every position; it is kept with the second's snapshot."""
    snapshot = queue_snapshot(queue=queue, line=line, at=at)
    if snapshot.able == 0:
        return None
    key = queue.pk if queue is not None else None
    with _cache_lock:
        known = _estimates.get(key)
    if known is None or known[0] is not snapshot or len(known[1]) < position:
        busy = list(snapshot.busy_elapsed[: snapshot.able - snapshot.free])
        # Ringing operators have not started their call: elapsed 0.
        busy += [0.0] * max(0, snapshot.able - snapshot.free - len(busy))
        waiting = max(position, 2 * len(known[1]) if known is not None and known[0] is snapshot else 0, 8)
        estimates = wait_estimates(
            busy_elapsed=busy,
            free_agents=snapshot.free,
            waiting=waiting,
            handle=HandleTimes.fit(snapshot.handle_times),
            wrap_up=snapshot.wrap_up_seconds,
            rng=random.Random(int(at.timestamp())),
        )
        known = (snapshot, estimates)
        with _cache_lock:
            _estimates[key] = known
    return round(known[1][position - 1])


def snapshot_cache_clear() -> None:
    with _cache_lock:
        _cache.clear()
        _estimates.clear()
