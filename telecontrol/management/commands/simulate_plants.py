"""``manage.py simulate_plants``: the demo's plants, simulated on their telecontrol addresses.

Reads ``PlantTelecontrol`` rows once at start and never writes: the simulated plants are the far
end of the wire, and the telemetry listener and the poller see them as they would real ones.
"""

import signal
import threading
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from telecontrol.backends.simulated import (
    ALARM_MESSAGES,
    DEFAULT_FLAP_SECONDS,
    DEFAULT_INTERVAL_SECONDS,
    STATUS_BY_SCENARIO,
    ModbusPlantsThread,
    Scenario,
    SimulatedMqttPublisher,
    scenario_validate,
)
from telecontrol.choices import Protocol
from telecontrol.models import PlantTelecontrol

# The demo plants (seed_demo) between them show every outcome a telecontrol check can have.
DEMO_SCENARIOS = {
    "REMI-MI-001": Scenario.NORMAL,  # Modbus
    "SOLL-BO-102": Scenario.OUT_OF_SERVICE,  # Modbus
    "GRF-MI-002": Scenario.ANOMALY,  # MQTT
    "ASC-BO-101": Scenario.FLAPPING,  # MQTT
    "EDI-BO-103": Scenario.UNREACHABLE,  # Modbus
}


def scenario_describe(scenario: Scenario, flap_seconds: float) -> str:
    if scenario == Scenario.FLAPPING:
        return f"flapping: normal and anomaly (alarm 17) alternating every {flap_seconds:g} s"
    if scenario == Scenario.UNREACHABLE:
        return "unreachable"
    status = STATUS_BY_SCENARIO[scenario]
    alarm = (
        f"alarm {status.alarm_code} ({ALARM_MESSAGES[status.alarm_code]})"
        if status.alarm_code
        else "no alarm"
    )
    return f"{scenario}: status {status.status_word:#05b}, {alarm}"


