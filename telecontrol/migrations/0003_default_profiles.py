"""One telecontrol profile per plant kind, with the default register map.

A lift's alarm device places a test call at least every 3 days (EN 81-28), so a lift is
silent for up to 3 days before its communication counts as lost."""

from django.db import migrations

from telecontrol.register_maps import default_register_map

# kind: (poll every, data stale after, expected sign of life every, failed polls for comms loss)
PROFILES = {
    "gas_cabin": (60, 300, 900, 3),
    "gas_network": (60, 300, 900, 3),
    "lift": (300, 900, 3 * 24 * 3600, 3),
    "building": (120, 600, 3600, 3),
    "water": (60, 300, 900, 3),
    "pumping_station": (60, 300, 900, 3),
    "other": (60, 300, 900, 3),
}


def create(apps, schema_editor):
    TelecontrolProfile = apps.get_model("telecontrol", "TelecontrolProfile")
    for kind, (poll, stale, expected, failures) in PROFILES.items():
        TelecontrolProfile.objects.get_or_create(
            plant_kind=kind,
            defaults={
                "register_map": default_register_map(),
                "poll_interval_seconds": poll,
                "stale_after_seconds": stale,
                "expected_interval_seconds": expected,
                "failed_polls_for_comms_loss": failures,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("telecontrol", "0002_state_checks_alarms_profiles")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
