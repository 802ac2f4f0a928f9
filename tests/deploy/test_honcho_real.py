"""The Procfile run as on a single production machine: ``honcho start`` with a private Redis as
the broker, a migrated SQLite database and a private Mosquitto. Every process comes up (the web
answers HTTP with its request id, each queue's worker says ready, beat starts, the listener and
the poller run), none dies while they run together, and one SIGTERM to honcho stops them all:
the workers with a warm shutdown, the web after its requests, the port closed."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.servers import free_port
from tests.servers.redis import RedisServer

pytestmark = pytest.mark.real_component

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = ["web", "worker_notifications", "worker_reports", "worker_telemetry", "worker_default"]
PROCESSES += ["beat", "listen", "poll"]
# What each process prints once it is up.
UP = {
    "worker_notifications": "notifications@",
    "worker_reports": "reports@",
    "worker_telemetry": "telemetry@",
    "worker_default": "default@",
    "beat": "beat: Starting",
    "listen": "MQTT connected to",
    "poll": "Poller ",
}


@pytest.fixture
def redis_broker():
    server = RedisServer.create_or_skip()
    yield server
    server.close()


def lines_of(output: Path, process: str) -> list[str]:
    prefix = re.compile(rf"^\S+ {re.escape(process)}\.1\s+\| ")
    text = output.read_text(errors="replace") if output.exists() else ""
    return [prefix.sub("", line) for line in text.splitlines() if prefix.match(line)]


def web_answer(port: int) -> tuple[int, str] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5) as response:
            return response.status, response.headers.get("X-Request-ID", "")
    except OSError:
        return None


def test_honcho_starts_the_whole_procfile_and_stops_it_with_sigterm(redis_broker, mosquitto_broker, tmp_path):
    environment = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'pronto.sqlite3'}",
        "PRONTO_VAR_DIR": str(tmp_path),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    environment.pop("CELERY_BROKER_URL", None)
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        timeout=300,
    )
    assert migrate.returncode == 0, migrate.stderr.decode()[-3000:]

    web_port = free_port()
    environment.update(
        {
            "CELERY_BROKER_URL": redis_broker.url(),
            "PRONTO_MQTT_HOST": mosquitto_broker.host,
            "PRONTO_MQTT_PORT": str(mosquitto_broker.port),
            "PRONTO_MQTT_CLIENT_ID": f"honcho-test-{os.getpid()}",
            "PRONTO_WEB_BIND": f"127.0.0.1:{web_port}",
            "PRONTO_LOG_FORMAT": "json",
            # The least a 2-CPU test machine can run: one process each.
            "WEB_CONCURRENCY": "1",
            "PRONTO_WORKER_NOTIFICATIONS_CONCURRENCY": "1",
            "PRONTO_WORKER_TELEMETRY_CONCURRENCY": "1",
            "PRONTO_WORKER_DEFAULT_CONCURRENCY": "1",
        }
    )
    output = tmp_path / "honcho.log"
    honcho = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "honcho",
            "start",
            "-f",
            str(ROOT / "Procfile"),
            "-d",
            str(ROOT),
            "--no-colour",
        ],
        cwd=ROOT,
        env=environment,
        stdout=open(output, "wb"),  # noqa: SIM115  (the child keeps it)
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    started: dict[str, int] = {}
    try:
        deadline = time.monotonic() + 120
        answer = None
        while True:
            text = output.read_text(errors="replace")
            started = {m[0]: int(m[1]) for m in re.findall(r"(\w+)\.1 started \(pid=(\d+)\)", text)}
            up = {name for name, mark in UP.items() if any(mark in line for line in lines_of(output, name))}
            if answer is None:
                answer = web_answer(web_port)
            if answer is not None and up == set(UP):
                break
            assert honcho.poll() is None and " stopped (rc=" not in text, (
                f"a process stopped:\n{text[-4000:]}"
            )
            assert time.monotonic() < deadline, (
                f"not up within 120 s: {set(UP) - up}, web {answer}\n{text[-4000:]}"
            )
            time.sleep(0.5)

        assert set(started) == set(PROCESSES)
        status, request_id = answer
        assert status == 200 and len(request_id) == 32
        # Running together, none has died; the web's access line carries the id it answered.
        assert " stopped (rc=" not in output.read_text(errors="replace")
        # honcho copies each process's output into its own after a moment.
        logged = time.monotonic() + 15
        while not any(request_id in line for line in lines_of(output, "web")):
            assert time.monotonic() < logged, f"no access line with {request_id}"
            time.sleep(0.2)
        for pid in started.values():
            os.kill(pid, 0)

        honcho.send_signal(signal.SIGTERM)
        honcho.wait(60)
        text = output.read_text(errors="replace")
        for name in PROCESSES:
            assert f"{name}.1 stopped" in text, text[-4000:]
        for name in ("worker_notifications", "worker_reports", "worker_telemetry", "worker_default"):
            assert any("Warm shutdown" in line for line in lines_of(output, name)), name
        assert any("Shutting down: Master" in line for line in lines_of(output, "web"))
        assert any(line.startswith("Stopped: ") for line in lines_of(output, "listen"))
        assert web_answer(web_port) is None
        for pid in started.values():
            with pytest.raises(ProcessLookupError):
                os.kill(pid, 0)
    finally:
        for pid in [honcho.pid, *started.values()]:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            honcho.wait(10)
