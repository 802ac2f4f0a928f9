from django.db import models
from django.utils.translation import gettext_lazy as _


class StepTarget(models.TextChoices):
    """Whom a step looks for. On call: the on-call technicians of the teams whose area covers the
    plant (most specific team first); backup: those of these teams' backup teams."""

    ASSIGNED_TECHNICIAN = "assigned_technician", _("The assigned technician")
    ON_CALL = "on_call", _("The technician on call")
    ON_CALL_BACKUP = "on_call_backup", _("The backup team's technician on call")
    TEAM_LEADER = "team_leader", _("The team leader")
    SUPERVISOR_ON_DUTY = "supervisor_on_duty", _("The supervisors on duty")


class StepChannel(models.TextChoices):
    """Which of the person's contact points (in their order). ``next``: the one after the channel
    the chain's earlier steps to the same target used (the second on the second step, and so on,
    round again after the last): today's "not acknowledged: sent again on the next channel"."""

    FIRST = "first", _("First channel")
    NEXT = "next", _("Next channel")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    FAX = "fax", _("Fax")
    ALL = "all", _("Every channel")


# Steps that look for someone on call: the only ones that may also hand the case over.
REASSIGNABLE = frozenset({StepTarget.ON_CALL, StepTarget.ON_CALL_BACKUP})


class RunState(models.TextChoices):
    RUNNING = "running", _("Running")
    STOPPED = "stopped", _("Stopped")
    EXHAUSTED = "exhausted", _("Every step fired")


class StopReason(models.TextChoices):
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    CANCELLED = "cancelled", _("Cancelled")
    REASSIGNED = "reassigned", _("Re-assigned")
    FINISHED = "finished", _("No longer waiting for an acknowledgement")


class StepOutcome(models.TextChoices):
    NOTIFIED = "notified", _("Notified")
    NOBODY = "nobody", _("Nobody found")
    SKIPPED = "skipped", _("Skipped")
