from django.conf import settings
from django.core.management.base import BaseCommand

from ops.metrics import serve as metrics_serve
from telecontrol.poller import FleetPoller

from ._service_loop import stop_on_signals


class Command(BaseCommand):
    help = (
        "Poll every Modbus plant at its profile's interval with bounded concurrency, keeping the "
        "plants' state, alarms and communication loss current. Runs until SIGINT/SIGTERM."
    )

    def add_arguments(self, parser):
        parser.add_argument("--concurrency", type=int, default=None, help="default PRONTO_POLL_CONCURRENCY")
        parser.add_argument("--once", action="store_true", help="poll every plant once and exit")
        parser.add_argument(
            "--metrics-port", type=int, default=None, help="default PRONTO_POLLER_METRICS_PORT"
        )

    def handle(self, *args, concurrency=None, once=False, metrics_port=None, **options):
        poller = FleetPoller(concurrency=concurrency)
        if once:
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
        stop = stop_on_signals()
        if metrics_port := metrics_port or settings.PRONTO_POLLER_METRICS_PORT:
            metrics_serve(metrics_port, settings.PRONTO_METRICS_ADDR)
            self.stdout.write(f"Metrics on {settings.PRONTO_METRICS_ADDR}:{metrics_port}/metrics")
        self.stdout.write(f"Polling {poller.concurrency} at a time; stop with Ctrl-C")
        poller.run(stop)
