"""Leave room in each page of the plant-state table: its rows are rewritten at every poll and
telemetry flush, and with free space on the page PostgreSQL updates them in place (HOT
updates, no index writes) instead of moving them."""

from django.db import migrations


def fillfactor_set(apps, schema_editor, value=50):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE telecontrol_plantstate SET (fillfactor = {int(value)})")


def fillfactor_reset(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE telecontrol_plantstate RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("telecontrol", "0003_default_profiles")]

    operations = [migrations.RunPython(fillfactor_set, fillfactor_reset, elidable=False)]
