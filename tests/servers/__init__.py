"""Real servers on loopback for the integration tests, each on a free port.

Fixtures (imported into ``tests/conftest.py``):

- ``mosquitto_broker``: a private Mosquitto (never the machine's own on 1883), with
  ``stop()`` / ``start()`` / ``restart()`` on the same port for broker-restart tests. Skips when
  the binary is missing (``scripts/ensure_mosquitto.sh`` installs it); mark tests using it
  ``real_component`` so that CI fails instead of skipping.
- ``mqtt_recorder``: ``mqtt_recorder(broker, "plants/#")`` -> a connected paho subscriber that
  records what arrives.
- ``modbus_plants``: a ``ModbusPlantsThread`` of simulated plants (``add`` one with port 0 to
  get a port the system picks), stopped after the test.
- ``fault_server``: ``fault_server(kind)`` -> a ``FaultServer`` misbehaving as ``FAULT_KINDS``
  describes; ``refused_address``: a port nothing listens on.

What unreachable addresses do here: in this sandbox 192.0.2.1 (TEST-NET-1) is the default
gateway and refuses at once, other hosts of 192.0.2.0/24 time out (no ARP answer), and any
other outside address (10.255.255.1, 203.0.113.1, ...) is intercepted by a transparent proxy
that accepts the connection and answers ``HTTP/1.1 400``. None of that holds on another
machine, so the ``unreachable`` fault is a loopback blackhole instead: a listening socket
whose accept queue is kept full, so Linux drops new SYNs and ``connect()`` times out.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import pwd
import random
import shutil
import signal
import socket
import socketserver
import struct
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from pymodbus.constants import ExcCodes
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice

from telecontrol.backends.simulated import REGISTER_COUNT, LoopThread, ModbusPlantsThread

LOOPBACK = "127.0.0.1"


def process_group_end(process: subprocess.Popen, ask: Callable[[], object], timeout: float) -> None:
    """End a server started with ``start_new_session``: ``ask()`` it to stop (a signal, its own
    stop command), wait up to ``timeout``, then SIGKILL whatever is left of its process group and
    reap the leader."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError, subprocess.TimeoutExpired, OSError):
            ask()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(5)


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port nothing listens on right now (the usual bind-to-0 race applies)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def wait_for_port(
    host: str, port: int, timeout: float = 10.0, alive: Callable[[], bool] = lambda: True
) -> None:
    """Return once ``host:port`` accepts a TCP connection; ``TimeoutError`` otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            if not alive():
                raise RuntimeError(f"the server for {host}:{port} exited before listening") from None
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listening on {host}:{port} after {timeout} s") from None
            time.sleep(0.02)


def started_or_skip(what: str, create: Callable[[], Any], *, new_ports: Callable[[Any], None] | None = None):
    """``create()`` then ``start()`` a private server, or skip the test saying why (tests using it
    are marked ``real_component``, so under CI=true the skip fails). ``new_ports(server)``: when
    the first start fails, pick new free ports (another process may have taken one meanwhile)
    and try once more. Whatever was started is stopped before skipping."""
    try:
        server = create()
    except RuntimeError as exc:
        pytest.skip(f"{what} unavailable: {exc}")
    try:
        server.start()
    except RuntimeError as exc:
        if new_ports is None:
            server.close()
            pytest.skip(f"{what} could not be started: {exc}")
        new_ports(server)
        try:
            server.start()
        except RuntimeError as again:
            server.close()
            pytest.skip(f"{what} could not be started: {again}")
    return server


# --------------------------------------------------------------------------------------------
# Mosquitto
# --------------------------------------------------------------------------------------------


def mosquitto_binary() -> str | None:
    """The mosquitto broker binary: ``$PRONTO_TEST_MOSQUITTO`` (scripts/test.sh sets it from
    scripts/ensure_mosquitto.sh), else from PATH or /usr/sbin (Debian's place, often not on a
    user's PATH)."""
    configured = os.environ.get("PRONTO_TEST_MOSQUITTO")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    found = shutil.which("mosquitto")
    if found:
        return found
    return "/usr/sbin/mosquitto" if os.access("/usr/sbin/mosquitto", os.X_OK) else None


@dataclass
class MosquittoBroker:
    """A private Mosquitto on loopback. Persistence is on, so a ``restart()`` keeps sessions
    and queued messages of persistent (``clean_session=False``) clients, as in production."""

    binary: str
    workdir: Path
    port: int
    host: str = LOOPBACK
    # More lines for the configuration file (e.g. ``log_type subscribe``, to see subscriptions).
    extra_conf: list[str] = field(default_factory=list)
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def conf_path(self) -> Path:
        return self.workdir / "mosquitto.conf"

    @property
    def log_path(self) -> Path:
        return self.workdir / "mosquitto.log"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def write_conf(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        lines = [
            f"listener {self.port} {self.host}",
            "allow_anonymous true",
            "persistence true",
            f"persistence_location {self.workdir}/",
            # The defaults (1000 queued, 20 in flight per client) drop messages under load.
            "max_queued_messages 0",
            "max_inflight_messages 0",
            "log_dest stderr",
            "log_type error",
            "log_type warning",
            "log_type notice",
        ]
        if os.getuid() == 0:
            # As root, Mosquitto would switch to the "mosquitto" user, who cannot write here.
            lines.append(f"user {pwd.getpwuid(os.getuid()).pw_name}")
        self.conf_path.write_text("\n".join(lines + self.extra_conf) + "\n")

    def start(self, timeout: float = 10.0) -> None:
        """Start on the same port as before; return once it accepts connections."""
        if self.running:
            return
        self.write_conf()
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [self.binary, "-c", str(self.conf_path)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_for_port(self.host, self.port, timeout, alive=lambda: self.running)
        except (RuntimeError, TimeoutError) as exc:
            self.stop()
            raise RuntimeError(f"{exc}; mosquitto log:\n{self.log()}") from exc

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM (Mosquitto saves its persistence file), then wait; SIGKILL if it hangs."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def restart(self, down_seconds: float = 0.0) -> None:
        self.stop()
        if down_seconds:
            time.sleep(down_seconds)
        self.start()


@pytest.fixture
def mosquitto_broker(tmp_path) -> Iterator[MosquittoBroker]:
    """A private, running Mosquitto on a free loopback port, stopped after the test."""
    binary = mosquitto_binary()
    if binary is None:
        pytest.skip(
            "mosquitto is not installed (or $PRONTO_TEST_MOSQUITTO is wrong): run scripts/ensure_mosquitto.sh"
        )
    broker = MosquittoBroker(binary=binary, workdir=tmp_path / "mosquitto", port=free_port())
    broker.start()
    yield broker
    broker.stop()


@dataclass
class MqttMessage:
    topic: str
    payload: bytes
    qos: int
    retain: bool

    def json(self) -> Any:
        return json.loads(self.payload)


class MqttRecorder:
    """A paho subscriber that records every message. It subscribes again on each connect, so it
    survives a broker restart; ``connects`` counts the connections."""

    def __init__(
        self, host: str, port: int, *topics: str, qos: int = 1, client_id: str | None = None
    ) -> None:
        self.host, self.port, self.topics, self.qos = host, port, topics or ("#",), qos
        self.messages: list[MqttMessage] = []
        self.connects = 0
        self._arrived = threading.Condition()
        self._subscribed = threading.Event()
        self._client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id or f"pronto-test-recorder-{id(self):x}",
            clean_session=client_id is None,
        )
        self._client.reconnect_delay_set(min_delay=0.1, max_delay=1)
        self._client.on_connect = self._on_connect
        self._client.on_subscribe = lambda *args: self._subscribed.set()
        self._client.on_message = self._on_message

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if not reason_code.is_failure:
            self.connects += 1
            self._subscribed.clear()
            client.subscribe([(topic, self.qos) for topic in self.topics])

    def _on_message(self, client, userdata, message) -> None:
        with self._arrived:
            self.messages.append(MqttMessage(message.topic, message.payload, message.qos, message.retain))
            self._arrived.notify_all()

    def start(self, timeout: float = 5.0) -> MqttRecorder:
        self._client.connect_async(self.host, self.port, keepalive=10)
        self._client.loop_start()
        if not self._subscribed.wait(timeout):
            raise TimeoutError(f"could not subscribe on {self.host}:{self.port}")
        return self

    def stop(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    def wait_subscribed(self, timeout: float = 5.0) -> bool:
        return self._subscribed.wait(timeout)

    def on(self, topic: str) -> list[MqttMessage]:
        with self._arrived:
            return [m for m in self.messages if m.topic == topic]

    def wait_for(
        self, predicate: Callable[[list[MqttMessage]], bool], timeout: float = 5.0
    ) -> list[MqttMessage]:
        """Wait until ``predicate(messages)`` holds; return the messages, or fail the test."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while not predicate(self.messages):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    topics = sorted({m.topic for m in self.messages})
                    pytest.fail(
                        f"MQTT: condition not met in {timeout} s; {len(self.messages)} messages on {topics}"
                    )
                self._arrived.wait(remaining)
            return list(self.messages)


@pytest.fixture
def mqtt_recorder() -> Iterator[Callable[..., MqttRecorder]]:
    """``mqtt_recorder(broker, "plants/#")``: a started ``MqttRecorder``, stopped after the test."""
    recorders: list[MqttRecorder] = []

    def make(broker: MosquittoBroker, *topics: str, **kwargs) -> MqttRecorder:
        recorder = MqttRecorder(broker.host, broker.port, *topics, **kwargs)
        recorders.append(recorder)
        return recorder.start()

    yield make
    for recorder in recorders:
        recorder.stop()


# --------------------------------------------------------------------------------------------
# Modbus
# --------------------------------------------------------------------------------------------


@pytest.fixture
def modbus_plants() -> Iterator[ModbusPlantsThread]:
    """Simulated Modbus plants on a background event loop, already running.

    ``plant = modbus_plants.add("P1", scenario="anomaly")``; ``modbus_plants.address("P1")``
    gives host, port and unit id; ``modbus_plants.set_scenario("P1", "normal")``. Pass
    ``port=free_port()`` to a plant that starts unreachable, so it has a port to be refused on.
    """
    plants = ModbusPlantsThread("test-modbus-plants")
    plants.start()
    yield plants
    plants.stop()


FAULT_KINDS = {
    "silent": "accepts the connection, reads every request, never answers (client times out)",
    "garbled": "answers every request with random bytes whose MBAP protocol id is never 0",
    "short_reply": "answers an MBAP header announcing the full reply, sends only part of it, then "
    "nothing more (client waits for the rest and times out)",
    "few_registers": "answers a complete, well-formed read reply carrying fewer registers than asked (2)",
    "exception": "a pymodbus server whose every read answers a Modbus exception "
    "(DEVICE_FAILURE, 4, unless exception_code= says otherwise)",
    "unreachable": "a loopback blackhole: the accept queue is kept full, so connect() times out",
}


class _FaultHandler(socketserver.BaseRequestHandler):
    server: _FaultTCPServer

    def handle(self) -> None:
        kind = self.server.kind
        sock: socket.socket = self.request
        self.server.connections += 1
        buffer = b""
        while True:
            try:
                data = sock.recv(4096)
            except OSError:
                return
            if not data:
                return
            buffer += data
            self.server.requests.append(data)
            if kind == "silent":
                continue
            if kind == "garbled":
                garbage = bytearray(random.randbytes(len(data) + 3))
                garbage[2] = garbage[2] or 0x5A  # protocol id must be 0 in Modbus TCP: never here
                sock.sendall(bytes(garbage))
                continue
            while len(buffer) >= 12:
                request, buffer = buffer[:12], buffer[12:]
                transaction, _protocol, _length, unit, function = struct.unpack(">HHHBB", request[:8])
                count = struct.unpack(">H", request[10:12])[0]
                if kind == "short_reply":
                    byte_count = 2 * count
                    header = struct.pack(
                        ">HHHBBB", transaction, 0, 3 + byte_count, unit, function, byte_count
                    )
                    sock.sendall(header + b"\x00\x01")  # one register of the `count` announced
                elif kind == "few_registers":
                    registers = [1, 0][: min(count, 2)]
                    body = struct.pack(f">BB{len(registers)}H", function, 2 * len(registers), *registers)
                    sock.sendall(struct.pack(">HHHB", transaction, 0, 1 + len(body), unit) + body)


class _FaultTCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], kind: str) -> None:
        self.kind = kind
        self.connections = 0
        self.requests: list[bytes] = []
        super().__init__(address, _FaultHandler)


class FaultServer:
    """A server on loopback that misbehaves in the one way ``kind`` names (see ``FAULT_KINDS``).
    ``host``, ``port`` and (for Modbus clients) ``unit_id`` say where to point a client."""

    def __init__(
        self, kind: str, host: str = LOOPBACK, *, exception_code: ExcCodes = ExcCodes.DEVICE_FAILURE
    ) -> None:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; choose one of {', '.join(FAULT_KINDS)}")
        self.kind = kind
        self.host = host
        self.port = 0
        self.unit_id = 1
        self.exception_code = exception_code
        self._tcp: _FaultTCPServer | None = None
        self._tcp_thread: threading.Thread | None = None
        self._loop: LoopThread | None = None
        self._modbus: ModbusTcpServer | None = None
        self._blackhole: list[socket.socket] = []

    def __repr__(self) -> str:
        return f"<FaultServer {self.kind} {self.host}:{self.port}>"

    @property
    def connections(self) -> int:
        return self._tcp.connections if self._tcp else 0

    @property
    def requests(self) -> list[bytes]:
        return self._tcp.requests if self._tcp else []

    def start(self) -> FaultServer:
        if self.kind == "exception":
            self._start_exception()
        elif self.kind == "unreachable":
            self._start_blackhole()
        else:
            self._tcp = _FaultTCPServer((self.host, 0), self.kind)
            self.port = self._tcp.server_address[1]
            self._tcp_thread = threading.Thread(
                target=self._tcp.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            )
            self._tcp_thread.start()
        return self

    def _start_exception(self) -> None:
        code = self.exception_code

        async def fail(function_code, start_address, address, count, current_registers, set_values):
            return code

        async def serve() -> ModbusTcpServer:
            device = SimDevice(
                self.unit_id,
                simdata=[SimData(0, values=[0] * REGISTER_COUNT, datatype=DataType.REGISTERS)],
                action=fail,
            )
            server = ModbusTcpServer([device], address=(self.host, 0))
            await server.serve_forever(background=True)
            return server

        self._loop = LoopThread("fault-exception-server")
        self._loop.start()
        self._modbus = self._loop.run(serve(), 5)
        self.port = self._modbus.transport.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    def _start_blackhole(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind((self.host, 0))
        listener.listen(0)
        self.port = listener.getsockname()[1]
        # With a backlog of 0 one unaccepted connection fills the queue; Linux then drops SYNs.
        filler = socket.create_connection((self.host, self.port), timeout=2)
        self._blackhole = [listener, filler]

    def stop(self) -> None:
        if self._tcp is not None:
            self._tcp.shutdown()
            self._tcp.server_close()
            self._tcp = None
        if self._loop is not None:
            if self._modbus is not None:
                with contextlib.suppress(Exception):
                    self._loop.run(self._modbus.shutdown(), 5)
            self._loop.stop()
            self._loop = None
        for sock in self._blackhole:
            sock.close()
        self._blackhole = []


@pytest.fixture
def fault_server() -> Iterator[Callable[..., FaultServer]]:
    """``fault_server("silent")`` -> a started ``FaultServer``; all are stopped after the test."""
    servers: list[FaultServer] = []

    def make(kind: str, **kwargs) -> FaultServer:
        server = FaultServer(kind, **kwargs)
        servers.append(server)
        return server.start()

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def refused_address() -> tuple[str, int]:
    """``(host, port)`` where nothing listens: connecting is refused at once."""
    return LOOPBACK, free_port()


def run_async(coro, timeout: float = 10.0):
    """Run a coroutine to completion from a synchronous test (a fresh event loop each time)."""
    return asyncio.run(asyncio.wait_for(coro, timeout))
