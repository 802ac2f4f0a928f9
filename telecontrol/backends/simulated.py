"""Simulated plants for the demo (``manage.py simulate_plants``) and the tests.

A ``PlantSimulation`` is one plant's behaviour, independent of the protocol: a scenario and a few
measurements that drift a little (a bounded random walk). Two front ends show it to the world:

- ``SimulatedModbusServer`` / ``SimulatedModbusPlant``: a real pymodbus 3.16 Modbus TCP server
  answering for one plant, or for several on one port (one unit id each, like a gateway);
  ``ModbusPlantsThread`` runs any number of them on an event loop in a background thread;
- ``SimulatedMqttPublisher`` / ``SimulatedMqttPlant``: one paho-mqtt client publishing the
  telemetry of one or more plants to ``<prefix>/<code>/telemetry`` and their alarms to
  ``<prefix>/<code>/alarm``, both at QoS 1.

The default register map (holding registers, the same as
``telecontrol.register_maps.DEFAULT_REGISTER_MAP``):

====  ====================================================================
HR0   status word: bit 0 active, bit 1 anomaly, bit 2 out of service
HR1   alarm code, 0 = none
HR2   inlet pressure, unsigned, centibar (x 0.01 -> bar)
HR3   outlet pressure, unsigned, mbar
HR4   temperature, signed 16-bit two's complement, tenths of °C
HR5   flow, unsigned, m³/h
====  ====================================================================

Scenarios: ``normal`` (status 0b001, alarm 0), ``anomaly`` (0b011, alarm 17, outlet
over-pressure), ``out_of_service`` (0b100, alarm 40, no flow and no outlet pressure),
``flapping`` (normal and anomaly alternating every ``flap_seconds``, starting with normal when
the scenario is set) and ``unreachable``: a Modbus server whose plants are all unreachable does
not listen at all (connection refused); on a port shared with reachable plants the unreachable
unit answers exception 0x0B, "gateway target device failed to respond", as a real gateway does.
An unreachable MQTT plant publishes nothing.

Nothing here touches the database: the management command reads the plants and hands them over.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import socket
import threading
import time
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import paho.mqtt.client as mqtt
from django.db import models
from pymodbus.constants import ExcCodes
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

logger = logging.getLogger(__name__)

T = TypeVar("T")


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


# --------------------------------------------------------------------------------------------
# Modbus TCP
# --------------------------------------------------------------------------------------------


class SimulatedModbusServer:
    """A pymodbus TCP server answering for simulated plants, one per unit id.

    Listens only while at least one of its plants is reachable; a scenario change that makes
    all of them unreachable (or one of them reachable again) closes (or reopens) the listener on
    the same port. With ``port=0`` the system picks a port on first listen and keeps it.
    Must be started and stopped on one event loop; scenario changes may come from any thread.
    Unit id 0 is pymodbus's wildcard: that plant also answers for every unit id not defined.
    """

    def __init__(self, host: str, port: int, units: Mapping[int, PlantSimulation]) -> None:
        if not units:
            raise ValueError("a Modbus server needs at least one plant")
        for unit_id in units:
            if not 0 <= unit_id <= 255:
                raise ValueError(f"unit id {unit_id} is not 0-255")
        self.host = host
        self.port = port
        self.units = dict(units)
        self._server: ModbusTcpServer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sync_lock: asyncio.Lock | None = None
        self._running = False

    def __repr__(self) -> str:
        return f"<SimulatedModbusServer {self.host}:{self.port} units {sorted(self.units)}>"

    @property
    def listening(self) -> bool:
        return self._server is not None

    @property
    def should_listen(self) -> bool:
        return self._running and any(plant.status().reachable for plant in self.units.values())

    async def start(self) -> None:
        """Start serving (unless every plant is unreachable). Raises ``OSError`` when the address
        cannot be bound."""
        if self._running:
            return
        self._loop = asyncio.get_running_loop()
        self._sync_lock = asyncio.Lock()
        self._running = True
        for plant in self.units.values():
            plant.observe(self._scenario_changed)
        try:
            await self.sync()
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Close the listener and every open connection."""
        self._running = False
        for plant in self.units.values():
            plant.unobserve(self._scenario_changed)
        if self._sync_lock is None:
            return
        async with self._sync_lock:
            await self._close()

    async def sync(self) -> None:
        """Open or close the listener to match the plants' scenarios. Flapping never makes a
        plant unreachable, so only explicit changes matter, and each one schedules this."""
        assert self._sync_lock is not None, "start() first"
        async with self._sync_lock:
            if self.should_listen and self._server is None:
                await self._open()
            elif not self.should_listen and self._server is not None:
                await self._close()

    async def add_unit(self, unit_id: int, plant: PlantSimulation) -> None:
        """Answer for one more plant; a listening server reopens (a brief gap) to take it on."""
        if not 0 <= unit_id <= 255:
            raise ValueError(f"unit id {unit_id} is not 0-255")
        if unit_id in self.units:
            raise ValueError(f"{self.host}:{self.port} unit {unit_id} is already taken by another plant")
        self.units[unit_id] = plant
        if not self._running:
            return
        assert self._sync_lock is not None
        plant.observe(self._scenario_changed)
        async with self._sync_lock:
            await self._close()
        await self.sync()

    def _scenario_changed(self, plant: PlantSimulation) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(lambda: loop.create_task(self.sync()))
        except RuntimeError:  # the loop closed between the check and the call
            pass

    async def _open(self) -> None:
        devices = [
            SimDevice(
                unit_id,
                simdata=[SimData(0, values=[0] * REGISTER_COUNT, datatype=DataType.REGISTERS, readonly=True)],
                action=self._action_for(plant),
            )
            for unit_id, plant in sorted(self.units.items())
        ]
        codes = ", ".join(plant.code for plant in self.units.values())
        server = ModbusTcpServer(devices, address=(self.host, self.port))
        try:
            await server.serve_forever(background=True)
        except RuntimeError as exc:
            # pymodbus only logs why the bind failed; binding here once more tells us.
            reason = str(exc)
            try:
                with socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET) as probe:
                    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    probe.bind((self.host, self.port))
            except OSError as bind_error:
                reason = bind_error.strerror or str(bind_error)
            raise OSError(f"cannot listen on {self.host}:{self.port} for {codes}: {reason}") from exc
        self._server = server
        if self.port == 0:
            self.port = server.transport.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        logger.debug("simulated Modbus server listening on %s:%s", self.host, self.port)

    async def _close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            await server.shutdown()
            # Let the transports finish closing before the port may be bound again.
            await asyncio.sleep(0)
            logger.debug("simulated Modbus server on %s:%s closed", self.host, self.port)

    @staticmethod
    def _action_for(plant: PlantSimulation):
        async def action(
            function_code: int,
            start_address: int,
            address: int,
            count: int,
            current_registers: list[int],
            set_values: list[int] | list[bool] | None,
        ) -> ExcCodes | None:
            status, registers = plant.read()
            if not status.reachable:
                return ExcCodes.GATEWAY_NO_RESPONSE
            current_registers[0:REGISTER_COUNT] = registers
            return None

        return action


