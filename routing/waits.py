"""The wait a queued caller is told: from the live queue and the queue's recent handle times.

The queue's state (operators able to take its calls, the elapsed time of the calls they are on,
the recent handle times) is read once a second per queue and kept in memory; every caller queued
in that second is told the estimate for their position from it (``routing.wait_estimate``
chooses the estimator and says why).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime

from routing.choices import OperatorState, RouteState
from routing.models import CallRoute, OperatorProfile, Queue
from routing.picking import operators_enabled, operators_free, operators_skilled

RECENT_HANDLE_TIMES = 200
DEFAULT_MEAN_HANDLE_SECONDS = 320.0


@dataclass(frozen=True)
class QueueSnapshot:
    able: int
    free: int
    busy_elapsed: tuple[float, ...]
    handle_times: tuple[float, ...]
    wrap_up_seconds: float


_cache: dict[int | None, tuple[int, QueueSnapshot]] = {}
_cache_lock = threading.Lock()


def queue_snapshot(*, queue: Queue | None, line: str, at: datetime) -> QueueSnapshot:
    key = queue.pk if queue is not None else None
    second = int(time.monotonic())
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None and cached[0] == second:
        return cached[1]
    working = OperatorProfile.objects.filter(
        state__in=[
            OperatorState.AVAILABLE,
            OperatorState.OFFERED,
            OperatorState.ON_CALL,
            OperatorState.WRAP_UP,
        ],
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
    could answer is at work (the phone system then plays its "all busy" message instead)."""
    snapshot = queue_snapshot(queue=queue, line=line, at=at)
    if snapshot.able == 0:
        return None
    mean = (
        sum(snapshot.handle_times) / len(snapshot.handle_times)
        if len(snapshot.handle_times) >= 20
        else DEFAULT_MEAN_HANDLE_SECONDS
    ) + snapshot.wrap_up_seconds
    # Ibrahim & Whitt's queue-length predictor until routing.wait_estimate lands.
    return round(position * mean / snapshot.able)


def snapshot_cache_clear() -> None:
    with _cache_lock:
        _cache.clear()
