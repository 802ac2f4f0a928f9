from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from routing.choices import HolidayMatch, RuleAction

from .classes import DIGITS_PREFIX, CallerClass
from .operators import Line, Skill


class Queue(models.Model):
    """Where calls wait for an operator with the queue's skills, by priority then arrival."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    skills = models.ManyToManyField(
        Skill, blank=True, related_name="queues", verbose_name=_("skills needed"), help_text=_("All of them.")
    )
    offer_timeout_seconds = models.PositiveIntegerField(
        _("ring each operator for (s)"), default=15, validators=[MaxValueValidator(120)]
    )
    overflow_queue = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("overflow to"),
    )
    overflow_after_seconds = models.PositiveIntegerField(
        _("overflow after (s)"), null=True, blank=True, validators=[MaxValueValidator(3600)]
    )
    announcement = models.CharField(
        _("announcement"),
        max_length=80,
        blank=True,
        help_text=_("The id of the message the phone system plays."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("queue")
        verbose_name_plural = _("queues")

    def __str__(self) -> str:
        return self.name


class RuleSetVersion(models.Model):
    """One published set of routing rules. Rules are never edited in place: every change
    publishes a new version, so what routed a call is always known."""

    number = models.PositiveIntegerField(_("version"), unique=True)
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("what changed"), max_length=200, blank=True)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("routing rules version")
        verbose_name_plural = _("routing rules versions")

    def __str__(self) -> str:
        return f"v{self.number}"


class RoutingRule(models.Model):
    """A rule of a version: conditions (all that are set must hold) → what to do. First match wins."""

    version = models.ForeignKey(RuleSetVersion, on_delete=models.PROTECT, related_name="rules")
    position = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=80)
    # Conditions
    line = models.ForeignKey(Line, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("line"))
    weekdays = models.JSONField(
        _("weekdays"), default=list, blank=True, help_text=_("0 = Monday … 6 = Sunday; empty: every day.")
    )
    time_from = models.TimeField(_("from"), null=True, blank=True)
    time_to = models.TimeField(_("to"), null=True, blank=True)
    holidays = models.CharField(
        _("calendar"), max_length=10, choices=HolidayMatch.choices, default=HolidayMatch.ANY_DAY
    )
    caller_class = models.ForeignKey(
        CallerClass, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("caller class")
    )
    number_prefix = models.CharField(
        _("number prefix"), max_length=16, blank=True, validators=[DIGITS_PREFIX]
    )
    customer = models.ForeignKey(
        "dispatch.Customer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    service = models.ForeignKey(
        Skill, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("service")
    )
    # Outcome
    action = models.CharField(
        _("action"), max_length=10, choices=RuleAction.choices, default=RuleAction.QUEUE
    )
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("queue"))
    priority = models.SmallIntegerField(
        _("priority boost"), default=0, help_text=_("Added to the caller class: higher goes first.")
    )
    prefer_personal_manager = models.BooleanField(_("VIPs to their personal manager"), default=True)
    prefer_case_owner = models.BooleanField(_("to the operator who knows the open case"), default=True)
    forward_to = models.CharField(
        _("forward to"), max_length=200, blank=True, help_text=_("Empty: the line's off-hours fallback.")
    )

    class Meta:
        ordering = ["version", "position"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="routing_rule_position"),
            models.CheckConstraint(
                name="routing_rule_queue_or_forward",
                condition=models.Q(action=RuleAction.FORWARD) | models.Q(queue__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"
