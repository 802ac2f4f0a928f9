"""Thin, idempotent tasks: each calls one service."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def surveys_send_due() -> int:
    """Idempotent: a call has at most one survey (unique), so an overlapping run writes none twice."""
    return services.surveys_send_due()
