"""A simulated plant's behaviour, independent of the protocol: its scenario (normal, anomaly,
out of service, flapping, unreachable), what it shows in each, the default register map's
encoding of its measurements, their bounded random walk, and the telemetry and alarm payloads
the MQTT front end publishes. Thread-safe, and it touches neither the network nor the database.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import models


class Scenario(models.TextChoices):
    """What a simulated plant pretends to be doing."""

    NORMAL = "normal", "Normal"
    ANOMALY = "anomaly", "Anomaly"
    OUT_OF_SERVICE = "out_of_service", "Out of service"
    UNREACHABLE = "unreachable", "Unreachable"
    FLAPPING = "flapping", "Flapping between normal and anomaly"


STATUS_ACTIVE = 0b001
STATUS_ANOMALY = 0b010
STATUS_OUT_OF_SERVICE = 0b100
REGISTER_COUNT = 6
ALARM_ANOMALY = 17
ALARM_OUT_OF_SERVICE = 40
ALARM_MESSAGES = {
    ALARM_ANOMALY: "Outlet over-pressure",
    ALARM_OUT_OF_SERVICE: "Plant out of service",
}
DEFAULT_FLAP_SECONDS = 10.0
DEFAULT_INTERVAL_SECONDS = 5.0


@dataclass(frozen=True)
class PlantStatus:
    """What a plant shows at one moment. ``scenario`` is never ``flapping``: it is the phase
    the flapping plant is in."""

    scenario: str
    active: bool
    anomaly: bool
    out_of_service: bool
    alarm_code: int

    @property
    def reachable(self) -> bool:
        return self.scenario != Scenario.UNREACHABLE

    @property
    def status_word(self) -> int:
        return (
            (STATUS_ACTIVE if self.active else 0)
            | (STATUS_ANOMALY if self.anomaly else 0)
            | (STATUS_OUT_OF_SERVICE if self.out_of_service else 0)
        )


STATUS_BY_SCENARIO = {
    Scenario.NORMAL: PlantStatus(Scenario.NORMAL, True, False, False, 0),
    Scenario.ANOMALY: PlantStatus(Scenario.ANOMALY, True, True, False, ALARM_ANOMALY),
    Scenario.OUT_OF_SERVICE: PlantStatus(Scenario.OUT_OF_SERVICE, False, False, True, ALARM_OUT_OF_SERVICE),
    Scenario.UNREACHABLE: PlantStatus(Scenario.UNREACHABLE, False, False, False, 0),
}


@dataclass(frozen=True)
class Measurement:
    """One measurement register: how it is encoded and where its random walk may wander."""

    name: str
    register: int
    unit: str
    scale: float
    signed: bool
    nominal: float
    low: float
    high: float
    step: float

    def encode(self, value: float) -> int:
        """The raw 16-bit register value (two's complement when signed), saturating at the ends."""
        raw = round(value / self.scale)
        if self.signed:
            return max(-0x8000, min(0x7FFF, raw)) & 0xFFFF
        return max(0, min(0xFFFF, raw))

    def decode(self, raw: int) -> float:
        if self.signed and raw >= 0x8000:
            raw -= 0x10000
        return round(raw * self.scale, 6)


MEASUREMENTS = (
    Measurement("inlet_pressure", 2, "bar", 0.01, False, 4.5, 4.2, 4.8, 0.02),
    Measurement("outlet_pressure", 3, "mbar", 1, False, 21, 19, 23, 0.4),
    Measurement("temperature", 4, "°C", 0.1, True, 11.5, 8.0, 15.0, 0.1),
    Measurement("flow", 5, "m³/h", 1, False, 180, 140, 220, 3),
)
# An anomaly is an outlet over-pressure: the regulator lets ~35 mbar through instead of ~21.
ANOMALY_OUTLET_EXCESS_MBAR = 14


def utc_timestamp() -> str:
    """Now as ISO 8601 UTC with a ``Z``, to the millisecond."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def scenario_validate(value: str) -> Scenario:
    """``value`` as a ``Scenario``; ``ValueError`` naming the valid ones otherwise."""
    try:
        return Scenario(value)
    except ValueError:
        raise ValueError(f"unknown scenario {value!r}; choose one of {', '.join(Scenario.values)}") from None


class PlantSimulation:
    """One simulated plant: its scenario and its drifting measurements. Thread-safe: the
    scenario may be changed from any thread while a server reads the plant on another."""

    def __init__(
        self,
        code: str = "",
        *,
        scenario: str = Scenario.NORMAL,
        flap_seconds: float = DEFAULT_FLAP_SECONDS,
        drift: bool = True,
        initial: Mapping[str, float] | None = None,
        seed: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if flap_seconds <= 0:
            raise ValueError("flap_seconds must be positive")
        unknown = set(initial or ()) - {m.name for m in MEASUREMENTS}
        if unknown:
            raise ValueError(f"unknown measurements: {', '.join(sorted(unknown))}")
        self.code = code
        self.flap_seconds = float(flap_seconds)
        self.drift = drift
        self._clock = clock
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._scenario = scenario_validate(scenario)
        self._since = clock()
        self._values = {m.name: float((initial or {}).get(m.name, m.nominal)) for m in MEASUREMENTS}
        self._observers: list[Callable[[PlantSimulation], None]] = []

    def __repr__(self) -> str:
        return f"<PlantSimulation {self.code or '?'} {self._scenario}>"

    @property
    def scenario(self) -> Scenario:
        return self._scenario

    @scenario.setter
    def scenario(self, value: str) -> None:
        scenario = scenario_validate(value)
        with self._lock:
            self._scenario = scenario
            # Flapping starts over with a full normal phase, so a test knows when it flips.
            self._since = self._clock()
            observers = list(self._observers)
        for observer in observers:
            observer(self)

    def observe(self, callback: Callable[[PlantSimulation], None]) -> None:
        """Call ``callback(plant)`` after every scenario change, on the thread that made it."""
        with self._lock:
            self._observers.append(callback)

    def unobserve(self, callback: Callable[[PlantSimulation], None]) -> None:
        with self._lock:
            if callback in self._observers:
                self._observers.remove(callback)

    def status(self) -> PlantStatus:
        """What the plant shows now (a flapping plant: the phase it is in)."""
        with self._lock:
            return self._status_locked()

    def _status_locked(self) -> PlantStatus:
        scenario = self._scenario
        if scenario == Scenario.FLAPPING:
            phase = int((self._clock() - self._since) // self.flap_seconds) % 2
            scenario = Scenario.ANOMALY if phase else Scenario.NORMAL
        return STATUS_BY_SCENARIO[scenario]

    def sample(self) -> tuple[PlantStatus, dict[str, float]]:
        """The status and the measurements, taken together; advances the random walk one step.
        Values are rounded to what the registers can carry, so Modbus and MQTT agree."""
        with self._lock:
            status = self._status_locked()
            if self.drift:
                for m in MEASUREMENTS:
                    value = self._values[m.name] + self._rng.uniform(-m.step, m.step)
                    self._values[m.name] = min(m.high, max(m.low, value))
            values = dict(self._values)
        if status.scenario == Scenario.ANOMALY:
            values["outlet_pressure"] += ANOMALY_OUTLET_EXCESS_MBAR
        elif status.scenario == Scenario.OUT_OF_SERVICE:
            values["outlet_pressure"] = 0.0
            values["flow"] = 0.0
        return status, {m.name: m.decode(m.encode(values[m.name])) for m in MEASUREMENTS}

    def read(self) -> tuple[PlantStatus, list[int]]:
        """The status and HR0..HR5 as a Modbus read of the default map returns them."""
        status, values = self.sample()
        registers = [status.status_word, status.alarm_code] + [0] * (REGISTER_COUNT - 2)
        for m in MEASUREMENTS:
            registers[m.register] = m.encode(values[m.name])
        return status, registers

    def registers(self) -> list[int]:
        """HR0..HR5 as a Modbus read of the default map returns them."""
        return self.read()[1]

    def telemetry(self, seq: int) -> dict[str, Any]:
        """The telemetry payload (the schema the MQTT listener validates)."""
        status, values = self.sample()
        return {
            "ts": utc_timestamp(),
            "seq": seq,
            "active": status.active,
            "anomaly": status.anomaly,
            "out_of_service": status.out_of_service,
            "alarm_code": status.alarm_code,
            "measurements": {m.name: {"value": values[m.name], "unit": m.unit} for m in MEASUREMENTS},
        }


def alarm_payload(code: int, state: str) -> dict[str, Any]:
    """The alarm payload: ``state`` is ``raised`` or ``cleared``."""
    return {"ts": utc_timestamp(), "code": str(code), "state": state, "message": ALARM_MESSAGES[code]}
