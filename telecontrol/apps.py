from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelecontrolConfig(AppConfig):
    name = "telecontrol"
    verbose_name = _("Telecontrol")

    def ready(self) -> None:
        from . import signals  # noqa: F401
