from celery import shared_task
from django.utils import timezone

from clocks.services import breaches_record


@shared_task(name="clocks.tasks.clocks_breaches_record")
def clocks_breaches_record() -> int:
    """Idempotent: each clock past its due instant is recorded late once."""
    return breaches_record(now=timezone.now())
