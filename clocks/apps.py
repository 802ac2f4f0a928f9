from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClocksConfig(AppConfig):
    """Service-level clocks: case types with their response, arrival and resolution targets per
    priority and caller class, each measured on a calendar (24/7, or working hours with public
    holidays and the patron saint, or a custom one). Builds on dispatch and routing (the caller
    classes), never the reverse."""

    name = "clocks"
    label = "clocks"
    verbose_name = _("Service-level clocks")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dispatch.ports import case_verification_register

        from . import tasks  # noqa: F401  (Celery tasks registered)
        from .verification import CaseFileVerification

        # The core's close asks whether a completed case is still in its verification period.
        case_verification_register(CaseFileVerification())
