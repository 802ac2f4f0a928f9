from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelephonyConfig(AppConfig):
    """The phone system's side: its signed webhook, applying call events to the call log and
    handing them to the router (``telephony.ports``)."""

    name = "telephony"
    verbose_name = _("Telephony")

    def ready(self) -> None:
        from django.core import checks

        from . import tasks  # noqa: F401  (Celery tasks registered)
        from .checks import telephony_secret_check
        from .ports import ports_check

        checks.register(telephony_secret_check, "telephony")
        checks.register(ports_check, "telephony")
