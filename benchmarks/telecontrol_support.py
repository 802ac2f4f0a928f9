"""Shared plumbing of the telecontrol benchmarks (``bench_telemetry_ingest``, ``bench_fleet_poll``,
``bench_live_check``): a throw-away PostgreSQL database migrated in-process, bench plants, a
private Mosquitto, and Modbus TCP servers in a separate process.

Not a benchmark itself. Run as a script it is the Modbus server process::

    python benchmarks/telecontrol_support.py modbus-servers --count 1000 [--base-port 21000]

which starts ``count`` pymodbus 3.16 ``ModbusTcpServer`` instances (one simulated device each,
unit id 1, six holding registers laid out as ``telecontrol.register_maps.DEFAULT_REGISTER_MAP``)
on one asyncio loop, prints ``{"ports": [...]}`` on one line once all listen, and serves until
its stdin closes. The values of server ``i`` are ``registers_for(i)``, so a reader can check
what it decoded.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "benchmarks" / "results"
VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = str(VENV_BIN / "python") if (VENV_BIN / "python").exists() else sys.executable
LOOPBACK = "127.0.0.1"
BENCH_USERNAME = "bench-operator"


def verdict(*, target_holds: bool, results_right: bool = True) -> int:
    """The exit status of every benchmark: 0 only when its target holds and what it measured was
    right; 1 when the target is missed; 2 when results were wrong (lost messages, bad values),
    whatever the speed. A script or CI job running a benchmark learns the outcome from it."""
    if not results_right:
        return 2
    return 0 if target_holds else 1


class BenchError(RuntimeError):
    """A benchmark could not run as set up (shared by every script in this folder)."""


# ----------------------------------------------------------------------------------------------
# Small helpers


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 10.0, alive=lambda: True) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((LOOPBACK, port), timeout=0.5):
                return
        except OSError:
            if not alive():
                raise BenchError(f"the server for port {port} exited before listening") from None
            if time.monotonic() > deadline:
                raise BenchError(f"nothing listening on {LOOPBACK}:{port} after {timeout} s") from None
            time.sleep(0.02)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summary_ms(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50_ms": statistics.median(ms),
        "p90_ms": percentile(ms, 90),
        "p99_ms": percentile(ms, 99),
        "mean_ms": statistics.fmean(ms),
        "min_ms": min(ms),
        "max_ms": max(ms),
    }


def profile_text(fn, *, top: int = 25, sort: str = "tottime") -> str:
    """Run ``fn()`` under cProfile; the ``top`` functions by ``sort`` as text."""
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(fn)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(sort)
    stats.print_stats(top)
    text = out.getvalue()
    # Drop pstats' preamble up to the column header.
    return text[text.find("   ncalls") :] if "   ncalls" in text else text


def reexec_in_venv(script: str) -> None:
    """``python benchmarks/<script>.py`` with any interpreter: switch to the project's venv."""
    venv = ROOT / ".venv"
    if venv.exists() and Path(sys.prefix).resolve() != venv.resolve():
        os.execv(PYTHON, [PYTHON, str(Path(script).resolve()), *sys.argv[1:]])


def write_results(name: str, payload: dict) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS_DIR / f"{name}-{stamp}.json"
    out.write_text(json.dumps({"when": stamp, **payload}, indent=2, default=str))
    return out


def machine_line() -> str:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} CPUs, load average before the run {load}"


# ----------------------------------------------------------------------------------------------
# Database and Django


def _maintenance_url(database_url: str) -> tuple[str, str]:
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not name or not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise BenchError(f"Unusable database name in {database_url!r}")
    return urlunsplit(parts._replace(scheme="postgresql", path="/postgres")), name


def db_recreate(database_url: str, *, drop_only: bool = False) -> None:
    import psycopg  # from the project's virtualenv

    admin_url, name = _maintenance_url(database_url)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def db_drop_quietly(database_url: str) -> None:
    try:
        from django.db import connections

        connections.close_all()
    except Exception:  # noqa: BLE001 - Django may not be set up yet
        pass
    try:
        db_recreate(database_url, drop_only=True)
    except Exception as exc:  # noqa: BLE001 - cleanup must not hide the real error
        log(f"could not drop the benchmark database: {exc}")


