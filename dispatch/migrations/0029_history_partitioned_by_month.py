"""The history table partitioned by month on PostgreSQL (docs/adr/0003-history-partitioning.md).

``dispatch_event`` becomes a table partitioned by range of ``occurred_at``: one partition per
calendar month (UTC) from the month of the oldest event to ``PRONTO_HISTORY_PARTITION_MONTHS_AHEAD``
months ahead, plus ``dispatch_event_default`` for a row no month partition takes (the beat task
``history_partitions_ensure`` keeps the months ahead, so it stays empty). Rows, ids, the identity
sequence's next value, the check and foreign-key constraints, the indexes and the append-only
trigger are carried over; what changes:

- the primary key is ``(id, occurred_at)`` (a partitioned table's unique keys must hold the
  partition key); Django's pk stays ``id``, and ids still come from one sequence;
- ``event_chain_seq_unique`` is ``(subject_type, subject_id, seq, occurred_at)``, which no longer
  says a chain has one event per ``seq`` once a chain spans months: the new trigger
  ``dispatch_event_chain_next`` refuses any insert that is not its chain's next ``seq`` (under a
  lock per chain), which guarantees more than the old constraint did (no duplicate, no gap).

SQLite keeps the plain table (nothing runs there). Reversible: backwards, the rows go back into a
plain table with the former keys. Both directions hold an ACCESS EXCLUSIVE lock on the history
while they copy it: run them in a maintenance window (a million events over a year:
6 s, Django's start included, on a shared 2-CPU machine).
"""

import datetime as dt
import re

from django.conf import settings
from django.db import migrations

TABLE = "dispatch_event"
OLD = "dispatch_event_before_rebuild"

CHAIN_FUNCTION = r"""
CREATE OR REPLACE FUNCTION pronto_event_chain_next() RETURNS trigger AS $$
DECLARE
    head integer;
BEGIN
    -- One writer per chain at a time, whichever path the row comes by. The services already hold
    -- the subject's row lock (ADR 0001), so for them this lock is never contended.
    PERFORM pg_advisory_xact_lock(hashtextextended('pronto.event:' || NEW.subject_type || ':' || NEW.subject_id, 0));
    SELECT seq INTO head FROM dispatch_event
        WHERE subject_type = NEW.subject_type AND subject_id = NEW.subject_id
        ORDER BY seq DESC LIMIT 1;
    IF NEW.seq <> COALESCE(head, 0) + 1 THEN
        RAISE EXCEPTION 'pronto: event seq % of %:% is not the next of its chain (head %)',
            NEW.seq, NEW.subject_type, NEW.subject_id, COALESCE(head, 0)
            USING ERRCODE = 'unique_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
"""

TRIGGERS = {
    True: [
        f"CREATE TRIGGER dispatch_event_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
        "FOR EACH ROW EXECUTE FUNCTION pronto_event_refuse()",
        f"CREATE TRIGGER dispatch_event_chain_next BEFORE INSERT ON {TABLE} "
        "FOR EACH ROW EXECUTE FUNCTION pronto_event_chain_next()",
    ],
    False: [
        f"CREATE TRIGGER dispatch_event_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
        "FOR EACH ROW EXECUTE FUNCTION pronto_event_refuse()",
    ],
}
KEYS = {
    True: [
        f"ALTER TABLE {TABLE} ADD CONSTRAINT dispatch_event_pkey PRIMARY KEY (id, occurred_at)",
        f"ALTER TABLE {TABLE} ADD CONSTRAINT event_chain_seq_unique "
        "UNIQUE (subject_type, subject_id, seq, occurred_at)",
    ],
    False: [
        f"ALTER TABLE {TABLE} ADD CONSTRAINT dispatch_event_pkey PRIMARY KEY (id)",
        f"ALTER TABLE {TABLE} ADD CONSTRAINT event_chain_seq_unique UNIQUE (subject_type, subject_id, seq)",
    ],
}


def _month(value: dt.datetime) -> dt.date:
    return dt.date(value.year, value.month, 1)


def _next_month(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1)


