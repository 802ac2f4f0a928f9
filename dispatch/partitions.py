"""The history's monthly partitions on PostgreSQL, as they stand (docs/adr/0003-history-partitioning.md).

``dispatch_event`` is partitioned by range of ``occurred_at`` (migration 0029): one partition per
calendar month in UTC, named ``dispatch_event_pYYYYMM``, and ``dispatch_event_default`` for a row
no month takes. On SQLite, or before 0029, the table is plain: ``history_partitioned()`` is False
and the lists are empty. Writes are ``dispatch.services.history_partitions``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import connection

TABLE = "dispatch_event"
DEFAULT_PARTITION = f"{TABLE}_default"
_BOUNDS = re.compile(r"FROM \('([^']+)'\) TO \('([^']+)'\)")


@dataclass(frozen=True)
class HistoryPartition:
    """One partition: its months' bounds (``None`` for the default partition) and the planner's
    estimate of its rows (``None`` before its first ANALYZE)."""

    name: str
    start: dt.datetime | None
    end: dt.datetime | None
    rows_estimate: int | None

    @property
    def is_default(self) -> bool:
        return self.start is None


def month_start(value: dt.datetime | dt.date) -> dt.datetime:
    """The first instant of ``value``'s month in UTC."""
    if isinstance(value, dt.datetime):
        value = value.astimezone(dt.UTC)
    return dt.datetime(value.year, value.month, 1, tzinfo=dt.UTC)


def month_next(start: dt.datetime) -> dt.datetime:
    return month_start(start + dt.timedelta(days=32))


def partition_name(start: dt.datetime) -> str:
    return f"{TABLE}_p{start:%Y%m}"


def history_partitioned() -> bool:
    """Whether the history table is partitioned here (PostgreSQL after migration 0029)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [TABLE])
        row = cursor.fetchone()
    return row is not None and row[0] == "p"


def _bound(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def history_partition_list() -> list[HistoryPartition]:
    """The history's partitions, oldest month first, the default partition last."""
    if not history_partitioned():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), c.reltuples::bigint FROM pg_inherits i "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass",
            [TABLE],
        )
        rows = cursor.fetchall()
    partitions = []
    for name, bound, tuples in rows:
        match = _BOUNDS.search(bound)
        start, end = (_bound(match[1]), _bound(match[2])) if match else (None, None)
        partitions.append(HistoryPartition(name, start, end, None if tuples < 0 else int(tuples)))
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    return sorted(partitions, key=lambda p: (p.start or far, p.name))


def default_partition_rows(start: dt.datetime, end: dt.datetime) -> int:
    """How many events between ``start`` and ``end`` sit in the default partition (a month
    partition cannot be created over them)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {DEFAULT_PARTITION} WHERE occurred_at >= %s AND occurred_at < %s",
            [start, end],
        )
        return int(cursor.fetchone()[0])
