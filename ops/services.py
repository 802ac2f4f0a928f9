"""Writes of the ops app: the long-lived processes' heartbeats. A leaf module: it imports no
other Pronto app, so the listener and the poller (telecontrol, lower in the layers) may call it
(the exception is named in ``[tool.importlinter]``)."""

from __future__ import annotations

import os
import socket
import threading
import time
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from .models import ProcessHeartbeat

_lock = threading.Lock()
# (kind, instance) -> monotonic time of the last write: a loop that flushes every second writes
# its heartbeat every PRONTO_HEARTBEAT_EVERY_SECONDS, not every second.
_written: dict[tuple[str, str], float] = {}


def process_instance() -> str:
    """This process's name in the heartbeats: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"[:128]


def process_heartbeat_record(
    *, kind: str, instance: str | None = None, now: datetime | None = None, force: bool = False
) -> bool:
    """Record that this process's loop went round: one upsert of (kind, instance, seen_at), at
    most once per ``PRONTO_HEARTBEAT_EVERY_SECONDS`` per process unless ``force``. Returns
    whether it wrote. Takes no lock in the database beyond the row's own upsert; a database
    error propagates to the caller's loop, which already carries on past it."""
    instance = (instance or process_instance())[:128]
    key = (kind, instance)
    mono = time.monotonic()
    with _lock:
        last = _written.get(key)
        if not force and last is not None and mono - last < settings.PRONTO_HEARTBEAT_EVERY_SECONDS:
            return False
        _written[key] = mono
    try:
        ProcessHeartbeat.objects.update_or_create(
            kind=kind, instance=instance, defaults={"seen_at": now or timezone.now()}
        )
    except Exception:
        with _lock:
            _written.pop(key, None)
        raise
    return True
