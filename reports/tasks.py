from celery import shared_task

from . import services

# The tasks keep the names they had when the reports lived in dispatch: beat schedules and queued
# messages in production name them so.


@shared_task(name="dispatch.tasks.report_run_execute", ignore_result=True)
def report_run_execute(run_id: int) -> str:
    """Idempotent: a run already done or running is left alone."""
    return services.report_run_execute(run_id=run_id)


@shared_task(name="dispatch.tasks.reports_monthly_send", ignore_result=True)
def reports_monthly_send() -> int:
    """Idempotent: one monthly run per customer and month, emailed once."""
    return services.service_levels_monthly_send()
