from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def callbacks_remind() -> int:
    """Idempotent: each callback is reminded once (``reminded_at`` set under its row lock)."""
    return services.callbacks_remind()


@shared_task(ignore_result=True)
def report_run_execute(run_id: int) -> str:
    """Idempotent: a run already done or running is left alone."""
    return services.report_run_execute(run_id=run_id)


@shared_task(ignore_result=True)
def reports_monthly_send() -> int:
    """Idempotent: one monthly run per customer and month, emailed once."""
    return services.service_levels_monthly_send()
