from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    """The quality group's reviews (issue 21): every month a sample of each operator's calls
    (complaints and low survey scores first, reproducible from a stored seed), scored by
    reviewers on the supervisors' criteria while listening; operators see their own reviews and
    trend, and acknowledge them. Above dispatch (the calls), the recordings and the surveys."""

    name = "reviews"
    label = "reviews"
    verbose_name = _("Call reviews")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import tasks  # noqa: F401  (Celery tasks registered)
