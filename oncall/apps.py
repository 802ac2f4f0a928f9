from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OncallConfig(AppConfig):
    """On-call rotas of the technicians per team: a weekly rotation with its hand-over time,
    overrides and swaps (asked by a technician, approved by the team's leader), and the feed a
    phone calendar subscribes to. Builds on teams and dispatch; the technician suggestion, the
    off-hours routing and the escalation chains read who is on call from here."""

    name = "oncall"
    label = "oncall"
    verbose_name = _("On-call rotas")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dispatch.ports import on_call_register

        from .lookup import RotaOnCallLookup

        # The core's technician suggestion asks who is on call for a plant.
        on_call_register(RotaOnCallLookup())
