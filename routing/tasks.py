from celery import shared_task
from django.utils import timezone

from routing.services.sweep import routes_sweep as _routes_sweep


@shared_task(name="routing.tasks.routes_sweep")
def routes_sweep() -> int:
    """Idempotent: frees operators held by offers and reservations the phone system lost."""
    return _routes_sweep(now=timezone.now())
