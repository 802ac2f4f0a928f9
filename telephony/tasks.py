from datetime import timedelta

from celery import shared_task
from django.conf import settings

from . import services


# The name it had before telephony was an app of its own: beat schedules and queued messages
# in production name it so.
@shared_task(name="dispatch.tasks.telephony_receipts_prune")
def telephony_receipts_prune() -> int:
    """Idempotent: forgets webhook signatures older than twice the accepted clock window."""
    window = timedelta(seconds=2 * settings.PRONTO_TELEPHONY_MAX_SKEW_SECONDS)
    return services.telephony_receipts_prune(older_than=window)
