import logging

from django.conf import settings
from django.core.management.base import BaseCommand

from ops.metrics import serve as metrics_serve
from telecontrol.listener import TelemetryListener, listener_client_id

from ._service_loop import stop_on_signals

logger = logging.getLogger("telecontrol.listener")


class Command(BaseCommand):
    help = (
        "Subscribe to plant telemetry and alarms over MQTT (persistent session, QoS 1) and keep "
        "each plant's latest state; reconnects by itself. Runs until SIGINT/SIGTERM. Several can "
        "share the work with --share-group, each with its own --instance."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default=None, help="broker host (default PRONTO_MQTT_HOST)")
        parser.add_argument("--port", type=int, default=None, help="broker port (default PRONTO_MQTT_PORT)")
        parser.add_argument(
            "--share-group",
            default=None,
            help="MQTT 5 shared subscription group (default PRONTO_MQTT_SHARE_GROUP; '' for none)",
        )
        parser.add_argument(
            "--instance",
            default=None,
            help="this process's number in the group: client id PRONTO_MQTT_CLIENT_ID-<instance>, "
            "stable across restarts so the process takes back its session's messages",
        )
        parser.add_argument(
            "--client-id",
            default=None,
            help="MQTT client id of the persistent session (default: see --instance; with a share "
            "group and no instance, PRONTO_MQTT_CLIENT_ID-<host>-<pid>)",
        )
        parser.add_argument(
            "--metrics-port", type=int, default=None, help="default PRONTO_LISTENER_METRICS_PORT"
        )

    def handle(
        self,
        *args,
        host=None,
        port=None,
        client_id=None,
        share_group=None,
        instance=None,
        metrics_port=None,
        **options,
    ):
        stop = stop_on_signals()
        if metrics_port := metrics_port or settings.PRONTO_LISTENER_METRICS_PORT:
            metrics_serve(metrics_port, settings.PRONTO_METRICS_ADDR)
            self.stdout.write(f"Metrics on {settings.PRONTO_METRICS_ADDR}:{metrics_port}/metrics")
        stable = bool(client_id or instance)
        client_id = listener_client_id(client_id=client_id, instance=instance, share_group=share_group)
        listener = TelemetryListener(host=host, port=port, client_id=client_id, share_group=share_group)
        subscriber = listener.subscriber
        if subscriber.share_group and not stable:
            logger.warning(
                "No --instance: client id %s changes at every restart, and messages the broker "
                "queued for a previous process wait in its session until it expires",
                client_id,
            )
        self.stdout.write(
            f"Listening on {subscriber.host}:{subscriber.port} as {subscriber.client_id} "
            f"for {', '.join(subscriber.filters)} (prefix {settings.PRONTO_MQTT_TOPIC_PREFIX!r})"
        )
        listener.run(stop)
        self.stdout.write(
            f"Stopped: {listener.received} received, {listener.applied} applied, {listener.rejected} rejected"
        )
