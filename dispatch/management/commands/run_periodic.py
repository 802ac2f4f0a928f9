"""Run the periodic jobs of ``CELERY_BEAT_SCHEDULE`` in this process, each at its own interval:
for a machine without Celery beat, such as the embedded demo. The schedule in the settings is
the one list of periodic work; this command reads it, so a job added there runs here too."""

import time

from celery import current_app
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Run the periodic jobs of CELERY_BEAT_SCHEDULE: once each, or every SECONDS at their intervals."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=0, help="look again every SECONDS (0: once)")
        parser.add_argument("--only", action="append", default=[], help="run only this schedule entry")

    def handle(self, *args, every: float = 0, only: list[str], **options):
        schedule = settings.CELERY_BEAT_SCHEDULE
        unknown = set(only) - set(schedule)
        if unknown:
            raise CommandError(f"Not in CELERY_BEAT_SCHEDULE: {', '.join(sorted(unknown))}")
        entries = {name: entry for name, entry in schedule.items() if not only or name in only}
        intervals: dict[str, float] = {}
        for name, entry in entries.items():
            interval = entry["schedule"]
            if not isinstance(interval, int | float):
                # A crontab entry needs Celery beat itself; this loop knows only intervals.
                raise CommandError(f"{name}: only schedules in seconds can run here, not {interval!r}")
            intervals[name] = interval
        # Importing every app's tasks module registers the tasks the schedule names.
        current_app.loader.import_default_modules()
        last_run: dict[str, float] = {}
        while True:
            for name, entry in entries.items():
                if name in last_run and time.monotonic() - last_run[name] < intervals[name]:
                    continue
                last_run[name] = time.monotonic()
                result = current_app.tasks[entry["task"]].apply(args=entry.get("args", ()))
                if result.failed():
                    self.stderr.write(f"{name}: failed: {result.result!r}")
                else:
                    self.stdout.write(f"{name}: {result.result}")
            if not every:
                return
            time.sleep(every)
