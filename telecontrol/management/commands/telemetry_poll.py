import os
import socket

from django.conf import settings
from django.core.management.base import BaseCommand

from ops.metrics import serve as metrics_serve
from telecontrol.poller import LEASE_INTERVALS, FleetPoller
from telecontrol.poller_leases import ShardLeases

from ._service_loop import stop_on_signals


class Command(BaseCommand):
    help = (
        "Poll the Modbus plants at their profile's interval with bounded concurrency, keeping the "
        "plants' state, alarms and communication loss current. Several may run: they divide the "
        "plants through leases in the database. Runs until SIGINT/SIGTERM."
    )

    def add_arguments(self, parser):
        parser.add_argument("--concurrency", type=int, default=None, help="default PRONTO_POLL_CONCURRENCY")
        parser.add_argument(
            "--once", action="store_true", help="poll every plant once and exit (no leases: all plants)"
        )
        parser.add_argument(
            "--poller-id",
            "--instance",
            dest="poller_id",
            default=None,
            help="this poller's name in the leases, unique among the pollers (default hostname-pid)",
        )
        parser.add_argument(
            "--metrics-port", type=int, default=None, help="default PRONTO_POLLER_METRICS_PORT"
        )

    def handle(self, *args, concurrency=None, once=False, poller_id=None, metrics_port=None, **options):
        if once:
            poller = FleetPoller(concurrency=concurrency)
            try:
                poller.load()
                report = poller.sweep(only_due=False)
            finally:
                poller.close()
            self.stdout.write(
                f"Polled {len(poller.plants)} plant(s): {len(report.raised)} alarm(s) raised, "
                f"{len(report.cleared)} cleared"
            )
            return
        leases = ShardLeases(
            poller_id=poller_id or f"{socket.gethostname()}-{os.getpid()}",
            shards=settings.PRONTO_POLL_SHARDS,
            # Until the plants are loaded; then derived from their shortest interval (FleetPoller.load).
            lease_seconds=settings.PRONTO_POLL_LEASE_SECONDS or LEASE_INTERVALS * 60.0,
        )
        poller = FleetPoller(concurrency=concurrency, leases=leases)
        stop = stop_on_signals()
        if metrics_port := metrics_port or settings.PRONTO_POLLER_METRICS_PORT:
            metrics_serve(metrics_port, settings.PRONTO_METRICS_ADDR)
            self.stdout.write(f"Metrics on {settings.PRONTO_METRICS_ADDR}:{metrics_port}/metrics")
        self.stdout.write(
            f"Poller {leases.poller_id}: polling its share of {leases.shards} shard(s), "
            f"{poller.concurrency} plant(s) at a time; stop with Ctrl-C"
        )
        self.stdout.flush()
        poller.run(stop)
