"""Run the notification sweeper: once, or every N seconds. The other periodic jobs (callback
reminders, monthly reports) run with the rest of the beat schedule: ``manage.py run_periodic``."""

import time

from django.core.management.base import BaseCommand

from notifications.services import notifications_sweep


class Command(BaseCommand):
    help = "Re-send lost notifications, recover interrupted ones, poll deliveries, escalate."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=0, help="repeat every SECONDS (0: once)")

    def handle(self, *args, every: float = 0, **options):
        while True:
            self.stdout.write(f"Swept: {notifications_sweep()}")
            if not every:
                return
            time.sleep(every)
