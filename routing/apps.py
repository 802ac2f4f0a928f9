from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    """Who answers each call: caller classes, operators' skills and states, routing rules in kept
    versions, queues with an estimated wait, second-line consults, and the wallboard. The phone
    system asks it over ``/api/telephony/route/``; it builds on dispatch and telephony, never the
    reverse (telephony tells it about call events through ``telephony.ports``)."""

    name = "routing"
    label = "routing"
    verbose_name = _("Routing")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from telephony.ports import call_routing_register

        from . import tasks  # noqa: F401  (Celery tasks registered)
        from .services.events import RoutedCalls

        # The webhook hands every call event to the router, in its transaction.
        call_routing_register(RoutedCalls())
