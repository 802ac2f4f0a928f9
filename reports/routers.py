"""The reports read a streaming replica when there is one (docs/database.md).

``reads_from_replica()`` marks the reads made inside it (in this thread or task, a context
variable) as a report's; ``ReplicaRouter`` sends those to the ``replica`` database when
``DATABASE_REPLICA_URL`` configured one, and every other read, every write and every migration
to ``default``. A replica lags the primary by a second or so: fine for a report over past days,
wrong for anything someone acts on, so only the report figures run inside the context: the
pages' lists of runs and sign-offs, the locks a run takes, its progress and its stored figures,
and the sign-off's figures (filed as they are) stay on the primary.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

REPLICA = "replica"
T = TypeVar("T")

_report_reads: ContextVar[bool] = ContextVar("pronto_report_reads", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def reads_alias() -> str:
    """The database the reads made here go to: the replica inside ``reads_from_replica()`` when
    one is configured, else the primary."""
    return REPLICA if _report_reads.get() and replica_configured() else DEFAULT_DB_ALIAS


@contextmanager
def reads_from_replica() -> Iterator[str]:
    """Reads inside go to the replica, if configured; yields the alias they go to."""
    token = _report_reads.set(True)
    try:
        yield reads_alias()
    finally:
        _report_reads.reset(token)


def iterate_from_replica(items: Iterable[T]) -> Iterator[T]:
    """``items`` drawn inside ``reads_from_replica()`` one at a time, the context left between
    them: for a streamed response (the CSV's misses) whose rows are read after the view returned."""
    iterator = iter(items)
    while True:
        with reads_from_replica():
            try:
                item = next(iterator)
            except StopIteration:
                return
        yield item


class ReplicaRouter:
    """Report reads to ``replica`` (when configured); everything else to ``default``."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        alias = reads_alias()
        return alias if alias != DEFAULT_DB_ALIAS else None

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        # The replica holds the primary's rows: an object read there may refer to one read here.
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS
