"""The service-level report reads a real streaming replica (reports/routers.py, docs/database.md).

The test starts its own PostgreSQL primary with ``initdb`` on a free port, clones it with
``pg_basebackup -R`` into a hot standby on another port, migrates Pronto on the primary and waits
until the standby has replayed it. Then it pauses the standby's replay and logs one more call on
the primary: the report's API answers from the replica's older state (one call fewer) while a
read of the primary sees the new call; the report's queries are counted on the ``replica``
connection. Once replay resumes and catches up, the report has the call too.

Django runs in subprocesses (``DATABASE_URL`` the primary, ``DATABASE_REPLICA_URL`` the standby),
the way the settings configure a replica: the test session's own databases are not touched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.postgres, pytest.mark.real_component]


def _bindir() -> Path | None:
    # scripts/ensure_pg_server.sh (run by scripts/test.sh) installs them and says where.
    candidates = (
        [Path(os.environ["PRONTO_TEST_PG_BINDIR"])] if os.environ.get("PRONTO_TEST_PG_BINDIR") else []
    )
    if shutil.which("pg_config"):
        found = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False)
        candidates.append(Path(found.stdout.strip()))
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for candidate in candidates:
        if all((candidate / tool).exists() for tool in ("initdb", "pg_ctl", "pg_basebackup")):
            return candidate
    return None


class StreamingPair:
    """A private primary and its hot standby, on free ports, in a temporary directory."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.base = Path(tempfile.mkdtemp(prefix="pronto-replica-"))
        # initdb and postgres refuse to run as root: run them as the postgres system user.
        self.run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.run_as:
            shutil.chown(self.base, "postgres")
        self.primary_port, self.standby_port = free_port(), free_port()
        self.started: list[Path] = []

    def _run(self, *args: str) -> None:
        subprocess.run([*self.run_as, *args], check=True, capture_output=True, timeout=120)

    def _start(self, data: Path, port: int) -> None:
        self._run(
            str(self.bindir / "pg_ctl"), "-D", str(data), "-w", "-l", str(self.base / f"{data.name}.log"),
            "-o", f"-p {port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off", "start",
        )  # fmt: skip
        self.started.append(data)
        wait_for_port("127.0.0.1", port)

    def start(self) -> None:
        primary, standby = self.base / "primary", self.base / "standby"
        # trust on loopback, replication connections included (initdb's default pg_hba.conf).
        self._run(
            str(self.bindir / "initdb"), "-D", str(primary), "-U", "postgres", "--auth=trust", "-E", "UTF8"
        )
        self._start(primary, self.primary_port)
        self._run(
            str(self.bindir / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.primary_port),
            "-U", "postgres", "-D", str(standby), "-R", "-X", "stream",
        )  # fmt: skip
        self._start(standby, self.standby_port)

    def stop(self) -> None:
        for data in reversed(self.started):
            subprocess.run(
                [*self.run_as, str(self.bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                capture_output=True,
                check=False,
            )
        shutil.rmtree(self.base, ignore_errors=True)

    def url(self, port: int, name: str = "pronto") -> str:
        return f"postgresql://postgres@127.0.0.1:{port}/{name}"

    def sql(self, port: int, statement: str, name: str = "pronto"):
        import psycopg

        with psycopg.connect(self.url(port, name), autocommit=True) as connection:
            cursor = connection.execute(statement)
            return cursor.fetchone() if cursor.description else None

    def replayed(self, timeout: float = 60.0) -> None:
        """Wait until the standby has replayed everything the primary wrote so far."""
        target = self.sql(self.primary_port, "SELECT pg_current_wal_lsn()::text")[0]
        deadline = time.monotonic() + timeout
        while True:
            (caught_up,) = self.sql(
                self.standby_port, f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn", name="postgres"
            )
            if caught_up:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"the standby did not replay up to {target} in {timeout} s")
            time.sleep(0.1)


@pytest.fixture
def streaming_pair() -> Iterator[StreamingPair]:
    bindir = _bindir()
    if bindir is None:
        pytest.skip(
            "no PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup): scripts/ensure_postgres.sh"
        )
    pair = StreamingPair(bindir)
    try:
        pair.start()
        yield pair
    finally:
        pair.stop()


def _django(pair: StreamingPair, step: str) -> dict:
    """Run ``probe(step)`` below in a Django process on the pair: primary and replica."""
    env = {
        **os.environ,
        "DATABASE_URL": pair.url(pair.primary_port),
        "DATABASE_REPLICA_URL": pair.url(pair.standby_port),
        "PRONTO_ENV": "embedded",
        "ALLOWED_HOSTS": "testserver",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("CELERY_BROKER_URL", None)
    code = f"import django; django.setup(); from tests.reports.test_replica import probe; probe({step!r})"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def probe(step: str) -> None:
    """In the subprocess: ``setup`` a customer, a supervisor and two calls yesterday; ``call`` one
    more; ``report`` yesterday's report through the API (on the replica) and the calls read on
    the primary. Prints one JSON line."""
    import csv
    import datetime as dt

    from django.db import connections
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from rest_framework.test import APIClient

    from dispatch import services
    from dispatch.choices import Role
    from dispatch.models import Call, Customer
    from tests.factories import CustomerFactory, PlantFactory, UserFactory

    yesterday = timezone.localdate() - dt.timedelta(days=1)
    received = timezone.make_aware(dt.datetime.combine(yesterday, dt.time(10, 0)))
    if step == "setup":
        supervisor = UserFactory(username="supervisor", role=Role.SUPERVISOR)
        customer = CustomerFactory(code="rep", name="Replicated")
        plant = PlantFactory(customer=customer, code="R1")
        for minutes in (0, 5):
            services.call_log(
                actor=supervisor, caller_number="+39 02 1234 5678", plant=plant, call_type="gas_leak",
                received_at=received + dt.timedelta(minutes=minutes),
                answered_at=received + dt.timedelta(minutes=minutes, seconds=10),
                ended_at=received + dt.timedelta(minutes=minutes, seconds=90),
            )  # fmt: skip
        print(json.dumps({"customer": customer.pk}))
        return
    customer = Customer.objects.get(code="rep")
    if step == "call":
        plant = customer.plants.get()
        services.call_log(
            actor=UserFactory(username="supervisor"), caller_number="+39 02 1234 5678", plant=plant,
            call_type="gas_leak", received_at=received + dt.timedelta(minutes=30),
            # Answered after ten minutes: a miss of the gas standard (120 s), listed in the CSV.
            answered_at=received + dt.timedelta(minutes=40),
            ended_at=received + dt.timedelta(minutes=41),
        )  # fmt: skip
        print(json.dumps({"calls": Call.objects.filter(plant__customer=customer).count()}))
        return
    client = APIClient()
    client.force_authenticate(UserFactory(username="supervisor"))
    query = {"customer": customer.pk, "from": yesterday.isoformat(), "to": yesterday.isoformat()}
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        response = client.get("/api/reports/service-levels/", query)
    assert response.status_code == 200, response.content
    data = response.json()
    # The CSV export: its figures and its misses (streamed after the view returned) on the replica.
    page = Client()
    page.force_login(UserFactory(username="supervisor"))
    csv_query = {
        "customer": customer.pk,
        "date_from": yesterday.isoformat(),
        "date_to": yesterday.isoformat(),
    }
    with CaptureQueriesContext(connections["replica"]) as csv_on_replica:
        export = page.get("/reports/service-levels.csv", csv_query, HTTP_ACCEPT_LANGUAGE="en")
        assert export.status_code == 200, export.content
        rows = list(csv.reader(b"".join(export.streaming_content).decode("utf-8-sig").splitlines()))
    print(
        json.dumps(
            {
                "report_calls": sum(profile["total"]["calls"] for profile in data["profiles"]),
                "primary_calls": Call.objects.filter(plant__customer=customer).count(),
                "replica_queries_on_calls": sum(
                    "dispatch_call" in q["sql"] for q in on_replica.captured_queries
                ),
                "csv_calls": sum(int(row[1]) for row in rows if row and row[0] == "Total"),
                "csv_misses": sum(1 for row in rows if len(row) == 6 and row[0].isdigit()),
                "csv_replica_queries": len(csv_on_replica.captured_queries),
            }
        )
    )


def test_the_report_reads_the_replica_and_reflects_its_replay(streaming_pair):
    pair = streaming_pair
    pair.sql(pair.primary_port, "CREATE DATABASE pronto", name="postgres")
    env = {**os.environ, "DATABASE_URL": pair.url(pair.primary_port), "PRONTO_ENV": "embedded"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    migrated = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    _django(pair, "setup")
    pair.replayed()
    # The standby is read-only: the migrations' tables are there because it replayed them.
    assert pair.sql(pair.standby_port, "SELECT pg_is_in_recovery()")[0] is True
    before = _django(pair, "report")
    assert (before["report_calls"], before["primary_calls"], before["csv_calls"]) == (2, 2, 2)
    # The figures were read on the replica's connection, the page's and the export's.
    assert before["replica_queries_on_calls"] > 0 and before["csv_replica_queries"] > 0

    pair.sql(pair.standby_port, "SELECT pg_wal_replay_pause()")
    deadline = time.monotonic() + 30
    while pair.sql(pair.standby_port, "SELECT pg_get_wal_replay_pause_state()")[0] != "paused":
        assert time.monotonic() < deadline, "the standby did not pause its replay"
        time.sleep(0.05)
    assert _django(pair, "call") == {"calls": 3}
    paused = _django(pair, "report")
    # The report answered from the replica's state before the new call; the primary has it.
    assert (paused["report_calls"], paused["primary_calls"]) == (2, 3)
    assert paused["replica_queries_on_calls"] > 0
    # The export too, its streamed list of misses included: the late call is not there yet.
    assert (paused["csv_calls"], paused["csv_misses"]) == (2, before["csv_misses"])

    pair.sql(pair.standby_port, "SELECT pg_wal_replay_resume()")
    pair.replayed()
    resumed = _django(pair, "report")
    assert (resumed["report_calls"], resumed["primary_calls"]) == (3, 3)
    assert (resumed["csv_calls"], resumed["csv_misses"]) == (3, before["csv_misses"] + 1)
