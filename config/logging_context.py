"""A request id on every log line, carried from the web request into the Celery tasks it enqueues.

- ``RequestIdMiddleware`` (first in ``MIDDLEWARE``) takes the ``X-Request-ID`` the load balancer
  or the client sent when it is a short token of safe characters, else makes a uuid4; it holds
  it in a contextvar for the request and answers it in the response's ``X-Request-ID``. It also
  writes one access line per request (logger ``pronto.request``): method, the URL *pattern*
  matched, status, milliseconds. Never the path or the query string: they can hold a caller's
  number.
- ``RequestContextFilter`` (on every handler of ``config/logging_settings.py``) adds
  ``request_id`` and ``task_id`` to each record, so any logger anywhere gets them.
- The Celery signal handlers (connected in ``config/celery.py``): ``before_task_publish`` puts
  the current request id in the message's headers; ``task_prerun`` restores it (and the task's
  own id) in the worker and ``task_postrun`` puts back what was there before, so a task enqueued
  by a task inherits the request's id, and an eager task (the demo, the tests) runs inside its
  caller's context and leaves it as it found it. ``after_setup_logger`` gives the handlers Celery
  installs in a worker (stderr or ``--logfile``) the same formatter and filter as Django's.

The formatter is ``PRONTO_LOG_FORMAT``: ``json`` (one object per line, python-json-logger) in
production, ``text`` elsewhere.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

HEADER = "X-Request-ID"
# The Celery message header that carries the id from the publisher to the worker.
TASK_HEADER = "pronto_request_id"
# A load balancer's or a client's id is kept only when it is this kind of token: it is written
# into every log line, so nothing that could forge a line, spread over columns or hold data.
_SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")

request_id_var: ContextVar[str | None] = ContextVar("pronto_request_id", default=None)
task_id_var: ContextVar[str | None] = ContextVar("pronto_task_id", default=None)

access_logger = logging.getLogger("pronto.request")


def request_id_valid(value: object) -> str | None:
    """``value`` when it is an acceptable request id, else None."""
    if isinstance(value, str) and _SAFE_ID.fullmatch(value):
        return value
    return None


def request_id_new() -> str:
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """Sets the request id for the whole request (every middleware after it, the view, the
    on_commit callbacks that enqueue tasks) and answers it in ``X-Request-ID``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_valid(request.headers.get(HEADER)) or request_id_new()
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[HEADER] = request_id
            match = request.resolver_match
            access_logger.info(
                "%s %s %s",
                request.method,
                match.route if match is not None else "-",
                response.status_code,
                extra={
                    "method": request.method,
                    "route": match.route if match is not None else None,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return response
        finally:
            request_id_var.reset(token)


class RequestContextFilter(logging.Filter):
    """Adds ``request_id`` and ``task_id`` (None outside a request or a task) to every record;
    a record that already has them (logged with ``extra=``) keeps its own."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get()
        if getattr(record, "task_id", None) is None:
            record.task_id = task_id_var.get()
        return True


class JsonFormatter(_JsonFormatter):
    """One JSON object per line: time, level, logger, message, request_id, task_id, the process,
    and whatever ``extra=`` the call passed (``route``, ``status``...)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "fmt", "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(task_id)s %(process)d"
        )
        kwargs.setdefault("rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"})
        super().__init__(*args, **kwargs)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        # ISO 8601 in UTC: collectors sort lines from machines in other time zones (Django sets
        # the process's TZ to TIME_ZONE).
        return datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds")

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict) -> None:
        # A record that went through no RequestContextFilter still has both keys.
        for name in ("request_id", "task_id"):
            if not hasattr(record, name):
                setattr(record, name, None)
        super().add_fields(log_data, record, message_dict)


class TextFormatter(logging.Formatter):
    """The readable line of the demo and of development, with the request and task ids:
    ``2026-12-05 16:30:00,123 INFO dispatch.views [req=3f2a… task=-] message``."""

    def __init__(self, fmt: str | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(
            fmt or "%(asctime)s %(levelname)s %(name)s [%(context)s] %(message)s", *args, **kwargs
        )

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802  (logging's name)
        request_id = getattr(record, "request_id", None)
        task_id = getattr(record, "task_id", None)
        record.context = f"req={request_id or '-'}" + (f" task={task_id}" if task_id else "")
        return super().formatMessage(record)


def formatter_for(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else TextFormatter()


# Celery signal handlers (connected in config/celery.py).

# The values a task's prerun replaced, put back by its postrun (keyed by task id: an eager task
# may run another eagerly inside it).
_saved: dict[str, tuple[Any, Any]] = {}


def request_id_publish(headers: dict | None = None, **kwargs: Any) -> None:
    """before_task_publish: the current request id rides in the message's headers."""
    request_id = request_id_var.get()
    if request_id and headers is not None and TASK_HEADER not in headers:
        headers[TASK_HEADER] = request_id


def request_id_restore(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    """task_prerun: the request id the message carries (else the one already current: an eager
    task inherits its caller's) and the task's id become current."""
    request = getattr(task, "request", None)
    carried = request_id_valid(getattr(request, TASK_HEADER, None)) if request is not None else None
    if carried is None and request is not None and isinstance(getattr(request, "headers", None), dict):
        carried = request_id_valid(request.headers.get(TASK_HEADER))
    if task_id is None:
        return
    _saved[task_id] = (request_id_var.set(carried or request_id_var.get()), task_id_var.set(task_id))


def request_id_clear(task_id: str | None = None, **kwargs: Any) -> None:
    """task_postrun: the context as it was before the task."""
    tokens = _saved.pop(task_id, None) if task_id is not None else None
    if tokens is None:
        return
    request_token, task_token = tokens
    try:
        task_id_var.reset(task_token)
        request_id_var.reset(request_token)
    except ValueError:
        # A token made in another context (a pool that ran prerun and postrun on different
        # threads): clear instead of restoring.
        task_id_var.set(None)
        request_id_var.set(None)


def celery_handlers_format(logger: logging.Logger | None = None, **kwargs: Any) -> None:
    """after_setup_logger / after_setup_task_logger: Celery's own handlers in a worker (stderr,
    ``--logfile``) write in ``PRONTO_LOG_FORMAT`` with the request and task ids."""
    from django.conf import settings

    if logger is None:
        return
    formatter = formatter_for(settings.PRONTO_LOG_FORMAT)
    for handler in logger.handlers:
        handler.setFormatter(formatter)
        if not any(isinstance(f, RequestContextFilter) for f in handler.filters):
            handler.addFilter(RequestContextFilter())
