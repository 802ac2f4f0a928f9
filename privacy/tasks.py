from celery import shared_task

from privacy.services.retention import personal_data_retention as retention_run


@shared_task(name="privacy.tasks.personal_data_retention", ignore_result=True)
def personal_data_retention() -> int:
    """Idempotent: what is erased is not erased again; returns the run's id."""
    return retention_run().pk
