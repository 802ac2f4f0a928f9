"""The database at scale (issue 22, docs/database.md): the history's monthly partitions on
PostgreSQL and a read replica for the reports.

Star-imported by ``config/settings.py``, which adds ``DATABASE_REPLICA`` to ``DATABASES`` and
``DATABASE_BEAT_SCHEDULE`` to the beat schedule.
"""

import environ

_env = environ.Env()

# Months of history partitions kept ready ahead of the current one (UTC months); the beat entry
# ``history-partitions`` creates the missing ones every PRONTO_HISTORY_PARTITION_SWEEP_SECONDS.
PRONTO_HISTORY_PARTITION_MONTHS_AHEAD = _env.int("PRONTO_HISTORY_PARTITION_MONTHS_AHEAD", default=3)
PRONTO_HISTORY_PARTITION_SWEEP_SECONDS = _env.float("PRONTO_HISTORY_PARTITION_SWEEP_SECONDS", default=86400.0)
# Creating a partition locks the history table briefly: give up after this and try next time,
# rather than queue every history write behind a long report holding the table.
PRONTO_HISTORY_PARTITION_LOCK_TIMEOUT_MS = _env.int("PRONTO_HISTORY_PARTITION_LOCK_TIMEOUT_MS", default=2000)

DATABASE_BEAT_SCHEDULE = {
    "history-partitions": {
        "task": "dispatch.tasks.history_partitions_ensure",
        "schedule": PRONTO_HISTORY_PARTITION_SWEEP_SECONDS,
    },
}

# A streaming replica of the primary, for the reports' reads only (reports/routers.py): unset,
# everything reads the primary. Its lag (seconds) is fine for reports; nothing an operator acts
# on reads it.
DATABASE_REPLICA = {}
if _env.str("DATABASE_REPLICA_URL", default=""):
    DATABASE_REPLICA["replica"] = _env.db("DATABASE_REPLICA_URL")
    _production = _env.str("PRONTO_ENV", default="embedded") == "production"
    DATABASE_REPLICA["replica"].setdefault(
        "CONN_MAX_AGE", _env.int("DB_CONN_MAX_AGE", default=60 if _production else 0)
    )
    DATABASE_REPLICA["replica"].setdefault("CONN_HEALTH_CHECKS", True)
    # A test run never creates a database on the replica: it is the primary's.
    DATABASE_REPLICA["replica"]["TEST"] = {"MIRROR": "default"}
# Reads under reports.routers.reads_from_replica() go to "replica" when it is configured; writes
# and migrations always to "default".
DATABASE_ROUTERS = ["reports.routers.ReplicaRouter"]
