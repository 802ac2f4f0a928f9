from django.db import models
from django.utils.translation import gettext_lazy as _


class OptOutHow(models.TextChoices):
    """How a number came to be left alone: the caller's reply, or an operator's note."""

    REPLY_STOP = "stop", _("Replied STOP")
    REPLY_NO = "no", _("Replied NO SMS")
    OPERATOR = "operator", _("Set by an operator")


class ComplaintSource(models.TextChoices):
    SURVEY = "survey", _("Low survey score")
    OPERATOR = "operator", _("Written by an operator")


class ComplaintStatus(models.TextChoices):
    OPEN = "open", _("Open")
    HANDLED = "handled", _("Handled")
