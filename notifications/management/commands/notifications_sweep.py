"""Run the notification sweeper and the callback reminders: once, or every N seconds (for a
machine without Celery beat, such as the embedded demo)."""

import time

from django.core.management.base import BaseCommand

from dispatch.services import callbacks_remind
from notifications.services import notifications_sweep


class Command(BaseCommand):
    help = "Re-send lost notifications, recover interrupted ones, escalate, remind due callbacks."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=0, help="repeat every SECONDS (0: once)")

    def handle(self, *args, every: float = 0, **options):
        while True:
            swept = notifications_sweep()
            reminded = callbacks_remind()
            self.stdout.write(f"Swept: {swept}; callbacks reminded: {reminded}")
            if not every:
                return
            time.sleep(every)
