from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """Personal data over time: retention policies and legal holds, people's requests (access,
    erasure) and the log of who read a person's data. It decides *what* to erase and when; the
    erasing itself is the core's (``dispatch.services.personal_erase``, ADR 0002). Builds on
    dispatch and notifications, never the reverse."""

    name = "privacy"
    label = "privacy"
    verbose_name = _("Privacy")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dispatch.ports import access_log_register

        from . import tasks  # noqa: F401  (Celery tasks registered)
        from .services.access_log import StoredAccessLog

        # The core's pages and API report every read of a caller's data through this port.
        access_log_register(StoredAccessLog())
