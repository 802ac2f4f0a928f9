from django.db import models
from django.utils.translation import gettext_lazy as _


class PatternKind(models.TextChoices):
    """How a pattern's cycle is laid on the calendar. ``five_two`` follows the week (day 0 is
    Monday) and every operator works the same days; ``two_two`` and ``custom`` rotate, each
    operator's cycle shifted so that the team covers every day."""

    FIVE_TWO = "five_two", _("5 on, 2 off (weekdays)")
    TWO_TWO = "two_two", _("2 on, 2 off (rotating)")
    CUSTOM = "custom", _("Custom")


class ShiftSource(models.TextChoices):
    """A generated shift may be replaced by generating the month again; a manual one never is."""

    GENERATED = "generated", _("Generated from a pattern")
    MANUAL = "manual", _("Set by hand")
