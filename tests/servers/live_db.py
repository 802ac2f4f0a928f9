"""The live server answers one request at a time when the test database is SQLite in memory.

Django hands that one connection to the test's thread and to every request thread of the live
server (LiveServerThread's ``connections_override``). Two threads using it at once can roll back
each other's writes: in CI a Kannel delivery report reached the live server while the request
that had sent the SMS was still writing the gateway's answer, and the answer was lost. On
PostgreSQL each thread has its own connection, so nothing is serialised there.

A test that reads the database while the live server may be writing holds ``SHARED_CONNECTION``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread

SHARED_CONNECTION = threading.RLock()
# A request that itself waited on the live server would deadlock; past this it goes ahead unlocked.
LOCK_WAIT_SECONDS = 30.0


class OneRequestAtATimeServer(ThreadedWSGIServer):
    def set_app(self, application: Callable[..., Iterable[bytes]]) -> None:
        if not self.connections_override:
            super().set_app(application)
            return

        def serialised(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            acquired = SHARED_CONNECTION.acquire(timeout=LOCK_WAIT_SECONDS)
            try:
                return application(environ, start_response)
            finally:
                if acquired:
                    SHARED_CONNECTION.release()

        super().set_app(serialised)


def install() -> None:
    LiveServerThread.server_class = OneRequestAtATimeServer
