from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShiftsConfig(AppConfig):
    """Operators' shifts (issue 18): patterns (5/2, 2/2, custom), a team's month generated from a
    pattern and edited by hand, who is on shift now, and coverage per hour against a minimum per
    line. Builds on teams, routing (the lines) and dispatch; above routing, so routing never
    reads it (a later router that asks who is on shift would go through a port)."""

    name = "shifts"
    label = "shifts"
    verbose_name = _("Shifts")
    default_auto_field = "django.db.models.BigAutoField"
