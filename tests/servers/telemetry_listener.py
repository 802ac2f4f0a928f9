"""Real ``manage.py telemetry_listen`` processes for the integration tests, and a database they
share with the test.

On PostgreSQL the processes use pytest-django's test database itself. On SQLite the test
database lives in this process's memory, which no other process can open: ``shared_database``
copies it to a file (SQLite's online backup), the processes work on the file, and the file is
copied back over the in-memory database when they are done, so the test reads their writes
through the ORM as usual. Tests using it need ``django_db(transaction=True)``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection

from .celery_worker import ROOT, database_url_of


class SharedDatabase:
    """``url``: the ``DATABASE_URL`` for the other processes. ``refresh()`` makes their latest
    commits visible to the test's ORM (on SQLite by copying the file back over memory)."""

    def __init__(self, url: str, path: Path | None = None) -> None:
        self.url, self.path = url, path

    def refresh(self) -> None:
        if self.path is None:
            return
        source = sqlite3.connect(self.path, timeout=20)
        try:
            source.backup(connection.connection)
        finally:
            source.close()


@contextlib.contextmanager
def shared_database() -> Iterator[SharedDatabase]:
    """The test's database, reachable from other processes (see above)."""
    if connection.vendor == "postgresql":
        yield SharedDatabase(database_url_of(connection.settings_dict))
        return
    if connection.vendor != "sqlite":
        raise RuntimeError(f"no shared test database on {connection.vendor}")
    path = Path(tempfile.mkdtemp(prefix="pronto-shared-db-")) / "shared.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    database = SharedDatabase(f"sqlite:///{path}", path)
    try:
        yield database
    finally:
        database.refresh()


@dataclass
class ListenerProcess:
    """``manage.py telemetry_listen`` in a process of its own, with the project's settings and
    the environment a test gives it (``DATABASE_URL``, ``PRONTO_*``)."""

    args: list[str]
    env: dict[str, str] = field(default_factory=dict)
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="pronto-listener-")))
    process: subprocess.Popen | None = field(default=None, repr=False)
    starts: int = 0

    @property
    def log_path(self) -> Path:
        return self.workdir / f"listener-{self.starts}.log"

    def log(self) -> str:
        return "\n".join(
            (self.workdir / f"listener-{n}.log").read_text(errors="replace")
            for n in range(1, self.starts + 1)
            if (self.workdir / f"listener-{n}.log").exists()
        )

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        self.starts += 1
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONUNBUFFERED": "1",
            **self.env,
        }
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "telemetry_listen", *self.args],
                cwd=ROOT,
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        """SIGKILL: no flush, no acknowledgement, no DISCONNECT (a crash, or the OOM killer)."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            self.process.wait(10)
            self.process = None

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM (the listener flushes and disconnects), SIGKILL if it hangs."""
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None


def wait_until(condition, timeout: float, describe) -> None:
    """Poll ``condition()`` until true; fail with ``describe()`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(describe())
        time.sleep(0.1)
