"""The shipped service-level profiles (defaults for every customer without its own):
gas emergency by the Italian regulator ARERA, water emergency, and lifts and buildings with
per-contract targets to be set by the supervisors."""

from decimal import Decimal

from django.db import migrations
from django.utils import timezone

SHIPPED = [
    {
        "service": "gas", "name": "Pronto intervento gas (ARERA)",
        "answer_target_seconds": 120, "answer_min_percent": Decimal("90"),
        "arrival_target_minutes": 60, "arrival_min_percent": Decimal("90"),
        "call_types": ["gas_leak", "supply_interruption", "irregular_supply", "damage_without_leak",
                       "leak_downstream"],
        "call_types_apart": ["meter_replacement"],
    },
    {
        "service": "water", "name": "Water emergency",
        "answer_target_seconds": None, "arrival_target_minutes": 180, "arrival_min_percent": Decimal("90"),
        "call_types": ["water_fault"], "call_types_apart": [],
    },
    {
        "service": "lift", "name": "Lifts (set the contract's targets)",
        "answer_target_seconds": None, "arrival_target_minutes": 60, "arrival_min_percent": Decimal("90"),
        "call_types": ["lift_trapped", "lift_fault"], "call_types_apart": [],
    },
    {
        "service": "building", "name": "Buildings (set the contract's targets)",
        "answer_target_seconds": None, "arrival_target_minutes": 240, "arrival_min_percent": Decimal("90"),
        "call_types": ["building_fault"], "call_types_apart": [],
    },
]  # fmt: skip


def ship(apps, schema_editor):
    Profile = apps.get_model("dispatch", "ServiceLevelProfile")
    Change = apps.get_model("dispatch", "ServiceLevelProfileChange")
    now = timezone.now()
    for values in SHIPPED:
        if Profile.objects.filter(customer__isnull=True, service=values["service"]).exists():
            continue
        profile = Profile.objects.create(customer=None, version=1, changed_at=now, **values)
        rules = {
            "profile": profile.pk, "version": 1, "name": profile.name, "service": profile.service,
            "customer": None, "answer_target_seconds": profile.answer_target_seconds,
            "answer_min_percent": str(profile.answer_min_percent),
            "arrival_target_minutes": profile.arrival_target_minutes,
            "arrival_min_percent": str(profile.arrival_min_percent),
            "call_types": profile.call_types, "call_types_apart": profile.call_types_apart,
        }  # fmt: skip
        Change.objects.create(profile=profile, version=1, rules=rules, changed_at=now)


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0011_service_levels")]

    operations = [migrations.RunPython(ship, migrations.RunPython.noop)]