def database_arguments(parser, default_url: str) -> None:
    """The options every PostgreSQL benchmark takes: its database, and whether to keep it."""
    parser.add_argument("--database-url", default=os.environ.get("PRONTO_BENCH_DATABASE_URL", default_url))
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")


def django_setup(database_url: str, **settings_env: str) -> None:
    """Configure this process for ``database_url`` (embedded settings shape, on PostgreSQL),
    ``django.setup()`` and migrate. Call once, before importing project modules."""
    if not urlsplit(database_url).scheme.startswith("postgres"):
        raise BenchError("--database-url must be a PostgreSQL URL")
    os.environ.pop("PRONTO_ENV", None)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url,
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "DB_CONN_MAX_AGE": "60",
            **settings_env,
        }
    )
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    logging.getLogger("pymodbus").setLevel(logging.ERROR)


def pg_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def bench_operator():
    """A user in the operator group (the role live checks need)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from dispatch.choices import Role

    group, _ = Group.objects.get_or_create(name=Role.OPERATOR)
    user, _ = get_user_model().objects.get_or_create(username=BENCH_USERNAME)
    user.set_unusable_password()
    user.save()
    user.groups.add(group)
    return get_user_model().objects.get(pk=user.pk)


def bench_plants(count: int, *, protocol: str, ports: list[int] | None = None, prefix: str = "BT"):
    """``count`` gas cabins of one customer with telecontrol ``protocol``; Modbus plants point at
    ``ports`` (plant ``i`` at ``ports[i % len(ports)]``, unit id 1). Returns the plants in order."""
    from decimal import Decimal

    from dispatch.choices import PlantKind, ServiceClass
    from dispatch.models import Customer, Plant
    from telecontrol.choices import Protocol
    from telecontrol.models import PlantTelecontrol

    customer, _ = Customer.objects.get_or_create(
        code="bench", defaults={"name": "Bench utility", "service_class": ServiceClass.GOLD}
    )
    plants = Plant.objects.bulk_create(
        [
            Plant(
                customer=customer,
                code=f"{prefix}-{i:05d}",
                name=f"Bench plant {i}",
                kind=PlantKind.GAS_CABIN,
                address="Via del Banco 1, Milano",
                municipality="Milano",
                latitude=Decimal("45.5"),
                longitude=Decimal("9.2"),
            )
            for i in range(count)
        ]
    )
    modbus = protocol == Protocol.MODBUS
    PlantTelecontrol.objects.bulk_create(
        [
            PlantTelecontrol(
                plant=plant,
                protocol=protocol,
                host=LOOPBACK if modbus else "",
                port=ports[i % len(ports)] if modbus else None,
                unit_id=1,
            )
            for i, plant in enumerate(plants)
        ]
    )
    return plants


# ----------------------------------------------------------------------------------------------
# Modbus servers in a separate process

REGISTER_COUNT = 6


def registers_for(index: int) -> list[int]:
    """Holding registers 0..5 of server ``index``: active, no alarm, distinct measurements."""
    return [0b001, 0, 400 + index % 100, 25 + index % 10, 150 + index % 50, 120 + index % 80]


def expected_measurements(index: int) -> dict:
    """What ``registers_decode`` with the default map makes of ``registers_for(index)``."""
    regs = registers_for(index)
    return {
        "inlet_pressure": {"value": round(regs[2] * 0.01, 6), "unit": "bar"},
        "outlet_pressure": {"value": round(regs[3] * 1, 6), "unit": "mbar"},
        "temperature": {"value": round(regs[4] * 0.1, 6), "unit": "°C"},
        "flow": {"value": round(regs[5] * 1, 6), "unit": "m³/h"},
    }


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


async def _serve_modbus(count: int, base_port: int) -> None:
    from pymodbus.server import ModbusTcpServer
    from pymodbus.simulator import DataType, SimData, SimDevice

    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("pymodbus").setLevel(logging.ERROR)
    servers, ports = [], []
    port = base_port
    while len(servers) < count:
        if port >= 32768:  # stay below the ephemeral range our own clients take ports from
            raise SystemExit(f"ran out of free ports below 32768 after {len(servers)} servers")
        if _port_free(port):
            index = len(servers)
            device = SimDevice(
                1, simdata=[SimData(0, values=registers_for(index), datatype=DataType.REGISTERS)]
            )
            server = ModbusTcpServer([device], address=(LOOPBACK, port))
            try:
                await server.serve_forever(background=True)
            except OSError:
                port += 1
                continue
            servers.append(server)
            ports.append(port)
        port += 1
    print(json.dumps({"ports": ports, "pid": os.getpid()}), flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # until the parent closes our stdin
    for server in servers:
        await server.shutdown()


class ModbusServers:
    """``count`` pymodbus servers in a child process (see the module docstring)."""

    def __init__(self, count: int, base_port: int = 21000) -> None:
        self.count, self.base_port = count, base_port
        self.proc: subprocess.Popen | None = None
        self.ports: list[int] = []
        self.pid: int | None = None

    def __enter__(self) -> ModbusServers:
        self.proc = subprocess.Popen(
            [
                PYTHON,
                str(Path(__file__).resolve()),
                "modbus-servers",
                "--count",
                str(self.count),
                "--base-port",
                str(self.base_port),
            ],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait(timeout=10)
            raise BenchError(f"the Modbus server process exited with {self.proc.returncode}")
        info = json.loads(line)
        self.ports, self.pid = info["ports"], info["pid"]
        wait_for_port(self.ports[-1], alive=lambda: self.proc.poll() is None)
        return self

    def __exit__(self, *exc_info) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            log("Modbus server process did not stop; killing it")
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def cpu_seconds(self) -> float:
        """User+system CPU the server process used so far (from /proc)."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return float("nan")


