"""Run the notification sweeper and the callback reminders, and once an hour the monthly
service-level reports: once, or every N seconds (for a machine without Celery beat, such as the
embedded demo)."""

import time

from django.core.management.base import BaseCommand

from dispatch.services import callbacks_remind, service_levels_monthly_send
from notifications.services import notifications_sweep


class Command(BaseCommand):
    help = (
        "Re-send lost notifications, recover interrupted ones, escalate, remind due callbacks; "
        "send last month's service-level reports not sent yet."
    )
    REPORTS_EVERY_SECONDS = 3600

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=0, help="repeat every SECONDS (0: once)")

    def handle(self, *args, every: float = 0, **options):
        reports_at = None
        while True:
            swept = notifications_sweep()
            reminded = callbacks_remind()
            self.stdout.write(f"Swept: {swept}; callbacks reminded: {reminded}")
            if reports_at is None or time.monotonic() - reports_at >= self.REPORTS_EVERY_SECONDS:
                reports_at = time.monotonic()
                self.stdout.write(f"Monthly reports queued: {service_levels_monthly_send()}")
            if not every:
                return
            time.sleep(every)
