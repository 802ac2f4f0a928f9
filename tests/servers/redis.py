"""A private Redis on loopback, the Celery broker of the worker tests (and of the dispatch
benchmark). Never the machine's own Redis on 6379: a fresh ``redis-server`` on a free port, with
no persistence, in a temporary directory. ``stop()`` / ``start()`` keep the port, for broker
outage tests.

Binary: ``$PRONTO_TEST_REDIS_SERVER`` (scripts/ensure_redis.sh prints it), else PATH,
/usr/bin, /usr/sbin. ``create_or_skip`` skips when it is missing or will not start; tests using
it are marked ``real_component``, so CI fails instead.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.servers import LOOPBACK, free_port, started_or_skip, wait_for_port


def redis_server_binary() -> str | None:
    configured = os.environ.get("PRONTO_TEST_REDIS_SERVER")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    found = shutil.which("redis-server")
    if found:
        return found
    for candidate in ("/usr/bin/redis-server", "/usr/sbin/redis-server"):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


@dataclass
class RedisServer:
    binary: str
    workdir: Path
    host: str = LOOPBACK
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = field(default=None, repr=False)

    @classmethod
    def create(cls) -> RedisServer:
        binary = redis_server_binary()
        if binary is None:
            raise RuntimeError("redis-server not installed: run scripts/ensure_redis.sh")
        return cls(binary=binary, workdir=Path(tempfile.mkdtemp(prefix="pronto-redis-")))

    @classmethod
    def create_or_skip(cls) -> RedisServer:
        return started_or_skip(
            "Redis", cls.create, new_ports=lambda server: setattr(server, "port", free_port())
        )

    def url(self, db: int = 0) -> str:
        return f"redis://{self.host}:{self.port}/{db}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "redis.log"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 10.0) -> None:
        if self.running:
            return
        command = [
            self.binary,
            "--bind", self.host, "--port", str(self.port), "--dir", str(self.workdir),
            "--save", "", "--appendonly", "no", "--protected-mode", "yes",
            "--logfile", str(self.log_path), "--daemonize", "no",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            wait_for_port(self.host, self.port, timeout, alive=lambda: self.running)
            self._wait_ping(timeout)
        except (RuntimeError, TimeoutError) as exc:
            self.stop()
            raise RuntimeError(f"redis-server on port {self.port}: {exc}\n{self.log()[-2000:]}") from exc

    def _wait_ping(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(64).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("no PONG")
            time.sleep(0.02)

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)
