"""The chains every centre starts with: one per priority, today's rule as steps (the technician
on the assignment; again on their next channel after the priority's time to acknowledge, 5, 10,
20 or 60 minutes; then the backup team's technician on call, the team leader, the supervisors on
duty, each after the same time). One chain per priority rather than a delay multiplier: each is
plain data a supervisor reads and edits like any other."""

from django.db import migrations
from django.utils import timezone

# Priority (1 critical .. 4 low) and its minutes to acknowledge, as PRONTO_ACK_TIMEOUT_*_MINUTES were.
SHIPPED = {1: ("Critical", 5), 2: ("High", 10), 3: ("Normal", 20), 4: ("Low", 60)}
STEPS = [
    ("assigned_technician", "first", False),
    ("assigned_technician", "next", True),
    ("on_call_backup", "first", True),
    ("team_leader", "first", True),
    ("supervisor_on_duty", "first", True),
]


def shipped_create(apps, schema_editor):
    Chain = apps.get_model("escalations", "EscalationChain")
    Version = apps.get_model("escalations", "EscalationChainVersion")
    Step = apps.get_model("escalations", "EscalationStep")
    for priority, (label, minutes) in SHIPPED.items():
        if Chain.objects.filter(case_type__isnull=True, priority=priority).exists():
            continue
        chain = Chain.objects.create(name=f"{label} priority", priority=priority)
        version = Version.objects.create(chain=chain, number=1, published_at=timezone.now())
        Step.objects.bulk_create(
            Step(
                version=version,
                position=n,
                delay_minutes=minutes if after else 0,
                target=target,
                channel=channel,
                reassign=False,
            )
            for n, (target, channel, after) in enumerate(STEPS, start=1)
        )


class Migration(migrations.Migration):
    dependencies = [("escalations", "0001_initial")]

    operations = [migrations.RunPython(shipped_create, migrations.RunPython.noop)]
