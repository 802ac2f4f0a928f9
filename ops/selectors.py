"""Reads of the ops app: the readiness checks behind ``/readyz`` and the figures the metrics'
scrape computes. Each check is a plain function returning a ``Check`` (name, value, threshold,
pass or fail); ``readiness()`` runs them all. They are plain functions rather than
django-health-check's plugins: that package's view answers 500, not 503, and its JSON names a
check and "OK" or an error, without the value and the threshold an operator reads; its current
release needs a newer Python than ours; and most of ours are Pronto's own figures (a heartbeat,
the poller's lag, the outbox), which would each be a plugin class around one query anyway.

No check returns personal data or a server's address: an error is named by its type.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Max, Min
from django.utils import timezone

from dispatch.timing import seconds_between
from notifications.choices import NotificationStatus
from notifications.models import Notification
from telecontrol import selectors as telecontrol_selectors

from .choices import ProcessKind
from .models import ProcessHeartbeat

# Outbox rows still on their way: waiting, with a gateway, or sent and awaiting the receipt.
OUTBOX_MOVING = (NotificationStatus.PENDING, NotificationStatus.SENDING, NotificationStatus.SENT)
OUTBOX_BACKLOG = (NotificationStatus.PENDING, NotificationStatus.SENDING)


@dataclass(frozen=True)
class Check:
    """One readiness check: ``value`` measured against ``threshold`` (``None``: not measured, or
    nothing to compare), in ``unit``; ``skipped`` when its setting turns it off."""

    name: str
    ok: bool
    value: float | None
    threshold: float | None
    unit: str
    detail: str = ""
    skipped: bool = False

    def as_json(self) -> dict[str, object]:
        return asdict(self)


def _failed(name: str, threshold: float | None, unit: str, exc: BaseException) -> Check:
    return Check(name, False, None, threshold, unit, detail=f"error: {type(exc).__name__}")


def _timed(name: str, threshold: float, probe: Callable[[], object]) -> Check:
    started = time.monotonic()
    try:
        probe()
    except Exception as exc:
        return _failed(name, threshold, "seconds", exc)
    elapsed = round(time.monotonic() - started, 4)
    return Check(name, elapsed <= threshold, elapsed, threshold, "seconds")


def database_check() -> Check:
    """``SELECT 1`` on the default database, within ``PRONTO_READY_DATABASE_MAX_SECONDS``."""

    def probe() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    return _timed("database", settings.PRONTO_READY_DATABASE_MAX_SECONDS, probe)


def broker_check() -> Check:
    """A connection to ``CELERY_BROKER_URL`` (skipped without one: tasks run in-process), within
    ``PRONTO_READY_BROKER_TIMEOUT_SECONDS``."""
    timeout = settings.PRONTO_READY_BROKER_TIMEOUT_SECONDS
    url = settings.CELERY_BROKER_URL
    if not url:
        return Check(
            "broker", True, None, timeout, "seconds", detail="no broker: tasks run in-process", skipped=True
        )
    from kombu import Connection

    def probe() -> None:
        with Connection(url, connect_timeout=timeout) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)

    return _timed("broker", timeout, probe)


def cache_check() -> Check:
    """A value written to the default cache and read back, within ``PRONTO_READY_CACHE_MAX_SECONDS``."""
    key = "pronto:readyz"

    def probe() -> None:
        token = uuid.uuid4().hex
        cache.set(key, token, timeout=30)
        if cache.get(key) != token:
            raise LookupError("the cache did not return what was written")

    return _timed("cache", settings.PRONTO_READY_CACHE_MAX_SECONDS, probe)


def heartbeat_age_seconds(kind: str, *, now: datetime) -> float | None:
    """Seconds since the newest heartbeat of this kind of process; ``None``: none recorded."""
    seen = ProcessHeartbeat.objects.filter(kind=kind).aggregate(newest=Max("seen_at"))["newest"]
    return None if seen is None else max(0.0, seconds_between(seen, now))


def heartbeat_ages(*, now: datetime) -> dict[str, float]:
    """The newest heartbeat's age per kind of process (the kinds that recorded one)."""
    rows = ProcessHeartbeat.objects.values("kind").annotate(newest=Max("seen_at"))
    return {row["kind"]: max(0.0, seconds_between(row["newest"], now)) for row in rows}


