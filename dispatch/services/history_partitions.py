"""The history's month partitions created ahead (PostgreSQL; docs/adr/0003-history-partitioning.md)."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from dispatch.partitions import (
    TABLE,
    default_partition_rows,
    history_partition_list,
    history_partitioned,
    month_next,
    month_start,
    partition_name,
)

logger = logging.getLogger(__name__)
# pg_advisory_xact_lock's key: two runs at once (beat and a hand-run command) create each month once.
_LOCK_KEY = "pronto.history_partitions_ensure"
LOCK_NOT_AVAILABLE = "55P03"


def history_partitions_ensure(
    *, months_ahead: int | None = None, now: dt.datetime | None = None
) -> list[str]:
    """Create the month partitions of the history from ``now``'s month (UTC) to ``months_ahead``
    months after it (default ``PRONTO_HISTORY_PARTITION_MONTHS_AHEAD``); returns the names created.

    Idempotent: a month that has its partition is left alone. No-op (``[]``) where the history is
    not partitioned (SQLite). Each month is created in its own transaction under an advisory lock
    and ``PRONTO_HISTORY_PARTITION_LOCK_TIMEOUT_MS``: creating a partition takes a brief ACCESS
    EXCLUSIVE lock on the history, and a run that cannot get it gives up (logged) rather than make
    every history write queue behind it; the next run tries again. A month whose events already sit
    in the default partition (the task did not run for months) is skipped and logged: moving them
    needs the table's owner (docs/database.md).
    """
    if not history_partitioned():
        return []
    ahead = settings.PRONTO_HISTORY_PARTITION_MONTHS_AHEAD if months_ahead is None else months_ahead
    start = month_start(now or timezone.now())
    months = [start]
    for _ in range(max(0, ahead)):
        months.append(month_next(months[-1]))
    created = []
    for month in months:
        name = _month_create(month)
        if name:
            created.append(name)
    return created


def _month_create(month: dt.datetime) -> str | None:
    end = month_next(month)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [_LOCK_KEY])
            cursor.execute(
                "SELECT set_config('lock_timeout', %s, true)",
                [str(settings.PRONTO_HISTORY_PARTITION_LOCK_TIMEOUT_MS)],
            )
            taken = [(p.start, p.end) for p in history_partition_list() if p.start and p.end]
            if any(start < end and month < stop for start, stop in taken):
                return None
            stranded = default_partition_rows(month, end)
            if stranded:
                logger.error(
                    "history partition %s not created: %s events of that month are in the default "
                    "partition (see docs/database.md, 'Events in the default partition')",
                    partition_name(month),
                    stranded,
                )
                return None
            name = partition_name(month)
            # Bounds as literals: DDL takes no parameters (and these are our own datetimes).
            cursor.execute(
                f"CREATE TABLE {name} PARTITION OF {TABLE} "
                f"FOR VALUES FROM ('{month.isoformat()}') TO ('{end.isoformat()}')"
            )
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            logger.warning("history partition %s not created now: the table was busy", partition_name(month))
            return None
        raise
    logger.info("history partition %s created", name)
    return name
