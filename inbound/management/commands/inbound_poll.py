"""Poll the inbound sources in a process of its own: ``manage.py inbound_poll --every 60``
(without ``--every``: once, then exit)."""

import time

from django.core.management.base import BaseCommand

from inbound import services


class Command(BaseCommand):
    help = "Take replies and faxes from the inbound mailboxes and HylaFAX's received queue."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=0.0, help="seconds between polls (0: poll once)")

    def handle(self, *args, every: float = 0.0, **options):
        while True:
            summary = services.inbound_poll()
            for source, counts in summary.items():
                figures = " ".join(f"{key}={value}" for key, value in counts.items())
                self.stdout.write(f"{source}: {figures}")
            if not summary:
                self.stdout.write("no inbound sources configured (PRONTO_INBOUND_SOURCES)")
            if every <= 0:
                return
            time.sleep(every)