def listener_check(*, now: datetime) -> Check:
    """The MQTT listener's heartbeat is younger than ``PRONTO_READY_LISTENER_MAX_AGE_SECONDS``
    (0: not checked, for a centre without MQTT plants)."""
    threshold = settings.PRONTO_READY_LISTENER_MAX_AGE_SECONDS
    if not threshold:
        return Check("mqtt_listener", True, None, None, "seconds", detail="not checked", skipped=True)
    try:
        age = heartbeat_age_seconds(ProcessKind.TELEMETRY_LISTEN, now=now)
    except Exception as exc:
        return _failed("mqtt_listener", threshold, "seconds", exc)
    if age is None:
        return Check("mqtt_listener", False, None, threshold, "seconds", detail="no heartbeat recorded")
    return Check("mqtt_listener", age <= threshold, round(age, 1), threshold, "seconds")


def poller_lag_seconds(*, now: datetime | None = None) -> float | None:
    """How far behind its schedule the Modbus polling is, in seconds (0: on time; ``None``: there
    are Modbus plants and no poller has ever recorded a heartbeat).

    The later of the most overdue plant (``telecontrol.selectors.poller_lag_seconds``, which
    cannot see a plant never polled) and the pollers' heartbeat past
    ``PRONTO_HEARTBEAT_EVERY_SECONDS`` (which can: when every poller is down, it ages)."""
    now = now or timezone.now()
    if not telecontrol_selectors.modbus_plants_for_polling().exists():
        return 0.0
    heartbeat = heartbeat_age_seconds(ProcessKind.TELEMETRY_POLL, now=now)
    if heartbeat is None:
        return None
    overdue = telecontrol_selectors.poller_lag_seconds(now=now)
    return float(max(0.0, heartbeat - settings.PRONTO_HEARTBEAT_EVERY_SECONDS, overdue))


def poller_check(*, now: datetime) -> Check:
    """``poller_lag_seconds()`` within ``PRONTO_READY_POLLER_MAX_LAG_SECONDS`` (0: not checked)."""
    threshold = settings.PRONTO_READY_POLLER_MAX_LAG_SECONDS
    if not threshold:
        return Check("poller_lag", True, None, None, "seconds", detail="not checked", skipped=True)
    try:
        lag = poller_lag_seconds(now=now)
    except Exception as exc:
        return _failed("poller_lag", threshold, "seconds", exc)
    if lag is None:
        return Check("poller_lag", False, None, threshold, "seconds", detail="no poller heartbeat recorded")
    return Check("poller_lag", lag <= threshold, round(lag, 1), threshold, "seconds")


def outbox_backlog() -> int:
    """Outbox rows waiting for or at a gateway (pending, sending): the sweeper's partial index."""
    return Notification.objects.filter(status__in=OUTBOX_BACKLOG).count()


def outbox_oldest_pending_age_seconds(*, now: datetime) -> float:
    """Age of the oldest row not yet accepted by a gateway (pending or sending); 0 when none."""
    oldest = Notification.objects.filter(status__in=OUTBOX_BACKLOG).aggregate(oldest=Min("created_at"))[
        "oldest"
    ]
    return 0.0 if oldest is None else max(0.0, seconds_between(oldest, now))


def outbox_rows() -> dict[tuple[str, str], int]:
    """(channel, status) -> rows, for the rows still on their way (``OUTBOX_MOVING``); delivered,
    failed and cancelled rows are history, and counting a growing table at every scrape is not."""
    rows = (
        Notification.objects.filter(status__in=OUTBOX_MOVING)
        .values("channel", "status")
        .annotate(n=Count("pk"))
    )
    return {(row["channel"], row["status"]): row["n"] for row in rows}


def outbox_checks(*, now: datetime) -> list[Check]:
    """The backlog within ``PRONTO_READY_OUTBOX_MAX_BACKLOG``, its oldest row younger than
    ``PRONTO_READY_OUTBOX_MAX_AGE_SECONDS``."""
    most, oldest_allowed = (
        settings.PRONTO_READY_OUTBOX_MAX_BACKLOG,
        settings.PRONTO_READY_OUTBOX_MAX_AGE_SECONDS,
    )
    try:
        backlog = outbox_backlog()
        age = round(outbox_oldest_pending_age_seconds(now=now), 1)
    except Exception as exc:
        return [
            _failed("outbox_backlog", most, "rows", exc),
            _failed("outbox_oldest_pending", oldest_allowed, "seconds", exc),
        ]
    return [
        Check("outbox_backlog", backlog <= most, float(backlog), float(most), "rows"),
        Check("outbox_oldest_pending", age <= oldest_allowed, age, float(oldest_allowed), "seconds"),
    ]


def readiness(*, now: datetime | None = None) -> list[Check]:
    """Every readiness check, in a fixed order; ready when all pass."""
    now = now or timezone.now()
    return [
        database_check(),
        broker_check(),
        cache_check(),
        listener_check(now=now),
        poller_check(now=now),
        *outbox_checks(now=now),
    ]