class Command(BaseCommand):
    help = (
        "Simulate the telecontrolled plants in the database: a Modbus TCP server for each Modbus "
        "plant on its host, port and unit id, and MQTT telemetry and alarms for each MQTT plant. "
        "The demo plants get scenarios that show every outcome (see --scenario). Runs until "
        "Ctrl-C, SIGTERM or --duration."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scenario",
            action="append",
            default=[],
            metavar="CODE=SCENARIO",
            help=f"scenario of one plant, by plant code; repeatable. Scenarios: {', '.join(Scenario.values)}."
            " Plants not named get their demo scenario, or normal.",
        )
        parser.add_argument("--mqtt-host", default=None, help="broker host (default PRONTO_MQTT_HOST)")
        parser.add_argument(
            "--mqtt-port", type=int, default=None, help="broker port (default PRONTO_MQTT_PORT)"
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=DEFAULT_INTERVAL_SECONDS,
            help="seconds between MQTT telemetry messages (default %(default)s)",
        )
        parser.add_argument(
            "--flap-seconds",
            type=float,
            default=DEFAULT_FLAP_SECONDS,
            help="seconds between flips of a flapping plant (default %(default)s)",
        )
        parser.add_argument("--duration", type=float, default=None, help="stop after this many seconds")

    def handle(self, *args, **options):
        interval, flap_seconds, duration = options["interval"], options["flap_seconds"], options["duration"]
        if interval <= 0 or flap_seconds <= 0 or (duration is not None and duration < 0):
            raise CommandError("--interval and --flap-seconds must be positive, --duration not negative")
        rows = list(
            PlantTelecontrol.objects.select_related("plant")
            .exclude(protocol=Protocol.NONE)
            .order_by("plant__code")
        )
        overrides = self._overrides(options["scenario"], {row.plant.code for row in rows})
        if not rows:
            self.stdout.write("No plant has telecontrol: nothing to simulate (try `manage.py seed_demo`).")
            return

        mqtt_host = options["mqtt_host"] or getattr(settings, "PRONTO_MQTT_HOST", "127.0.0.1")
        mqtt_port = options["mqtt_port"] or getattr(settings, "PRONTO_MQTT_PORT", 1883)
        prefix = getattr(settings, "PRONTO_MQTT_TOPIC_PREFIX", "plants").strip("/")
        modbus = ModbusPlantsThread("simulate-plants-modbus")
        publisher = None
        lines = []
        try:
            for row in rows:
                code = row.plant.code
                scenario = overrides.get(code, DEMO_SCENARIOS.get(code, Scenario.NORMAL))
                what = scenario_describe(scenario, flap_seconds)
                if row.protocol == Protocol.MODBUS:
                    if not row.host or not row.port:
                        lines.append(f"{code:<12} modbus  skipped: no host and port configured")
                        continue
                    modbus.add(code, row.host, row.port, row.unit_id, scenario, flap_seconds)
                    if scenario == Scenario.UNREACHABLE:
                        what += " (nothing listens: connection refused; on a shared port, exception 0x0B)"
                    lines.append(f"{code:<12} modbus  {row.host}:{row.port} unit {row.unit_id:<3} {what}")
                elif row.protocol == Protocol.MQTT:
                    if publisher is None:
                        publisher = SimulatedMqttPublisher(
                            mqtt_host,
                            mqtt_port,
                            prefix=prefix,
                            interval=interval,
                            username=getattr(settings, "PRONTO_MQTT_USERNAME", ""),
                            password=getattr(settings, "PRONTO_MQTT_PASSWORD", ""),
                        )
                    mqtt_code = row.mqtt_code or code
                    publisher.add(mqtt_code, scenario, flap_seconds)
                    if scenario == Scenario.UNREACHABLE:
                        what += " (publishes nothing)"
                    lines.append(
                        f"{code:<12} mqtt    {publisher.topic(mqtt_code, 'telemetry')} every {interval:g} s, "
                        f"alarms on {publisher.topic(mqtt_code, 'alarm')}; {what}"
                    )
        except ValueError as exc:  # two plants on one address and unit id
            raise CommandError(str(exc)) from exc

        try:
            modbus.start()
        except OSError as exc:
            raise CommandError(f"cannot start the simulated Modbus plants: {exc}") from exc
        try:
            for line in lines:
                self.stdout.write(line)
            if publisher is not None:
                publisher.start()
                if publisher.wait_connected(3):
                    self.stdout.write(f"MQTT: publishing to {mqtt_host}:{mqtt_port}")
                else:
                    self.stderr.write(
                        f"MQTT: broker {mqtt_host}:{mqtt_port} does not answer yet; will keep retrying"
                    )
            self._wait(duration)
        finally:
            modbus.stop()
            if publisher is not None:
                publisher.stop()
        if publisher is not None:
            self.stdout.write(
                f"Stopped. MQTT: {publisher.published['telemetry']} telemetry and "
                f"{publisher.published['alarm']} alarm messages published."
            )
        else:
            self.stdout.write("Stopped.")

    def _overrides(self, specs: list[str], codes: set[str]) -> dict[str, Scenario]:
        overrides = {}
        for spec in specs:
            code, sep, value = spec.partition("=")
            if not sep or not code:
                raise CommandError(f"--scenario takes CODE=SCENARIO, not {spec!r}")
            if code not in codes:
                known = ", ".join(sorted(codes)) or "none"
                raise CommandError(f"--scenario: no telecontrolled plant {code!r} (known: {known})")
            try:
                overrides[code] = scenario_validate(value)
            except ValueError as exc:
                raise CommandError(f"--scenario {spec}: {exc}") from exc
        return overrides

    def _wait(self, duration: float | None) -> None:
        """Until --duration passes or SIGINT/SIGTERM arrives. Signal handlers can only be set on
        the main thread (not so under call_command in a worker), and are put back afterwards."""
        stop = threading.Event()
        previous = {}
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                previous[signum] = signal.signal(signum, lambda *_: stop.set())
        try:
            deadline = None if duration is None else time.monotonic() + duration
            while not stop.is_set():
                remaining = 0.5 if deadline is None else min(0.5, deadline - time.monotonic())
                if remaining <= 0:
                    break
                stop.wait(remaining)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
