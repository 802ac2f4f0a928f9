from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "quality"
    verbose_name = _("Quality: call recordings")

    def ready(self) -> None:
        from django.core import checks

        from . import tasks  # noqa: F401  (Celery tasks registered)
        from .checks import recordings_settings_check

        checks.register(recordings_settings_check, "quality")
