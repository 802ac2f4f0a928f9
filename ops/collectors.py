"""Metrics computed when ``/metrics`` is scraped on the web process, from the database: the
outbox's rows per channel and status, the oldest pending row's age, and each long-lived
process's heartbeat age. Three cheap aggregates per scrape (the outbox's through its partial
index), never per process: only the web's ``/metrics`` adds this collector."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from . import selectors


class DatabaseCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        now = timezone.now()
        rows = GaugeMetricFamily(
            "pronto_outbox_rows",
            "Outbox rows still on their way, by channel and status.",
            labels=["channel", "status"],
        )
        for (channel, status), count in sorted(selectors.outbox_rows().items()):
            rows.add_metric([channel, status], count)
        yield rows
        yield GaugeMetricFamily(
            "pronto_outbox_oldest_pending_seconds",
            "Age of the oldest outbox row not yet accepted by a gateway (0: none).",
            value=selectors.outbox_oldest_pending_age_seconds(now=now),
        )
        ages = GaugeMetricFamily(
            "pronto_process_heartbeat_age_seconds",
            "Seconds since the newest heartbeat of each kind of long-lived process.",
            labels=["kind"],
        )
        for kind, age in sorted(selectors.heartbeat_ages(now=now).items()):
            ages.add_metric([kind], age)
        yield ages
