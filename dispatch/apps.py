from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = _("Dispatch")

    def ready(self) -> None:
        from django.core import checks

        from . import signals, signin, tasks  # noqa: F401  (role cache and lock-out signals; Celery tasks)
        from .checks import production_settings_check
        from .ports import ports_check

        checks.register(ports_check, "dispatch")
        checks.register(production_settings_check, "dispatch")
