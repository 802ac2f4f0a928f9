"""Several fleet pollers divide the Modbus plants through shard leases in the database.

Unit tests of the lease rounds with fake clocks (one database, several ``ShardLeases`` taking
turns), the poller's handover (no plant polled twice in an interval), ``poller_lag_seconds``;
then three real ``manage.py telemetry_poll`` processes against real pymodbus plants and a
database they share, one of them killed (``test_three_poller_processes_...``)."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from dispatch.choices import PlantKind
from telecontrol.choices import CheckOutcome, Protocol
from telecontrol.models import PlantState, PlantTelecontrol, PollerHeartbeat, PollerShard, TelecontrolProfile
from telecontrol.poller import FleetPoller
from telecontrol.poller_leases import ShardLeases
from telecontrol.selectors import poller_lag_seconds, pollers_live
from telecontrol.services import fair_share, plant_shard, poller_leases_renew
from tests.factories import PlantFactory
from tests.servers.celery_worker import ROOT, database_url_of

SHARDS = 8
LEASE = 9.0  # a round every 3 s


class FakeTime:
    """A monotonic clock and a wall clock that move only when told, together."""

    def __init__(self) -> None:
        self.mono = 1000.0
        self.wall = timezone.now()

    def advance(self, seconds: float) -> None:
        self.mono += seconds
        self.wall += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeTime:
    return FakeTime()


def poller(name: str, clock: FakeTime, shards: int = SHARDS) -> ShardLeases:
    return ShardLeases(
        poller_id=name, shards=shards, lease_seconds=LEASE, clock=lambda: clock.mono, wall=lambda: clock.wall
    )


def holders() -> dict[int, str]:
    return dict(PollerShard.objects.values_list("number", "holder"))


def assert_disjoint(*pollers: ShardLeases) -> None:
    """No shard is pollable by two pollers at once (what they would poll, not just the rows)."""
    seen: dict[int, str] = {}
    for leases in pollers:
        for shard in leases.pollable():
            assert shard not in seen, f"shard {shard} pollable by {seen[shard]} and {leases.poller_id}"
            seen[shard] = leases.poller_id


def rounds(clock: FakeTime, *pollers: ShardLeases, times: int = 1) -> None:
    """Each poller takes its turn, then a third of a lease passes; disjoint at every step."""
    for _ in range(times):
        for leases in pollers:
            leases.maintain()
            assert_disjoint(*pollers)
        clock.advance(LEASE / 3)


def test_fair_share_rounds_up_so_the_live_pollers_can_hold_every_shard():
    assert [fair_share(64, n) for n in (0, 1, 2, 3, 64, 100)] == [64, 64, 32, 22, 1, 1]
    assert plant_shard(130, 64) == 2


def test_a_lone_poller_takes_every_shard(db, clock):
    a = poller("a", clock)
    outcome = a.round()
    assert outcome is not None and outcome.live_pollers == 1 and outcome.fair_share == SHARDS
    assert a.pollable() == frozenset(range(SHARDS))
    assert set(holders().values()) == {"a"}
    assert pollers_live(now=clock.wall) == 1


def test_a_joining_poller_gets_its_fair_share_without_any_shard_held_twice(db, clock):
    a, b, c = poller("a", clock), poller("b", clock), poller("c", clock)
    rounds(clock, a)
    rounds(clock, a, b, times=2)
    assert len(a.pollable()) == len(b.pollable()) == SHARDS // 2
    rounds(clock, a, b, c, times=2)
    sizes = sorted(len(leases.pollable()) for leases in (a, b, c))
    assert sizes == [2, 3, 3]  # ceil(8 / 3) = 3 at most each, and nothing left over
    assert a.pollable() | b.pollable() | c.pollable() == frozenset(range(SHARDS))
    assert Counter(holders().values()) == {x.poller_id: len(x.pollable()) for x in (a, b, c)}


def test_a_dead_pollers_shards_are_taken_over_after_its_lease_and_never_before(db, clock):
    a, b = poller("a", clock), poller("b", clock)
    rounds(clock, a, b, times=3)
    lost = b.pollable()
    assert len(lost) == SHARDS // 2
    last_renewal = b.last_round.expires_at - timedelta(seconds=LEASE)  # type: ignore[union-attr]
    # b stops: no more rounds (SIGKILL). a goes on; until b's lease runs out a must not take its shards.
    taken_at = None
    for _ in range(12):
        a.maintain()
        assert_disjoint(a, b)
        if lost <= a.pollable() and taken_at is None:
            taken_at = clock.wall
        clock.advance(LEASE / 6)
    assert taken_at is not None, "a never took the dead poller's shards"
    assert taken_at > last_renewal + timedelta(seconds=LEASE)
    # Within one round of the expiry (a's rounds are a third of a lease apart).
    assert taken_at <= last_renewal + timedelta(seconds=LEASE * 4 / 3 + LEASE / 6)
    assert a.pollable() == frozenset(range(SHARDS))
    # b's heartbeat is gone a lease after it expired; a's is the one left.
    a.round()
    assert list(PollerHeartbeat.objects.values_list("poller_id", flat=True)) == ["a"]


def test_a_poller_that_cannot_renew_stops_polling_a_third_of_a_lease_before_anyone_may_take_over(db, clock):
    a = poller("a", clock)
    a.round()
    renewed = clock.mono
    clock.advance(LEASE * 2 / 3 - 0.01)
    assert a.pollable() == frozenset(range(SHARDS))
    clock.advance(0.02)
    assert a.pollable() == frozenset()  # its rows still say "a" for another third of a lease
    assert set(holders().values()) == {"a"}
    b = poller("b", clock)
    b.round()
    assert b.pollable() == frozenset()
    clock.mono = renewed + LEASE + 0.01
    clock.wall += timedelta(seconds=LEASE / 3)
    b.round()
    assert b.pollable() == frozenset(range(SHARDS))
    # a wakes up: its round renews nothing of what b took, and it polls nothing of it.
    a.maintain()
    assert a.pollable().isdisjoint(b.pollable())


def test_a_clean_stop_frees_its_shards_at_once(db, clock):
    a, b = poller("a", clock), poller("b", clock)
    rounds(clock, a, b, times=3)
    a.release()
    assert a.pollable() == frozenset()
    assert not PollerHeartbeat.objects.filter(poller_id="a").exists()
    rounds(clock, b)
    assert b.pollable() == frozenset(range(SHARDS))


def test_fewer_shards_than_before_gives_back_the_extra_rows(db, clock):
    poller("a", clock, shards=12).round()
    a = poller("a", clock, shards=SHARDS)
    a.round()
    assert a.pollable() == frozenset(range(SHARDS))
    assert not PollerShard.objects.filter(number__gte=SHARDS).exclude(holder="").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_rounds_never_give_one_shard_to_two_pollers():
    """Four threads, each its own PostgreSQL connection, run rounds at the same instants: the
    conditional UPDATE hands each shard to one of them."""
    now = timezone.now()
    barrier = threading.Barrier(4)
    results: dict[str, list[frozenset[int]]] = {}
    errors: list[BaseException] = []

    def run(name: str) -> None:
        try:
            held = results.setdefault(name, [])
            for step in range(6):
                barrier.wait(10)
                at = now + timedelta(seconds=step)
                held.append(
                    poller_leases_renew(
                        poller_id=name, shards=SHARDS, lease_seconds=LEASE, now=at, started_at=now
                    ).held
                )
        except BaseException as exc:  # reported below, on the test's thread
            errors.append(exc)
        finally:
            connection.close()

    PollerShard.objects.bulk_create([PollerShard(number=n) for n in range(SHARDS)])
    threads = [threading.Thread(target=run, args=(f"p{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    for step in range(6):
        taken = [shard for name in results for shard in results[name][step]]
        assert len(taken) == len(set(taken)), f"step {step}: a shard held twice {results}"
    assert sum(len(results[name][-1]) for name in results) == SHARDS


# ----------------------------------------------------------------------------------------------
# The poller's handover


def modbus_plants_in_db(count: int) -> list[int]:
    ids = []
    for _ in range(count):
        plant = PlantFactory()
        PlantTelecontrol.objects.create(plant=plant, protocol=Protocol.MODBUS, host="127.0.0.1", port=15999)
        ids.append(plant.pk)
    return ids


def test_a_handover_between_live_pollers_polls_no_plant_twice_and_a_dead_ones_plants_at_once(
    db, clock, fake_modbus, settings
):
    settings.PRONTO_POLL_LEASE_SECONDS = LEASE
    plant_ids = modbus_plants_in_db(6)
    a = FleetPoller(backend=fake_modbus(), leases=poller("a", clock, shards=2))
    b = FleetPoller(backend=fake_modbus(), leases=poller("b", clock, shards=2))
    try:
        a.sweep()
        assert len(fake_modbus.targets) == 6
        assert PlantState.objects.filter(last_attempt_at__isnull=False).count() == 6
        b.sweep()  # joins: nothing free yet
        clock.advance(LEASE / 3)
        a.sweep()  # gives back one shard
        assert len(a.polling) == 3
        clock.advance(LEASE / 3)
        b.sweep()  # takes it: its plants were polled a moment ago, so not now
        assert len(b.polling) == 3 and b.polling.isdisjoint(a.polling)
        assert len(fake_modbus.targets) == 6
        # a dies. Its plants fall due (their last attempt two minutes ago) and its lease runs out.
        PlantState.objects.filter(plant_id__in=a.polling).update(
            last_attempt_at=timezone.now() - timedelta(minutes=2)
        )
        for _ in range(4):
            clock.advance(LEASE / 3)
            b.sweep()
        assert b.polling == set(plant_ids)
        assert len(fake_modbus.targets) == 9  # a's three, once each; b's own not yet due
    finally:
        a.close()
        b.close()


# ----------------------------------------------------------------------------------------------
# Lag


def test_poller_lag_is_how_late_the_most_overdue_plant_is(db):
    now = timezone.now()
    # The plants are gas cabins (every 60 s); one has the lift profile, set to every 10 s, as its own.
    TelecontrolProfile.objects.update_or_create(
        plant_kind=PlantKind.GAS_CABIN, defaults={"poll_interval_seconds": 60}
    )
    fast, _ = TelecontrolProfile.objects.update_or_create(
        plant_kind=PlantKind.LIFT, defaults={"poll_interval_seconds": 10}
    )
    ids = modbus_plants_in_db(3)
    PlantTelecontrol.objects.filter(plant_id=ids[2]).update(profile=fast)
    assert poller_lag_seconds(now=now) == 0.0  # never polled: no due time on record

    def polled(plant_id: int, seconds_ago: float) -> None:
        PlantState.objects.update_or_create(
            plant_id=plant_id,
            defaults={
                "source": Protocol.MODBUS,
                "outcome": CheckOutcome.OK,
                "watched_since": now - timedelta(hours=1),
                "last_attempt_at": now - timedelta(seconds=seconds_ago),
            },
        )

    polled(ids[0], 30)
    polled(ids[1], 50)
    polled(ids[2], 5)
    assert poller_lag_seconds(now=now) == 0.0  # 60 s and 10 s intervals: none due yet
    polled(ids[1], 75)
    assert poller_lag_seconds(now=now) == pytest.approx(15.0)
    polled(ids[2], 40)  # its own profile: every 10 s, so 30 s late
    assert poller_lag_seconds(now=now) == pytest.approx(30.0)
    PlantTelecontrol.objects.filter(plant_id=ids[2]).update(protocol=Protocol.MQTT)  # not polled
    assert poller_lag_seconds(now=now) == pytest.approx(15.0)


# ----------------------------------------------------------------------------------------------
# Three real poller processes, real Modbus plants, one database they share

INTERVAL = 2  # seconds: the plants' profile; the lease is derived from it (1.5 intervals, 3 s)
PROCESS_SHARDS = 16
PLANTS = 12


def _aware(value: datetime | str) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class SharedDatabase:
    """The database the pollers write, read by the test in plain SQL: PostgreSQL's test database
    itself, or on SQLite a file copy of the in-memory test database (processes cannot share that)."""

    def __init__(self, tmp_path: Path) -> None:
        settings_dict = connection.settings_dict
        self.file: Path | None = None
        if connection.vendor == "postgresql":
            self.url = database_url_of(settings_dict)
        else:
            self.file = tmp_path / "pollers.sqlite3"
            # Several writers on SQLite need transactions that take the write lock when they begin
            # (docs/telecontrol.md): a deferred one that read first fails at once with "database
            # is locked" when it tries to write, and the poller polls that sweep again.
            self.url = f"sqlite:///{self.file}?transaction_mode=IMMEDIATE"

    def publish(self) -> None:
        """Call once the test data is written: on SQLite, copy it to the file the pollers open."""
        if self.file is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"VACUUM INTO '{self.file}'")

    def rows(self, sql: str) -> list[tuple]:
        if self.file is None:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchall()
        with closing(sqlite3.connect(self.file, timeout=20)) as db:
            return db.execute(sql).fetchall()

    def holders(self) -> dict[int, str]:
        return dict(self.rows("SELECT number, holder FROM telecontrol_pollershard"))

    def expiry(self, holder: str) -> datetime:
        rows = self.rows(f"SELECT expires_at FROM telecontrol_pollershard WHERE holder = '{holder}'")
        return max(_aware(at) for (at,) in rows)

    def lease_seconds(self) -> set[float]:
        rows = self.rows("SELECT expires_at, renewed_at FROM telecontrol_pollershard WHERE holder != ''")
        return {round((_aware(end) - _aware(start)).total_seconds(), 3) for end, start in rows}

    def attempts(self) -> dict[int, datetime]:
        rows = self.rows("SELECT plant_id, last_attempt_at FROM telecontrol_plantstate")
        return {plant_id: _aware(at) for plant_id, at in rows if at is not None}

    def heartbeats(self) -> set[str]:
        return {poller_id for (poller_id,) in self.rows("SELECT poller_id FROM telecontrol_pollerheartbeat")}


@dataclass
class PollerProcess:
    """``manage.py telemetry_poll --poller-id NAME`` in its own process group."""

    name: str
    process: subprocess.Popen
    log: Path

    @classmethod
    def start(
        cls, name: str, database_url: str, workdir: Path, *, option: str = "--poller-id"
    ) -> PollerProcess:
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url,
            "PRONTO_ENV": "embedded",
            "PRONTO_POLL_SHARDS": str(PROCESS_SHARDS),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        environment.pop("PRONTO_POLL_LEASE_SECONDS", None)
        log = workdir / f"{name}.log"
        process = subprocess.Popen(
            [sys.executable, "manage.py", "telemetry_poll", option, name],
            cwd=ROOT,
            env=environment,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return cls(name, process, log)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.signal(signal.SIGKILL)
                self.process.wait(5)


class ReadLog:
    """When each simulated plant answered a read (the server's own thread records it)."""

    def __init__(self) -> None:
        self.reads: dict[int, list[float]] = {}

    def watch(self, plant_id: int, simulation) -> None:
        times = self.reads.setdefault(plant_id, [])
        read = simulation.read

        def counted():
            times.append(time.monotonic())
            return read()

        simulation.read = counted

    def read_since(self, moment: float) -> set[int]:
        return {plant_id for plant_id, times in self.reads.items() if any(t > moment for t in list(times))}


def wait_until(condition, timeout: float, what: str, pollers: list[PollerProcess], step: float = 0.1):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {p.name}:\n{p.output()}" for p in pollers)
            pytest.fail(f"{what}: not within {timeout} s\n{logs}")
        time.sleep(step)
    return result


@pytest.mark.real_component
@pytest.mark.django_db(transaction=True)
def test_three_poller_processes_poll_every_plant_once_per_interval_and_survive_a_kill(
    modbus_plants, tmp_path
):
    # The transactional flush leaves no shipped profile: the plants' kind gets one every 2 s.
    TelecontrolProfile.objects.update_or_create(
        plant_kind=PlantKind.GAS_CABIN, defaults={"poll_interval_seconds": INTERVAL}
    )
    reads = ReadLog()
    for n in range(PLANTS):
        simulation = modbus_plants.add(f"P{n}", drift=False)
        address = modbus_plants.address(f"P{n}")
        plant = PlantFactory(code=f"P{n}")
        PlantTelecontrol.objects.create(
            plant=plant, protocol=Protocol.MODBUS, host=address.host, port=address.port,
            unit_id=address.unit_id, timeout_seconds=1,
        )  # fmt: skip
        reads.watch(plant.pk, simulation)
    shared = SharedDatabase(tmp_path)
    shared.publish()
    names = ["p0", "p1", "p2"]
    pollers = [
        PollerProcess.start(
            name, shared.url, tmp_path, option="--instance" if name == "p2" else "--poller-id"
        )
        for name in names
    ]
    overlap: list[str] = []

    def sample_shards(live: set[str]) -> dict[int, str]:
        held = shared.holders()
        assert len(held) in (0, PROCESS_SHARDS)  # none before the first poller's first round
        strangers = {holder for holder in held.values() if holder and holder not in live}
        if strangers:
            overlap.append(f"shards held by {strangers}, not a live poller of {live}")
        return held

    try:
        # 1. All three share the shards evenly, and every plant is polled.
        def balanced(live: set[str]):
            held = sample_shards(live)
            counts = Counter(held.values())
            return set(counts) == live and max(counts.values()) <= fair_share(PROCESS_SHARDS, len(live))

        wait_until(lambda: balanced(set(names)), 90, "three pollers holding the shards evenly", pollers)
        wait_until(lambda: reads.read_since(0) == set(reads.reads), 30, "every plant read", pollers)
        assert shared.lease_seconds() == {1.5 * INTERVAL}

        # 2. Steady state: three intervals, each plant read once per interval, none skipped.
        started = time.monotonic()
        while time.monotonic() < started + 3 * INTERVAL:
            sample_shards(set(names))
            time.sleep(0.2)
        window = time.monotonic() - started
        for plant_id, times in reads.reads.items():
            inside = [t for t in list(times) if t >= started]
            assert 1 <= len(inside) <= window / INTERVAL + 1, f"plant {plant_id} read {len(inside)} times"
        recent = timezone.now() - timedelta(seconds=2 * INTERVAL + 1)
        attempts = shared.attempts()
        assert set(attempts) == set(reads.reads) and all(at > recent for at in attempts.values()), attempts

        # 3. SIGKILL one poller: its plants are polled again within two intervals of its lease's expiry.
        victim = pollers[0]
        victim_shards = {number for number, holder in shared.holders().items() if holder == victim.name}
        victim.signal(signal.SIGKILL)
        killed_mono, killed_wall = time.monotonic(), timezone.now()
        victim.process.wait(10)
        expiry = killed_mono + (shared.expiry(victim.name) - killed_wall).total_seconds()
        assert victim_shards and expiry > killed_mono - 1
        survivors = {p.name for p in pollers[1:]}

        def all_read_after_expiry() -> bool:
            sample_shards(survivors | {victim.name})
            return reads.read_since(expiry) == set(reads.reads)

        wait_until(
            all_read_after_expiry,
            expiry - time.monotonic() + 2 * INTERVAL + 30,
            "every plant read after the dead poller's lease expired",
            pollers,
        )
        late = {
            plant_id: min(t for t in list(times) if t > expiry) - expiry
            for plant_id, times in reads.reads.items()
        }
        assert max(late.values()) <= 2 * INTERVAL, f"read this long after the lease expired: {late}"
        wait_until(lambda: balanced(survivors), 30, "the survivors holding every shard", pollers)

        # 4. Across the whole run, no plant was read twice within half an interval (two pollers).
        for plant_id, times in reads.reads.items():
            gaps = [later - earlier for earlier, later in pairwise(list(times))]
            assert min(gaps) >= INTERVAL / 2, f"plant {plant_id} read twice {min(gaps):.2f} s apart"
        assert not overlap, overlap
        for process in pollers:
            assert "Traceback" not in process.output(), process.output()

        # 5. A clean stop gives the shards back and removes the heartbeats.
        for process in pollers[1:]:
            process.stop()
        assert set(shared.holders().values()) == {""}
        assert shared.heartbeats() <= {victim.name}
    finally:
        for process in pollers:
            process.stop()
