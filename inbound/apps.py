from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboundConfig(AppConfig):
    name = "inbound"
    verbose_name = _("Inbound mail and faxes")

    def ready(self) -> None:
        from django.core import checks

        from . import tasks  # noqa: F401  (Celery tasks registered)
        from .checks import inbound_sources_check

        checks.register(inbound_sources_check, "inbound")
