from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class OperatorState(models.TextChoices):
    """An operator's state for the router (phone events and the console move it)."""

    AVAILABLE = "available", _("Available")
    OFFERED = "offered", pgettext_lazy("operator state", "Ringing")
    ON_CALL = "on_call", _("On a call")
    WRAP_UP = "wrap_up", _("Wrap-up")
    PAUSED = "paused", _("Paused")
    SIGNED_OFF = "signed_off", _("Signed off")


class PauseReason(models.TextChoices):
    BREAK = "break", _("Break")
    BACK_OFFICE = "back_office", _("Back-office work")
    TRAINING = "training", _("Training")
    MEETING = "meeting", _("Meeting")
    # Set by the router, not chosen: an offer rang out unanswered (redirect on no answer).
    NO_ANSWER = "no_answer", _("Did not answer an offered call")
    OTHER = "other", _("Other")


class SkillKind(models.TextChoices):
    SERVICE = "service", _("Service")
    CUSTOMER = "customer", _("Customer")
    LANGUAGE = "language", _("Language")


class ClassRuleKind(models.TextChoices):
    """What assigns a caller class; the most specific match wins (number, plant, customer, prefix)."""

    NUMBER = "number", _("Known number")
    PLANT = "plant", _("Plant")
    CUSTOMER = "customer", _("Customer contract")
    PREFIX = "prefix", _("Number prefix")


class HolidayMatch(models.TextChoices):
    ANY_DAY = "any", _("Any day")
    WORKING_DAYS = "working", _("Working days only (not public holidays)")
    HOLIDAYS = "holidays", _("Public holidays only")


class RuleAction(models.TextChoices):
    QUEUE = "queue", _("Queue for an operator")
    FORWARD = "forward", _("Forward to another centre")


class RouteState(models.TextChoices):
    NEW = "new", _("New")
    QUEUED = "queued", _("Waiting in queue")
    RESERVED = "reserved", _("Operator reserved")
    OFFERED = "offered", _("Ringing at an operator")
    CONNECTED = "connected", _("Connected")
    FORWARDED = "forwarded", _("Forwarded")
    ABANDONED = "abandoned", pgettext_lazy("route state", "Abandoned")
    CALLBACK = "callback", _("Callback requested")
    ENDED = "ended", _("Ended")


class DecisionAction(models.TextChoices):
    OFFER = "offer", _("Offer to operator")
    QUEUE = "queue", _("Queue")
    FORWARD = "forward", _("Forward")
    REJECT = "reject", _("Reject")


class ConsultOutcome(models.TextChoices):
    OPEN = "", _("In progress")
    TOOK_BACK = "took_back", _("Taken back")
    TRANSFERRED = "transferred", _("Transferred")