def _partition_sql(month: dt.date) -> str:
    return (
        f"CREATE TABLE {TABLE}_p{month:%Y%m} PARTITION OF {TABLE} "
        f"FOR VALUES FROM ('{month.isoformat()} 00:00:00+00') TO ('{_next_month(month).isoformat()} 00:00:00+00')"
    )


def _rows(cursor, sql, params=()):
    cursor.execute(sql, params)
    return cursor.fetchall()


def _is_partitioned(cursor) -> bool:
    return _rows(cursor, "SELECT relkind FROM pg_class WHERE oid = %s::regclass", [TABLE])[0][0] == "p"


def _rebuild(schema_editor, *, partitioned: bool) -> None:
    """Copy the history into a new table (partitioned or plain) under the same name and keys."""
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return

    def run(sql: str) -> None:
        schema_editor.execute(sql, params=None)

    with connection.cursor() as cursor:
        if _is_partitioned(cursor) == partitioned:
            return
        run(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
        run(f"ALTER TABLE {TABLE} RENAME TO {OLD}")
        # Foreign keys and plain indexes as they stand (their names come from Django's hashes).
        foreign_keys = _rows(
            cursor,
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
            "AND contype = 'f' ORDER BY conname",
            [OLD],
        )
        indexes = _rows(
            cursor,
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = %s::regclass AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
            [OLD],
        )
        # The next id the old sequence would have handed out: ids are never reused.
        next_id = _rows(cursor, f"SELECT nextval(pg_get_serial_sequence('{OLD}', 'id'))")[0][0]
        oldest = _rows(cursor, f"SELECT min(occurred_at) FROM {OLD}")[0][0]
        # Free the names (indexes and the sequence are named per schema, not per table).
        run(f"ALTER TABLE {OLD} DROP CONSTRAINT dispatch_event_pkey, DROP CONSTRAINT event_chain_seq_unique")
        for name, _definition in indexes:
            run(f"DROP INDEX {name}")
        run(f"ALTER TABLE {OLD} ALTER COLUMN id DROP IDENTITY IF EXISTS")
        run(
            f"CREATE TABLE {TABLE} (LIKE {OLD} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE "
            "INCLUDING COMMENTS)" + (" PARTITION BY RANGE (occurred_at)" if partitioned else "")
        )
        # A table made by a Django before 4.1 had a serial id: its nextval default goes with it.
        run(f"ALTER TABLE {TABLE} ALTER COLUMN id DROP DEFAULT")
        run(
            f"ALTER TABLE {TABLE} ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY (START WITH {int(next_id)})"
        )
        if partitioned:
            now = dt.datetime.now(dt.UTC)
            month, last = _month(oldest or now), _month(now)
            for _ in range(getattr(settings, "PRONTO_HISTORY_PARTITION_MONTHS_AHEAD", 3)):
                last = _next_month(last)
            while month <= last:
                run(_partition_sql(month))
                month = _next_month(month)
            run(f"CREATE TABLE {TABLE}_default PARTITION OF {TABLE} DEFAULT")
        # Keys and indexes built once over the copied rows, rather than row by row.
        run(f"INSERT INTO {TABLE} OVERRIDING SYSTEM VALUE SELECT * FROM {OLD} ORDER BY id")
        for statement in KEYS[partitioned]:
            run(statement)
        for _name, definition in indexes:
            run(re.sub(rf" ON (ONLY )?(public\.)?{OLD} ", f" ON {TABLE} ", definition))
        for name, definition in foreign_keys:
            run(f"ALTER TABLE {TABLE} ADD CONSTRAINT {name} {definition}")
        run(f"DROP TABLE {OLD}")
        if partitioned:
            run(CHAIN_FUNCTION)
        else:
            run(f"DROP TRIGGER IF EXISTS dispatch_event_chain_next ON {TABLE}")
            run("DROP FUNCTION IF EXISTS pronto_event_chain_next()")
        for statement in TRIGGERS[partitioned]:
            run(statement)


def forward(apps, schema_editor):
    _rebuild(schema_editor, partitioned=True)


def backward(apps, schema_editor):
    _rebuild(schema_editor, partitioned=False)


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0028_call_is_test")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
