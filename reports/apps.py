from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Service levels against each customer's standards: figures, pages, exports, sign-offs,
    background runs and the monthly email. Its models are dispatch's (tables and migrations
    stay there); it builds on dispatch, telecontrol and notifications, never the reverse."""

    name = "reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from notifications.files import attachment_loader_register

        from . import tasks  # noqa: F401  (Celery tasks registered)
        from .mail import report_run_attachment_load

        # Monthly emails queued before the outbox kept their PDF name the run instead.
        attachment_loader_register("report_run", report_run_attachment_load)
