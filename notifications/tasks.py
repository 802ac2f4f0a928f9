"""Thin, idempotent tasks: each loads ids and calls one service."""

from celery import shared_task
from django.conf import settings

from . import services


@shared_task(
    ignore_result=True,
    soft_time_limit=settings.PRONTO_NOTIFICATION_TASK_TIME_LIMIT_SECONDS,
    time_limit=settings.PRONTO_NOTIFICATION_TASK_TIME_LIMIT_SECONDS + 30,
)
def notification_send(notification_id: int) -> str:
    """Idempotent: a row that is not pending and due is left alone, so a duplicate delivery of
    this task (acks_late, the sweeper) never sends twice."""
    return services.notification_deliver(notification_id=notification_id)


@shared_task(ignore_result=True)
def notifications_sweep() -> dict:
    return services.notifications_sweep()
