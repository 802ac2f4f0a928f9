"""Pronto's Prometheus metrics: the objects every app counts into, and how a process exposes them.

A leaf module: it imports nothing from Pronto's apps (a contract in ``[tool.importlinter]`` says
so), so any app may import it without depending on ``ops``. Labels are few and bounded on
purpose (a channel, a reason, a source, a customer's code): never a plant, a caller, a number
or a line, which would make a series per row.

Multiprocess mode: gunicorn's workers and Celery's prefork children are separate processes, each
with its own counters. With ``PROMETHEUS_MULTIPROC_DIR`` set *before* ``prometheus_client`` is
imported (in the environment of the process), every process writes its values to files there
and ``registry()`` adds them up at scrape time; ``deploy/gunicorn.conf.py`` and
``config/celery.py`` mark a dead child's files (docs/operations.md).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)
from prometheus_client.registry import Collector

# Seconds: a webhook or a routing decision answers in milliseconds, a slow one in a second.
FAST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Seconds from an assignment to the gateway's acceptance: immediate, a retry, an outage.
DELIVERY_BUCKETS = (0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0, 3600.0)
SWEEP_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
REPORT_BUCKETS = (0.5, 1.0, 5.0, 15.0, 30.0, 60.0, 300.0, 900.0, 3600.0)

# -- calls and the phone system (web) ------------------------------------------------------------
CALLS_LOGGED = Counter(
    "pronto_calls_logged",
    "Calls logged, by source (manual, telephony) and customer code.",
    ["source", "customer"],
)
ROUTING_DECISION_SECONDS = Histogram(
    "pronto_routing_decision_seconds",
    "Time to answer the phone system's route request, by the decision's action.",
    ["action"],
    buckets=FAST_BUCKETS,
)
TELEPHONY_WEBHOOK_SECONDS = Histogram(
    "pronto_telephony_webhook_seconds",
    "Time to apply one call event of the phone system's webhook, by event.",
    ["event"],
    buckets=FAST_BUCKETS,
)

# -- telecontrol (the listener and the poller) ---------------------------------------------------
TELEMETRY_RECEIVED = Counter("pronto_telemetry_received", "MQTT telemetry and alarm messages received.")
TELEMETRY_APPLIED = Counter("pronto_telemetry_applied", "MQTT messages applied to a plant's state.")
TELEMETRY_REJECTED = Counter(
    "pronto_telemetry_rejected", "MQTT messages rejected, by reason (telecontrol.choices).", ["reason"]
)
POLL_SWEEP_SECONDS = Histogram(
    "pronto_poll_sweep_seconds", "Duration of one Modbus sweep (read and store).", buckets=SWEEP_BUCKETS
)
POLL_PLANTS_POLLED = Counter("pronto_poll_plants_polled", "Modbus plants read by the poller.")
POLL_PLANTS_FAILED = Counter("pronto_poll_plants_failed", "Modbus reads that did not answer OK.")
ALARMS_RAISED = Counter(
    "pronto_alarms_raised", "Plant alarms raised, by kind and source.", ["kind", "source"]
)

# -- notifications and reports (Celery) ----------------------------------------------------------
NOTIFICATION_ACCEPTED_SECONDS = Histogram(
    "pronto_notification_accepted_seconds",
    "Time from a notification's creation (the assignment) to its gateway's acceptance.",
    ["channel", "reason"],
    buckets=DELIVERY_BUCKETS,
)
REPORT_RUNS = Counter(
    "pronto_report_runs", "Service-level report runs finished, by kind and status.", ["kind", "status"]
)
REPORT_RUN_SECONDS = Histogram(
    "pronto_report_run_seconds",
    "Duration of a service-level report run, by kind.",
    ["kind"],
    buckets=REPORT_BUCKETS,
)


def telemetry_flushed(*, applied: int, rejected: Mapping[str, int]) -> None:
    """Count a listener flush: what it applied and what it rejected, per reason."""
    if applied:
        TELEMETRY_APPLIED.inc(applied)
    for reason, count in rejected.items():
        TELEMETRY_REJECTED.labels(reason=str(reason)).inc(count)


def poll_sweep_observed(*, seconds: float, polled: int, failed: int) -> None:
    """Count a poller sweep: its duration, the plants read and those that did not answer OK."""
    POLL_SWEEP_SECONDS.observe(seconds)
    POLL_PLANTS_POLLED.inc(polled)
    if failed:
        POLL_PLANTS_FAILED.inc(failed)


# -- exposition ----------------------------------------------------------------------------------
def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def registry() -> CollectorRegistry:
    """This process's metrics, or (multiprocess mode) every process's that writes to the same
    directory, added up."""
    if not multiprocess_dir():
        return REGISTRY
    aggregated = CollectorRegistry()
    multiprocess.MultiProcessCollector(aggregated)
    return aggregated


def exposition(extra: Iterable[Collector] = ()) -> tuple[bytes, str]:
    """The text a scrape reads and its content type: ``registry()`` then the ``extra``
    collectors (computed now, e.g. from the database)."""
    text = generate_latest(registry())
    if extra:
        scraped = CollectorRegistry(auto_describe=False)
        for collector in extra:
            scraped.register(collector)
        text += generate_latest(scraped)
    return text, CONTENT_TYPE_LATEST


def serve(port: int, addr: str = "127.0.0.1") -> Any:
    """Serve this process's ``/metrics`` on its own port (the listener, the poller, a Celery
    worker): a thread of prometheus_client's own HTTP server. Returns (server, thread)."""
    return start_http_server(port, addr=addr, registry=registry())


def process_dead(pid: int) -> None:
    """Multiprocess mode: a child exited (gunicorn's ``child_exit``, Celery's
    ``worker_process_shutdown``); its live gauges' files go, its counters stay summed."""
    if multiprocess_dir():
        multiprocess.mark_process_dead(pid)
