"""The Modbus TCP front end of the simulated plants: a real pymodbus server answering for one
plant or for several on one port (one unit id each, like a gateway), listening only while one
of them is reachable; ``LoopThread``, an event loop in a background thread; and
``ModbusPlantsThread``, which runs any number of simulated Modbus plants on one.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pymodbus.constants import ExcCodes
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

from .plant import DEFAULT_FLAP_SECONDS, REGISTER_COUNT, PlantSimulation, Scenario

logger = logging.getLogger(__name__)

T = TypeVar("T")
# A server is shared by the plants on one host:port, or private to one plant (port 0).
ServerKey = tuple[str, int] | tuple[str, int, str]


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
            # pymodbus types its transport loosely; listening, it is an asyncio Server with sockets.
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
    def _action_for(
        plant: PlantSimulation,
    ) -> Callable[
        [int, int, int, int, list[int], list[int] | list[bool] | None], Coroutine[None, None, ExcCodes | None]
    ]:
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
        self._keys: dict[str, tuple[ServerKey, int]] = {}  # plant code -> its server, its unit id
        self._servers: dict[ServerKey, SimulatedModbusServer] = {}
        self._thread = LoopThread(name)
        self._lock = threading.Lock()

    def __enter__(self) -> ModbusPlantsThread:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
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
            key: ServerKey = (host, port) if port else (host, 0, code)
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
