from datetime import time

from django.db import migrations

# What every centre starts with (issue 18); supervisors change them, add their own calendars
# (a province's patron saint, a contractor's closures) and targets per class.
CALENDARS = [
    # code, name, kind, weekly windows (weekday 0 = Monday, from, to)
    ("always", "Around the clock (24/7)", "always", []),
    (
        "office",
        "Office hours Mon-Fri 08:30-17:30, Italian public holidays",
        "working_hours",
        [(weekday, time(8, 30), time(17, 30)) for weekday in range(5)],
    ),
]

# code, name, default priority (1 critical ... 4 low), verification days
CASE_TYPES = [
    ("emergency", "Emergency", 1, 0),
    ("incident", "Incident", 2, 3),
    ("information", "Information request", 4, 0),
    ("service", "Service request", 3, 0),
    ("order", "Order", 3, 0),
    ("meter", "Meter replacement", 3, 0),
]

# case type, metric, amount, unit, calendar. Emergencies against the regulator's clock (arrival
# within 60 minutes of the call, around the clock); the others in office hours, resolution in
# working days around one operations team's yearly averages (incidents 9.3, information 7.1,
# service requests 9.3, orders 12).
TARGETS = [
    ("emergency", "response", 15, "minutes", "always"),
    ("emergency", "arrival", 60, "minutes", "always"),
    ("incident", "response", 240, "minutes", "office"),
    ("incident", "resolution", 10, "working_days", "office"),
    ("information", "response", 480, "minutes", "office"),
    ("information", "resolution", 8, "working_days", "office"),
    ("service", "response", 480, "minutes", "office"),
    ("service", "resolution", 10, "working_days", "office"),
    ("order", "resolution", 12, "working_days", "office"),
    ("meter", "resolution", 10, "working_days", "office"),
]


def shipped_create(apps, schema_editor):
    Calendar = apps.get_model("clocks", "Calendar")
    CaseType = apps.get_model("clocks", "CaseType")
    Target = apps.get_model("clocks", "Target")
    calendars = {}
    for code, name, kind, windows in CALENDARS:
        calendar, created = Calendar.objects.get_or_create(code=code, defaults={"name": name, "kind": kind})
        calendars[code] = calendar
        if created:
            for weekday, start, end in windows:
                calendar.windows.create(weekday=weekday, start=start, end=end)
    types = {}
    for code, name, priority, verification in CASE_TYPES:
        types[code], _created = CaseType.objects.get_or_create(
            code=code,
            defaults={"name": name, "default_priority": priority, "verification_days": verification},
        )
    for case_type, metric, amount, unit, calendar in TARGETS:
        Target.objects.get_or_create(
            case_type=types[case_type],
            metric=metric,
            priority=None,
            caller_class=None,
            defaults={"amount": amount, "unit": unit, "calendar": calendars[calendar]},
        )


class Migration(migrations.Migration):
    dependencies = [("clocks", "0001_initial")]

    operations = [migrations.RunPython(shipped_create, migrations.RunPython.noop)]
