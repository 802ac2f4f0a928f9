from datetime import timedelta

from celery import shared_task
from django.conf import settings

from . import services


@shared_task
def telephony_receipts_prune() -> int:
    """Idempotent: forgets webhook signatures older than twice the accepted clock window."""
    window = timedelta(seconds=2 * settings.PRONTO_TELEPHONY_MAX_SKEW_SECONDS)
    return services.telephony_receipts_prune(older_than=window)


@shared_task(ignore_result=True)
def callbacks_remind() -> int:
    """Idempotent: each callback is reminded once (``reminded_at`` set under its row lock)."""
    return services.callbacks_remind()