class SimulatedModbusPlant(SimulatedModbusServer):
    """One simulated plant on its own Modbus TCP server.

    ``plant = SimulatedModbusPlant("127.0.0.1", 5020, unit_id=1, scenario="anomaly")``,
    ``await plant.start()``, ``plant.scenario = "normal"`` (the next read shows it; listening
    follows shortly, or ``await plant.set_scenario(...)`` to wait for it), ``await plant.stop()``.
    """

    def __init__(
        self,
        host: str,
        port: int,
        unit_id: int = 1,
        scenario: str = Scenario.NORMAL,
        flap_seconds: float = DEFAULT_FLAP_SECONDS,
        *,
        code: str = "",
        drift: bool = True,
    ) -> None:
        self.unit_id = unit_id
        self.plant = PlantSimulation(
            code or f"modbus-{port}-{unit_id}", scenario=scenario, flap_seconds=flap_seconds, drift=drift
        )
        super().__init__(host, port, {unit_id: self.plant})

    @property
    def scenario(self) -> Scenario:
        return self.plant.scenario

    @scenario.setter
    def scenario(self, value: str) -> None:
        self.plant.scenario = value

    async def set_scenario(self, value: str) -> None:
        """Change the scenario and return once the listener matches it."""
        self.plant.scenario = value
        if self._running:
            await self.sync()


