from celery import shared_task
from django.utils import timezone

from reviews.services import samples_draw_due


@shared_task(name="reviews.tasks.review_samples_draw")
def review_samples_draw() -> int:
    """Idempotent: last month's sample for each operator not sampled yet, none twice."""
    return samples_draw_due(now=timezone.now())
