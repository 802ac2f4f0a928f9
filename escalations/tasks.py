from celery import shared_task
from django.utils import timezone

from escalations.services import escalations_sweep as sweep


@shared_task(name="escalations.tasks.escalations_sweep")
def escalations_sweep() -> dict[str, int]:
    """Idempotent: runs are started once per assignment, each step fires once (the runs are
    taken with ``skip_locked``, so a sweep that overlaps another leaves them to it)."""
    return sweep(now=timezone.now())
