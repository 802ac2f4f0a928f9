from datetime import time

from django.db import migrations

# What every centre starts with (issue 18); supervisors add their own. Day 0 of a weekly cycle
# is Monday; the 2/2 cycles are work, work, off, off, each operator's shifted (services).
PATTERNS = [
    # code, name, kind, cycle days, [(day of the cycle, start, length minutes, break minutes)]
    ("9h-5-2", "9h × 5/2", "five_two", 7, [(day, time(8), 9 * 60, 60) for day in range(5)]),
    ("12h-2-2-day", "12h × 2/2 day", "two_two", 4, [(0, time(7), 12 * 60, 20), (1, time(7), 12 * 60, 20)]),
    # Spans midnight: 19:00 to 07:00 on the next day's wall clock.
    ("12h-2-2-night", "12h × 2/2 night", "two_two", 4, [(0, time(19), 12 * 60, 20), (1, time(19), 12 * 60, 20)]),
]


def shipped_create(apps, schema_editor):
    ShiftPattern = apps.get_model("shifts", "ShiftPattern")
    PatternDay = apps.get_model("shifts", "PatternDay")
    for code, name, kind, cycle, blocks in PATTERNS:
        pattern, created = ShiftPattern.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "cycle_days": cycle}
        )
        if created:
            for index, start, length, breaks in blocks:
                PatternDay.objects.create(
                    pattern=pattern, index=index, start=start, length_minutes=length, break_minutes=breaks
                )


def shipped_remove(apps, schema_editor):
    apps.get_model("shifts", "ShiftPattern").objects.filter(code__in=[p[0] for p in PATTERNS]).delete()


class Migration(migrations.Migration):
    dependencies = [("shifts", "0001_initial")]

    operations = [migrations.RunPython(shipped_create, shipped_remove)]
