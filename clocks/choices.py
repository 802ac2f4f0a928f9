from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarKind(models.TextChoices):
    ALWAYS = "always", _("Around the clock (24/7)")
    WORKING_HOURS = "working_hours", _("Working hours")


class Metric(models.TextChoices):
    """What a target times, from the start of the call that reported the case (the regulator
    counts arrival from the call's start, not from when a case was opened)."""

    RESPONSE = "response", _("Response")
    ARRIVAL = "arrival", _("Arrival on site")
    RESOLUTION = "resolution", _("Resolution")


class TargetUnit(models.TextChoices):
    MINUTES = "minutes", _("Minutes")
    WORKING_DAYS = "working_days", _("Working days")
