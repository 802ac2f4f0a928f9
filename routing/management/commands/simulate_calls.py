"""``manage.py simulate_calls``: the demo's phone system, driving the route endpoint and the
webhook as Kamailio would (``routing.simulation``). The simulated plants' companion."""

import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from routing.models import CallerClassRule, Line
from routing.simulation import PhoneSystemSimulator, SimulationSettings

# Ordinary callers: Milan and Bologna landlines and mobiles (valid Italian numbers).
DEFAULT_NUMBERS = [f"+39021234{n:04d}" for n in range(5600, 5640)] + [f"+39347123{n:04d}" for n in range(10)]


class Command(BaseCommand):
    help = "Simulate callers, the switch's queue and the operators' phones against the route endpoint."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="Pronto's base URL")
        parser.add_argument("--rate", type=float, default=6.0, help="calls per minute (Poisson)")
        parser.add_argument("--talk", type=float, default=90.0, help="mean talk time in seconds")
        parser.add_argument("--patience", type=float, default=120.0, help="mean patience in queue (s)")
        parser.add_argument("--duration", type=float, default=0.0, help="seconds to run (0: until stopped)")
        parser.add_argument("--seed", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        secret = settings.PRONTO_TELEPHONY_SECRET
        if not secret:
            raise CommandError(
                "PRONTO_TELEPHONY_SECRET is not set: the route endpoint would refuse every call."
            )
        lines = list(Line.objects.values_list("number", flat=True)) or ["800100"]
        known = list(CallerClassRule.objects.exclude(number="").values_list("number", flat=True))
        simulator = PhoneSystemSimulator(
            SimulationSettings(
                base_url=options["url"],
                secret=secret,
                lines=lines,
                numbers=DEFAULT_NUMBERS + known,
                calls_per_minute=options["rate"],
                talk_mean_seconds=options["talk"],
                patience_mean_seconds=options["patience"],
                seed=options["seed"],
            )
        )
        stopping = {"now": False}

        def stop(*_args: object) -> None:
            stopping["now"] = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(
            f"Simulating calls on lines {', '.join(lines)} at {options['rate']:g}/min → {options['url']}"
        )
        counts = simulator.run(duration=options["duration"], stop=lambda: stopping["now"])
        self.stdout.write(
            f"calls {counts.calls}, offered {counts.offered}, answered {counts.answered}, "
            f"queued {counts.queued}, abandoned {counts.abandoned}, callbacks {counts.callbacks}, "
            f"forwarded {counts.forwarded}, rejected {counts.rejected}, errors {counts.errors}"
        )
