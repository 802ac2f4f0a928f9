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


# The intervention's own timestamp that stops each metric's clock.
STOPPED_BY: dict[str, str] = {
    Metric.RESPONSE: "acknowledged_at",
    Metric.ARRIVAL: "arrived_at",
    Metric.RESOLUTION: "completed_at",
}


class TargetUnit(models.TextChoices):
    MINUTES = "minutes", _("Minutes")
    WORKING_DAYS = "working_days", _("Working days")


class ClockState(models.TextChoices):
    RUNNING = "running", _("Running")
    AMBER = "amber", _("Close to its target")
    BREACHED = "breached", _("Late")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    MET_LATE = "met_late", _("Met late")


class PauseReason(models.TextChoices):
    CUSTOMER = "customer", _("Waiting for the customer")
    PARTS = "parts", _("Waiting for parts")
    ACCESS = "access", _("Waiting for access")
    THIRD_PARTY = "third_party", _("Waiting for a third party")
