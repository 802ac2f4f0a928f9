from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def callbacks_remind() -> int:
    """Idempotent: each callback is reminded once (``reminded_at`` set under its row lock)."""
    return services.callbacks_remind()


@shared_task(ignore_result=True)
def history_partitions_ensure() -> list[str]:
    """Idempotent: a month that has its partition is left alone (PostgreSQL; no-op elsewhere)."""
    return services.history_partitions_ensure()
