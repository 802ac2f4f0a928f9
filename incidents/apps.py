from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    """Major incidents: many calls and alarms under one faulty node of the supply network become
    one incident, its reach read from ``network``, its updates sent to every subscribed caller
    (SMS) and the utility's contacts (email) through the notifications outbox, and shown on a
    public status page. A capability on top of network, notifications, telecontrol and dispatch;
    the routing wallboard reads it."""

    name = "incidents"
    label = "incidents"
    verbose_name = _("Major incidents")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dispatch.ports import major_incidents_register

        from . import tasks  # noqa: F401  (Celery tasks registered)
        from .lookup import IncidentLookup

        major_incidents_register(IncidentLookup())