class LoopThread:
    """An asyncio event loop running in a daemon thread; ``run`` executes a coroutine on it from
    any other thread and waits for its result."""

    def __init__(self, name: str = "pronto-simulator") -> None:
        self.name = name
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        ready = threading.Event()

        def main() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self.loop = loop
            ready.set()
            try:
                loop.run_forever()
            finally:
                pending = asyncio.all_tasks(loop)
                for task in pending:
                    task.cancel()
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                loop.close()

        self._thread = threading.Thread(target=main, name=self.name, daemon=True)
        self._thread.start()
        ready.wait()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        if self.loop is None or not self.running:
            coro.close()
            raise RuntimeError("the loop thread is not running")
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self, timeout: float = 5.0) -> None:
        if self.loop is not None and self.running:
            self.loop.call_soon_threadsafe(self.loop.stop)
        if self._thread is not None:
            self._thread.join(timeout)
        self._thread = None
        self.loop = None


@dataclass(frozen=True)
class ModbusAddress:
    host: str
    port: int
    unit_id: int


class ModbusPlantsThread:
    """Any number of simulated Modbus plants, served from an event loop in a background thread.

    Plants with the same host and (non-zero) port share one server, one unit id each; a plant
    with port 0 gets a server of its own on a port the system picks (see ``address``).
    ``add`` works before and after ``start``; every method is safe to call from any thread
    except the loop's own.
    """

    def __init__(self, name: str = "pronto-modbus-plants") -> None:
        self.plants: dict[str, PlantSimulation] = {}
        self._keys: dict[str, tuple] = {}
        self._servers: dict[tuple, SimulatedModbusServer] = {}
        self._thread = LoopThread(name)
        self._lock = threading.Lock()

    def __enter__(self) -> ModbusPlantsThread:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._thread.running

    def add(
        self,
        code: str,
        host: str = "127.0.0.1",
        port: int = 0,
        unit_id: int = 1,
        scenario: str = Scenario.NORMAL,
        flap_seconds: float = DEFAULT_FLAP_SECONDS,
        *,
        drift: bool = True,
        timeout: float = 5.0,
    ) -> PlantSimulation:
        """Add a plant; when already running, its server starts at once (or, if it shares a
        running server, that server reopens with the new unit)."""
        with self._lock:
            if code in self.plants:
                raise ValueError(f"plant {code} is already simulated")
            key: tuple = (host, port) if port else (host, 0, code)
            server = self._servers.get(key)
            if server is not None and unit_id in server.units:
                raise ValueError(f"{host}:{port} unit {unit_id} is already taken by another plant")
            plant = PlantSimulation(code, scenario=scenario, flap_seconds=flap_seconds, drift=drift)
            new_server = server is None
            if server is None:
                server = self._servers[key] = SimulatedModbusServer(host, port, {unit_id: plant})
            elif not self.running:
                server.units[unit_id] = plant
            self.plants[code] = plant
            self._keys[code] = (key, unit_id)
            if self.running:
                try:
                    self._thread.run(
                        server.start() if new_server else server.add_unit(unit_id, plant), timeout
                    )
                except BaseException:
                    del self.plants[code], self._keys[code]
                    if new_server:
                        del self._servers[key]
                    raise
        return plant

    def start(self, timeout: float = 5.0) -> None:
        """Start every server; raises ``OSError`` (after stopping the others) when one cannot
        listen, naming the address."""
        self._thread.start()
        try:
            for server in list(self._servers.values()):
                self._thread.run(server.start(), timeout)
        except BaseException:
            self.stop()
            raise

    def stop(self, timeout: float = 5.0) -> None:
        if self.running:
            for server in list(self._servers.values()):
                try:
                    self._thread.run(server.stop(), timeout)
                except Exception:  # stop the rest whatever one of them does
                    logger.exception("stopping %r failed", server)
        self._thread.stop(timeout)

    def server(self, code: str) -> SimulatedModbusServer:
        key, _unit_id = self._keys[code]
        return self._servers[key]

    def address(self, code: str) -> ModbusAddress:
        """Where the plant answers (the actual port once a port-0 server has listened)."""
        key, unit_id = self._keys[code]
        server = self._servers[key]
        return ModbusAddress(server.host, server.port, unit_id)

    def set_scenario(self, code: str, scenario: str, timeout: float = 5.0) -> None:
        """Change a plant's scenario; returns once its server listens (or not) accordingly."""
        self.plants[code].scenario = scenario
        if self.running:
            self._thread.run(self.server(code).sync(), timeout)


