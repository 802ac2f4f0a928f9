import logging

from django.conf import settings
from django.core.management.base import BaseCommand

from ops.metrics import serve as metrics_serve
from telecontrol.listener import TelemetryListener

from ._service_loop import stop_on_signals

logger = logging.getLogger("telecontrol.listener")


class Command(BaseCommand):
    help = (
        "Subscribe to plant telemetry and alarms over MQTT (persistent session, QoS 1) and keep "
        "each plant's latest state; reconnects by itself. Runs until SIGINT/SIGTERM."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default=None, help="broker host (default PRONTO_MQTT_HOST)")
        parser.add_argument("--port", type=int, default=None, help="broker port (default PRONTO_MQTT_PORT)")
        parser.add_argument("--client-id", default=None, help="MQTT client id of the persistent session")
        parser.add_argument(
            "--metrics-port", type=int, default=None, help="default PRONTO_LISTENER_METRICS_PORT"
        )

    def handle(self, *args, host=None, port=None, client_id=None, metrics_port=None, **options):
        stop = stop_on_signals()
        if metrics_port := metrics_port or settings.PRONTO_LISTENER_METRICS_PORT:
            metrics_serve(metrics_port, settings.PRONTO_METRICS_ADDR)
            self.stdout.write(f"Metrics on {settings.PRONTO_METRICS_ADDR}:{metrics_port}/metrics")
        listener = TelemetryListener(host=host, port=port, client_id=client_id)
        self.stdout.write(
            f"Listening on {listener.subscriber.host}:{listener.subscriber.port} "
            f"for {', '.join(listener.subscriber.topics)} (prefix {settings.PRONTO_MQTT_TOPIC_PREFIX!r})"
        )
        listener.run(stop)
        self.stdout.write(
            f"Stopped: {listener.received} received, {listener.applied} applied, {listener.rejected} rejected"
        )
