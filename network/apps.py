from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    """The supply network (issue 19, first part): which plant feeds which (a cabin feeds district
    regulators, they feed buildings, a building its lifts), how many supply points each serves,
    and the reach of a fault (every node downstream), computed in the database. A capability on
    top of dispatch (the plant is the node); the major incidents will build on it."""

    name = "network"
    label = "network"
    verbose_name = _("Supply network")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import tasks  # noqa: F401  (Celery tasks registered: none yet, the skeleton's module)