# --------------------------------------------------------------------------------------------
# MQTT
# --------------------------------------------------------------------------------------------


class SimulatedMqttPublisher:
    """Publishes simulated plants over MQTT with one paho-mqtt client.

    Every ``interval`` seconds, for each reachable plant, a telemetry message to
    ``<prefix>/<code>/telemetry``; whenever a plant's alarm changes (a scenario change or a
    flapping phase), ``cleared`` for the old alarm and/or ``raised`` for the new one to
    ``<prefix>/<code>/alarm``, within ~0.1 s. A plant that starts in anomaly or out of service
    raises its alarm at once. All at QoS 1: paho keeps the messages while the broker is away and
    sends them on reconnection (it reconnects by itself, 0.1 to 2 s apart).
    """

    inflight_window = 100
    tick_seconds = 0.1

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 1883,
        *,
        prefix: str = "plants",
        interval: float = DEFAULT_INTERVAL_SECONDS,
        client_id: str | None = None,
        keepalive: int = 30,
        qos: int = 1,
        username: str = "",
        password: str = "",
    ) -> None:
        if interval <= 0:
            raise ValueError("interval must be positive")
        self.host = host
        self.port = port
        self.prefix = prefix.strip("/")
        self.interval = float(interval)
        self.keepalive = keepalive
        self.qos = qos
        self.client_id = client_id or f"pronto-simulator-{os.getpid()}-{id(self):x}"
        self.plants: dict[str, PlantSimulation] = {}
        self.published = {"telemetry": 0, "alarm": 0}
        self.acknowledged = 0
        self.connects = 0
        self._seq: dict[str, int] = {}
        self._announced: dict[str, int] = {}
        self._lock = threading.Lock()
        self._connected = threading.Event()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=self.client_id)
        if username:
            self._client.username_pw_set(username, password or None)
        # paho's default window is 20; a large backlog queued at once loses messages, so keep
        # it modest and let the rest wait in paho's queue.
        self._client.max_inflight_messages_set(self.inflight_window)
        self._client.max_queued_messages_set(0)
        self._client.reconnect_delay_set(min_delay=0.1, max_delay=2)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_publish = self._on_publish

    def __enter__(self) -> SimulatedMqttPublisher:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def topic(self, code: str, kind: str) -> str:
        return f"{self.prefix}/{code}/{kind}"

    def add(
        self,
        code: str,
        scenario: str = Scenario.NORMAL,
        flap_seconds: float = DEFAULT_FLAP_SECONDS,
        *,
        drift: bool = True,
    ) -> PlantSimulation:
        if "/" in code or "+" in code or "#" in code:
            raise ValueError(f"plant code {code!r} cannot be part of an MQTT topic")
        plant = PlantSimulation(code, scenario=scenario, flap_seconds=flap_seconds, drift=drift)
        with self._lock:
            if code in self.plants:
                raise ValueError(f"plant {code} is already simulated")
            self.plants[code] = plant
        plant.observe(lambda _plant: self._wake.set())
        self._wake.set()
        return plant

    def set_scenario(self, code: str, scenario: str) -> None:
        """Change a plant's scenario; its alarm (if it changes) goes out within a tick."""
        self.plants[code].scenario = scenario

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    def start(self) -> None:
        """Connect in the background (retrying until the broker answers) and start publishing."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._client.connect_async(self.host, self.port, keepalive=self.keepalive)
        self._client.loop_start()
        self._thread = threading.Thread(target=self._run, name=f"mqtt-sim-{self.port}", daemon=True)
        self._thread.start()

    def stop(self, flush_timeout: float = 2.0) -> None:
        """Stop publishing; wait up to ``flush_timeout`` for the broker to acknowledge what was
        sent, then disconnect."""
        if self._thread is None:
            return
        self._stop.set()
        self._wake.set()
        self._thread.join()
        self._thread = None
        deadline = time.monotonic() + flush_timeout
        while self.connected and self.acknowledged < sum(self.published.values()):
            if time.monotonic() > deadline:
                break
            time.sleep(0.02)
        self._client.disconnect()
        self._client.loop_stop()

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            logger.warning("MQTT broker %s:%s refused the simulator: %s", self.host, self.port, reason_code)
            return
        self.connects += 1
        self._connected.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self._connected.clear()

    def _on_publish(self, client, userdata, mid, reason_code, properties) -> None:
        self.acknowledged += 1

    def _publish(self, code: str, kind: str, payload: dict[str, Any]) -> None:
        self._client.publish(self.topic(code, kind), json.dumps(payload), qos=self.qos)
        self.published[kind] += 1

    def _alarms(self) -> None:
        for code, plant in list(self.plants.items()):
            status = plant.status()
            if not status.reachable:
                continue
            announced = self._announced.get(code, 0)
            if status.alarm_code == announced:
                continue
            if announced:
                self._publish(code, "alarm", alarm_payload(announced, "cleared"))
            if status.alarm_code:
                self._publish(code, "alarm", alarm_payload(status.alarm_code, "raised"))
            self._announced[code] = status.alarm_code

    def _telemetry(self) -> None:
        for code, plant in list(self.plants.items()):
            if not plant.status().reachable:
                continue
            self._seq[code] = self._seq.get(code, 0) + 1
            self._publish(code, "telemetry", plant.telemetry(self._seq[code]))

    def _run(self) -> None:
        next_telemetry = time.monotonic()
        while not self._stop.is_set():
            try:
                self._alarms()
                now = time.monotonic()
                if now >= next_telemetry:
                    self._telemetry()
                    next_telemetry = max(next_telemetry + self.interval, now)
            except Exception:  # one bad tick must not end the simulation
                logger.exception("simulated MQTT publishing failed")
            wait = max(0.0, min(self.tick_seconds, next_telemetry - time.monotonic()))
            self._wake.wait(wait)
            self._wake.clear()


class SimulatedMqttPlant(SimulatedMqttPublisher):
    """One simulated plant publishing over MQTT; ``scenario`` may be set while it runs."""

    def __init__(
        self,
        host: str,
        port: int,
        code: str,
        scenario: str = Scenario.NORMAL,
        interval: float = DEFAULT_INTERVAL_SECONDS,
        flap_seconds: float = DEFAULT_FLAP_SECONDS,
        *,
        prefix: str = "plants",
        client_id: str | None = None,
        drift: bool = True,
    ) -> None:
        super().__init__(host, port, prefix=prefix, interval=interval, client_id=client_id)
        self.code = code
        self.plant = self.add(code, scenario, flap_seconds, drift=drift)

    @property
    def scenario(self) -> Scenario:
        return self.plant.scenario

    @scenario.setter
    def scenario(self, value: str) -> None:
        self.plant.scenario = value
