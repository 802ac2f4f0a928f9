from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeamsConfig(AppConfig):
    """Regional teams of operators and technicians, and (issue 18) their areas, shifts and on-call
    rotas. Below routing (which routes to a team's members and consults second-line teams) and
    the clocks; builds on dispatch only."""

    name = "teams"
    label = "teams"
    verbose_name = _("Teams")
    default_auto_field = "django.db.models.BigAutoField"
