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
from functools import lru_cache

from django.db import connection

from routing.catalogue import catalogue
from routing.choices import OperatorState, RouteState
from routing.models import CallRoute, Queue
from routing.picking import able_from, able_params, able_where, as_datetime, quoted
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


# Recent handle times move slowly (the last 200 calls): read again at most this often.
HANDLE_TIMES_SECONDS = 15

_cache: dict[int | None, tuple[int, QueueSnapshot]] = {}
_handle_times: dict[int | None, tuple[float, tuple[float, ...]]] = {}
_estimates: dict[int | None, tuple[QueueSnapshot, list[float]]] = {}
_cache_lock = threading.Lock()


@lru_cache(maxsize=32)
def _working_sql(*, vendor: str, skills: int, on_line: bool) -> str:
    """The operators at work who could take the queue's calls, one row each: state, wrap-up,
    phone, and when the call they are on was answered. One statement (it was four ORM queries,
    ten milliseconds a second per queue and worker taken from a caller's route question)."""
    routes = quoted(CallRoute._meta.db_table)
    staffed = ", ".join(f"'{state}'" for state in sorted(STAFFED))
    where = [f"p.state IN ({staffed})", *able_where(skills=skills, on_line=on_line)]
    return (
        "SELECT p.state, p.wrap_up_until, p.wrap_up_seconds, (p.sip_uri <> '' OR p.extension <> ''),"  # noqa: S608
        f" (SELECT MAX(r.connected_at) FROM {routes} r WHERE r.operator_id = p.id"
        f" AND r.state = '{RouteState.CONNECTED}')"
        f" FROM {able_from()} WHERE {' AND '.join(where)}"
    )


def _recent_handle_times(queue: Queue | None) -> tuple[float, ...]:
    key = queue.pk if queue is not None else None
    now = time.monotonic()
    with _cache_lock:
        known = _handle_times.get(key)
    if known is not None and now - known[0] < HANDLE_TIMES_SECONDS:
        return known[1]
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
    with _cache_lock:
        _handle_times[key] = (now, handle)
    return handle


def queue_snapshot(*, queue: Queue | None, line: str, at: datetime) -> QueueSnapshot:
    key = queue.pk if queue is not None else None
    second = int(time.monotonic())
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None and cached[0] == second:
        return cached[1]
    known_line = catalogue().lines.get(line) if line else None
    skill_ids = catalogue().queue_skills.get(queue.pk, ()) if queue is not None else ()
    sql = _working_sql(vendor=connection.vendor, skills=len(skill_ids), on_line=known_line is not None)
    with connection.cursor() as cursor:
        cursor.execute(sql, able_params(line_id=known_line.pk if known_line else None, skill_ids=skill_ids))
        rows = cursor.fetchall()
    free, busy, wrap_ups = 0, [], []
    for state, wrap_up_until, wrap_up_seconds, has_phone, connected_at in rows:
        wrap_up_until, connected_at = as_datetime(wrap_up_until), as_datetime(connected_at)
        wrapped_up = state == OperatorState.WRAP_UP and wrap_up_until is not None and wrap_up_until <= at
        if has_phone and (state == OperatorState.AVAILABLE or wrapped_up):
            free += 1
        if connected_at is not None:
            busy.append(max(0.0, (at - connected_at).total_seconds()))
        wrap_ups.append(wrap_up_seconds)
    snapshot = QueueSnapshot(
        able=len(wrap_ups),
        free=free,
        busy_elapsed=tuple(busy),
        handle_times=_recent_handle_times(queue),
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
        _handle_times.clear()
        _estimates.clear()