# ----------------------------------------------------------------------------------------------
# A private Mosquitto

MOSQUITTO_CONF = """\
listener {port} 127.0.0.1
allow_anonymous true
persistence false
# Unlimited queues: the default (1000) drops QoS 1 messages to a subscriber that lags.
max_queued_messages 0
max_queued_bytes 0
max_inflight_messages {inflight}
log_dest stderr
log_type error
log_type warning
"""


def mosquitto_binary() -> str:
    for candidate in (shutil.which("mosquitto"), "/usr/sbin/mosquitto"):
        if candidate and Path(candidate).exists():
            return candidate
    raise BenchError("mosquitto is not installed (apt-get install mosquitto)")


def ensure_mosquitto_clients() -> str:
    found = shutil.which("mosquitto_pub")
    if found:
        return found
    log("mosquitto_pub not found: installing mosquitto-clients")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    apt = ["apt-get", "install", "-y", "-qq", "mosquitto-clients"]
    if subprocess.run(apt, capture_output=True, env=env).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], capture_output=True, env=env, check=True)
        subprocess.run(apt, capture_output=True, env=env, check=True)
    found = shutil.which("mosquitto_pub")
    if not found:
        raise BenchError("mosquitto_pub is missing and could not be installed (mosquitto-clients)")
    return found


class Mosquitto:
    """A Mosquitto of our own on a free loopback port (never the machine's broker on 1883)."""

    def __init__(self, inflight: int = 0) -> None:
        self.inflight = inflight
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="pronto-bench-mqtt-"))
        self.proc: subprocess.Popen | None = None
        self._log = None

    def __enter__(self) -> Mosquitto:
        conf = self.dir / "mosquitto.conf"
        conf.write_text(MOSQUITTO_CONF.format(port=self.port, inflight=self.inflight))
        self._log = open(self.dir / "mosquitto.log", "w")
        self.proc = subprocess.Popen(
            [mosquitto_binary(), "-c", str(conf)],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for_port(self.port, alive=lambda: self.proc.poll() is None)
        return self

    def __exit__(self, *exc_info) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self._log:
            self._log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join((self.dir / "mosquitto.log").read_text().splitlines()[-lines:])
        except OSError:
            return ""

    def cpu_seconds(self) -> float:
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return float("nan")


# ----------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Helper processes of the telecontrol benchmarks")
    sub = parser.add_subparsers(dest="command", required=True)
    servers = sub.add_parser("modbus-servers", help="serve Modbus plants until stdin closes")
    servers.add_argument("--count", type=int, required=True)
    servers.add_argument("--base-port", type=int, default=21000)
    args = parser.parse_args(argv)
    if args.command == "modbus-servers":
        asyncio.run(_serve_modbus(args.count, args.base_port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
