from django.db import models
from django.utils.translation import gettext_lazy as _


class IncidentState(models.TextChoices):
    """open -> resolved (the fault is fixed: callers get the final message) -> closed (every child
    intervention is closed or cancelled)."""

    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


# States in which calls and alarms still attach and the banner shows.
ACTIVE_STATES = frozenset({IncidentState.OPEN})


class UpdateKind(models.TextChoices):
    DECLARED = "declared", _("Declared")
    MESSAGE = "message", _("New message")
    ETA = "eta", _("New estimated time")
    RESOLVED = "resolved", _("Resolved")


# The updates that go out to subscribers, contacts and the status page.
BROADCAST_KINDS = frozenset({UpdateKind.MESSAGE, UpdateKind.ETA, UpdateKind.RESOLVED})


class AttachedHow(models.TextChoices):
    CLICKED = "clicked", _("By an operator")
    BANNER = "banner", _("From the call screen")
    RULE = "rule", _("By the rule")
    ALARM = "alarm", _("Alarm within the reach")
    DECLARED = "declared", _("At declaration")
