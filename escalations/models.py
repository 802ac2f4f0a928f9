"""Escalation chains, their published versions and steps, and the runs walking them on cases."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from dispatch.choices import Priority

from .choices import REASSIGNABLE, RunState, StepChannel, StepOutcome, StepTarget, StopReason


class EscalationChain(models.Model):
    """Who hears of a case not acknowledged, in which order, for a case type and a priority
    (empty: any). The most specific chain wins: type and priority, then type, then priority,
    then neither. Its steps live in versions: a run keeps the version it started with."""

    name = models.CharField(_("name"), max_length=100)
    case_type = models.ForeignKey(
        "clocks.CaseType",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("case type"),
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, null=True, blank=True
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("escalation chain")
        verbose_name_plural = _("escalation chains")
        constraints = [
            # "Any" (NULL) counts as one value: one chain per combination.
            models.UniqueConstraint(
                Coalesce("case_type", Value(0)), Coalesce("priority", Value(0)), name="escalation_chain_once"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class EscalationChainVersion(models.Model):
    """A chain's steps as published (``number``, ``published_at``), or its one draft (both
    empty) that a supervisor edits before publishing it as the next number."""

    chain = models.ForeignKey(EscalationChain, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )

    class Meta:
        ordering = ["chain", "number"]
        verbose_name = _("escalation chain version")
        verbose_name_plural = _("escalation chain versions")
        constraints = [
            models.UniqueConstraint(fields=["chain", "number"], name="escalation_version_once"),
            models.UniqueConstraint(
                fields=["chain"], condition=Q(published_at__isnull=True), name="escalation_one_draft"
            ),
            models.CheckConstraint(
                condition=Q(number__isnull=True, published_at__isnull=True)
                | Q(number__isnull=False, published_at__isnull=False),
                name="escalation_version_published_numbered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.chain} v{self.number}" if self.number else f"{self.chain} (draft)"


class EscalationStep(models.Model):
    """One step: after ``delay_minutes`` since the previous step (the assignment, for the
    first), look for the target and reach them on the channel; ``reassign``: also hand the case
    to the technician on call found, so it is on their phone."""

    version = models.ForeignKey(EscalationChainVersion, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("position"))
    delay_minutes = models.PositiveIntegerField(
        _("after (minutes)"), validators=[MaxValueValidator(7 * 24 * 60)]
    )
    target = models.CharField(_("whom"), max_length=24, choices=StepTarget.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=StepChannel.choices)
    reassign = models.BooleanField(_("assign the case to them"), default=False)

    class Meta:
        ordering = ["version", "position"]
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation steps")
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="escalation_step_once"),
            models.CheckConstraint(
                condition=Q(reassign=False) | Q(target__in=sorted(REASSIGNABLE)),
                name="escalation_step_reassign_on_call",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. +{self.delay_minutes}' {self.target} {self.channel}"


class EscalationRun(models.Model):
    """A chain's version walking one assignment of a case. ``assignment_at``: the assignment it
    follows (the case's ``assigned_at``; a step that hands the case over moves it along), so a
    re-assignment by someone else stops it. ``step_base_at``: when the next step's delay began;
    ``next_due_at``: when it falls due, moved on by the case's pauses."""

    intervention = models.ForeignKey(
        "dispatch.Intervention", on_delete=models.CASCADE, related_name="escalation_runs"
    )
    version = models.ForeignKey(EscalationChainVersion, on_delete=models.PROTECT, related_name="runs")
    started_at = models.DateTimeField(_("started at"))
    assignment_at = models.DateTimeField()
    step_base_at = models.DateTimeField()
    next_position = models.PositiveSmallIntegerField(default=1)
    next_due_at = models.DateTimeField(_("next step due"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=RunState.choices, default=RunState.RUNNING)
    stopped_reason = models.CharField(
        _("stopped because"), max_length=16, choices=StopReason.choices, blank=True
    )
    stopped_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)

    class Meta:
        ordering = ["intervention", "started_at"]
        verbose_name = _("escalation run")
        verbose_name_plural = _("escalation runs")
        constraints = [
            # The sweep that starts runs may overlap another: the second insert is ignored.
            models.UniqueConstraint(fields=["intervention", "started_at"], name="escalation_run_once"),
            models.UniqueConstraint(
                fields=["intervention"], condition=Q(state=RunState.RUNNING), name="escalation_one_running"
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_due_at"], name="escalation_run_due", condition=Q(state=RunState.RUNNING)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.intervention_id} {self.version} {self.state}"


class EscalationRunStep(models.Model):
    """A step as it fired on a case: when, whom it found (none: it went on to the next step),
    on which channel, and what it says in the timeline."""

    run = models.ForeignKey(EscalationRun, on_delete=models.CASCADE, related_name="fired")
    position = models.PositiveSmallIntegerField(_("step"))
    target = models.CharField(_("whom"), max_length=24, choices=StepTarget.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=StepChannel.choices)
    due_at = models.DateTimeField(_("due at"))
    fired_at = models.DateTimeField(_("fired at"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(_("outcome"), max_length=12, choices=StepOutcome.choices)
    sent_on = models.CharField(_("sent on"), max_length=40, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["run", "position"]
        verbose_name = _("escalation step fired")
        verbose_name_plural = _("escalation steps fired")
        constraints = [models.UniqueConstraint(fields=["run", "position"], name="escalation_run_step_once")]

    def __str__(self) -> str:
        return f"{self.run_id} {self.position} {self.outcome}"
