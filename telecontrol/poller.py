"""The fleet poller behind ``manage.py telemetry_poll``: reads every Modbus plant at its
profile's interval, at most ``PRONTO_POLL_CONCURRENCY`` at a time, over kept connections, and
writes the sweep's results in one batch (``plant_states_apply``).

With ``leases`` (``ShardLeases``, what the command runs), several pollers divide the plants:
each polls only the plants of the shards it holds (``telecontrol.services.leases``)."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from ops.metrics import poll_sweep_observed
from ops.services import process_heartbeat_record

from .backends.base import ModbusBackend, ModbusTarget, Reading, modbus_backend
from .choices import CheckOutcome, Protocol
from .poller_leases import ShardLeases
from .selectors import modbus_plants_for_polling, modbus_target, plant_poll_attempts, profile_resolver
from .services import ApplyReport, StateChange, plant_shard, plant_states_apply

logger = logging.getLogger(__name__)

# The plant list is re-read this often, so added or changed plants are picked up.
RELOAD_SECONDS = 60.0
# A lease lasts this many of the shortest poll interval, unless PRONTO_POLL_LEASE_SECONDS says.
LEASE_INTERVALS = 1.5


@dataclass
class PolledPlant:
    plant_id: int
    code: str
    target: ModbusTarget
    interval: float
    failed_polls_limit: int
    due: float = 0.0
    # What this poller last stored for the plant, and the sweep's stamp it stored it with.
    stored: Reading | None = None
    stored_at: datetime | None = None

    def unchanged_since(self, reading: Reading) -> datetime | None:
        stored = self.stored
        if stored is None or reading.outcome != CheckOutcome.OK:
            return None
        same = (
            reading.active == stored.active
            and reading.anomaly == stored.anomaly
            and reading.out_of_service == stored.out_of_service
            and reading.alarm_code == stored.alarm_code
            and reading.measurements == stored.measurements
        )
        return self.stored_at if same else None


class FleetPoller:
    def __init__(
        self,
        *,
        concurrency: int | None = None,
        backend: ModbusBackend | None = None,
        leases: ShardLeases | None = None,
    ) -> None:
        self.concurrency = concurrency or settings.PRONTO_POLL_CONCURRENCY
        self.backend = backend or modbus_backend()
        self.loop = asyncio.new_event_loop()
        self.fleet = self.backend.fleet()
        self.plants: dict[int, PolledPlant] = {}
        self._loaded_at = float("-inf")
        self.leases = leases
        # With leases: the plants this poller polled at its last sweep (its shards' plants).
        self.polling: set[int] = set()

    def load(self) -> None:
        profile_of = profile_resolver()
        previous = self.plants
        self.plants = {}
        for tc in modbus_plants_for_polling():
            profile = profile_of(plant=tc.plant, telecontrol=tc)
            plant = PolledPlant(
                plant_id=tc.plant_id,
                code=tc.plant.code,
                target=modbus_target(tc, profile),
                interval=float(profile.poll_interval_seconds),
                failed_polls_limit=profile.failed_polls_for_comms_loss,
            )
            if (known := previous.get(tc.plant_id)) is not None:
                plant.due, plant.stored, plant.stored_at = known.due, known.stored, known.stored_at
            self.plants[tc.plant_id] = plant
        self._loaded_at = time.monotonic()
        if self.leases is not None and not settings.PRONTO_POLL_LEASE_SECONDS:
            shortest = min((plant.interval for plant in self.plants.values()), default=60.0)
            self.leases.lease_seconds = LEASE_INTERVALS * shortest

    async def _read_all(self, plants: list[PolledPlant]) -> list[Reading]:
        gate = asyncio.Semaphore(self.concurrency)

        async def one(plant: PolledPlant) -> Reading:
            async with gate:
                return await self.fleet.read(plant.plant_id, plant.target)

        return await asyncio.gather(*(one(plant) for plant in plants))

    def read(self, plants: list[PolledPlant]) -> list[Reading]:
        return self.loop.run_until_complete(self._read_all(plants))

    def sweep(self, *, only_due: bool = True) -> ApplyReport:
        """Poll the plants that are due (or all), then store what was found."""
        if time.monotonic() - self._loaded_at > RELOAD_SECONDS:
            self.load()
        candidates = list(self.plants.values()) if self.leases is None else self.leased(self.leases)
        now_mono = time.monotonic()
        plants = [p for p in candidates if not only_due or p.due <= now_mono]
        if not plants:
            return ApplyReport()
        readings = self.read(plants)
        report = self.store(plants, readings, now_mono=now_mono)
        failed = sum(reading.outcome != CheckOutcome.OK for reading in readings)
        poll_sweep_observed(seconds=time.monotonic() - now_mono, polled=len(plants), failed=failed)
        return report

    def leased(self, leases: ShardLeases) -> list[PolledPlant]:
        """The plants of the shards this poller may poll now, after a lease round if one is due.

        A plant taken over is first polled one interval after the last attempt any poller
        recorded, so a handover between live pollers polls no plant twice in an interval (a dead
        poller's plants are overdue: polled at once). A plant given up is dropped at once: its
        kept connection closed, and its stored reading forgotten, since another poller writes
        its row from now on."""
        leases.maintain()
        shards, count = leases.pollable(), leases.shards
        mine = {plant_id for plant_id in self.plants if plant_shard(plant_id, count) in shards}
        for plant_id in self.polling - mine:
            self.fleet.forget(plant_id)
            if (plant := self.plants.get(plant_id)) is not None:
                plant.stored = plant.stored_at = None
        if gained := mine - self.polling:
            attempts = plant_poll_attempts(gained)
            now, now_mono = timezone.now(), time.monotonic()
            for plant_id in gained:
                plant = self.plants[plant_id]
                plant.stored = plant.stored_at = None
                last = attempts.get(plant_id)
                wait = plant.interval - (now - last).total_seconds() if last is not None else 0.0
                plant.due = now_mono + max(0.0, wait)
        self.polling = mine
        return [self.plants[plant_id] for plant_id in mine]

    def store(self, plants: list[PolledPlant], readings: list[Reading], *, now_mono: float) -> ApplyReport:
        changes = [
            StateChange(
                plant_id=plant.plant_id,
                source=Protocol.MODBUS,
                reading=reading,
                failed_polls_limit=plant.failed_polls_limit,
                unchanged_since=plant.unchanged_since(reading),
            )
            for plant, reading in zip(plants, readings, strict=True)
        ]
        now = timezone.now()
        report = plant_states_apply(changes, now=now)
        # Only once stored: a sweep lost to a database error is polled again at the next tick.
        for plant, reading in zip(plants, readings, strict=True):
            plant.due = now_mono + plant.interval
            if plant.plant_id in report.stored_ok:
                plant.stored, plant.stored_at = reading, now
            else:
                plant.stored = plant.stored_at = None
        return report

    def run(self, stop: threading.Event, *, tick: float = 1.0) -> None:
        try:
            while not stop.is_set():
                try:
                    report = self.sweep()
                    process_heartbeat_record(kind="telemetry_poll")
                    if report.raised or report.cleared:
                        logger.info(
                            "Poll: %d alarm(s) raised, %d cleared", len(report.raised), len(report.cleared)
                        )
                except Exception:
                    # Database down or a bug: the sweep is polled again at the next tick.
                    logger.exception("Poll results not stored; polling again at the next tick")
                    close_old_connections()
                # With leases, a round is never more than half a round late.
                stop.wait(tick if self.leases is None else min(tick, self.leases.renew_every / 2))
        finally:
            if self.leases is not None:
                self.leases.release()
            self.close()

    def close(self) -> None:
        if not self.loop.is_closed():
            self.loop.run_until_complete(self.fleet.close())
            self.loop.close()
