"""A real Celery worker process for the integration tests: ``celery -A config worker`` with the
project's settings, pointed by environment at the test database, a private Redis broker and
whatever gateways the test chose. It runs the same code a production worker runs; only the
environment differs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from tests.servers import process_group_end

ROOT = Path(__file__).resolve().parents[2]  # the checkout: tests/ would shadow the apps (tests/incidents)


def database_url_of(settings_dict: dict) -> str:
    """The URL (as ``DATABASE_URL`` reads it) of a Django connection's settings: the worker must
    use the very database the test writes, e.g. pytest-django's ``test_pronto``."""
    engine = settings_dict["ENGINE"]
    if not engine.endswith("postgresql"):
        raise RuntimeError(f"a worker process cannot share a {engine} test database")
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{settings_dict['NAME']}"


@dataclass
class CeleryWorker:
    broker_url: str
    database_url: str
    env: dict[str, str] = field(default_factory=dict)
    concurrency: int = 1
    pool: str = "prefork"
    extra_args: list[str] = field(default_factory=list)
    # The node name before "@%h": two workers of one test (e.g. one per queue) need two.
    name: str = field(default_factory=lambda: f"test-{os.getpid()}")
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="pronto-worker-")))
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def log_path(self) -> Path:
        return self.workdir / "worker.log"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 30.0) -> None:
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": self.database_url,
            "CELERY_BROKER_URL": self.broker_url,
            "PYTHONDONTWRITEBYTECODE": "1",
            **self.env,
        }
        command = [
            sys.executable, "-m", "celery", "-A", "config", "worker",
            "-P", self.pool, "-c", str(self.concurrency), "-n", f"{self.name}@%h",
            "--without-mingle", "--without-gossip", "--without-heartbeat",
            "-l", "INFO", "--logfile", str(self.log_path), *self.extra_args,
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=open(self.workdir / "stderr.log", "wb"),  # noqa: SIM115  (the child keeps it)
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while " ready." not in self.log():
            if not self.running:
                stderr = (self.workdir / "stderr.log").read_text(errors="replace")
                raise RuntimeError(f"celery worker exited ({self.process.returncode}):\n{stderr[-3000:]}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"celery worker not ready after {timeout} s:\n{self.log()[-3000:]}")
            time.sleep(0.05)

    def stop(self, timeout: float = 15.0) -> None:
        """Warm shutdown (running tasks finish), then the whole process group is killed."""
        if self.process is None:
            return
        process = self.process
        process_group_end(process, lambda: process.send_signal(signal.SIGTERM), timeout)
        self.process = None
