from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EscalationsConfig(AppConfig):
    """Escalation chains: per case type and priority, ordered steps (the assigned technician, the
    technician on call, the backup team's, the team leader, the supervisor on duty), each after
    its delay, stopped by an acknowledgement, paused with the case's clocks. A capability on top
    of clocks, oncall, teams, notifications and dispatch; nothing below imports it."""

    name = "escalations"
    label = "escalations"
    verbose_name = _("Escalation chains")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import tasks  # noqa: F401  (Celery tasks registered)
