from django.db import migrations

# The classes every centre starts with (issue 17); supervisors rename, re-rank or add to them.
CLASSES = [
    ("vip", "VIP", 0, True, False, 20),
    ("critical", "Critical user", 1, False, True, 20),
    ("business", "Business", 2, False, False, 60),
    ("gold", "Gold", 3, False, False, 90),
    ("silver", "Silver", 4, False, False, 120),
    ("copper", "Copper", 5, False, False, 180),
]


def classes_create(apps, schema_editor):
    CallerClass = apps.get_model("routing", "CallerClass")
    for code, name, rank, vip, critical, target in CLASSES:
        CallerClass.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "rank": rank,
                "is_vip": vip,
                "is_critical": critical,
                "answer_target_seconds": target,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("routing", "0001_initial")]

    operations = [migrations.RunPython(classes_create, migrations.RunPython.noop)]
