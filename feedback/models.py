"""Caller satisfaction: the survey SMS a call's caller gets, the numbers that asked to be left
alone, and the complaints a low score (or an operator) opens for the supervisors."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import ComplaintSource, ComplaintStatus, OptOutHow


class SurveyRequest(models.Model):
    """One survey SMS about one call (at most one per call: the unique constraint makes the
    sweep idempotent). ``number`` is the caller's E.164 number, blanked when the call's personal
    data is erased; the score and the raw reply stay, they are about the service, not the person."""

    call = models.OneToOneField(
        "dispatch.Call", on_delete=models.PROTECT, related_name="survey", verbose_name=_("call")
    )
    number = models.CharField(_("number"), max_length=20, blank=True)
    notification = models.ForeignKey(
        "notifications.Notification", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(_("written at"))
    expires_at = models.DateTimeField(_("replies taken until"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(
        _("score"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    reply_text = models.CharField(_("reply"), max_length=320, blank=True)
    # Set when an unreadable reply was answered with "reply with a digit": asked once only.
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        indexes = [models.Index(fields=["number", "sent_at"], name="survey_number_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=5), name="survey_score_1_5"
            ),
        ]

    def __str__(self) -> str:
        return f"survey of call {self.call_id}"


class SurveyOptOut(models.Model):
    """A number never surveyed again (kept on purpose after an erasure: it is what honours the
    caller's own "STOP", docs/feedback.md)."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    created_at = models.DateTimeField(_("since"))
    how = models.CharField(_("how"), max_length=10, choices=OptOutHow.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("survey opt-out")
        verbose_name_plural = _("survey opt-outs")

    def __str__(self) -> str:
        return self.number


class Complaint(models.Model):
    """A caller's dissatisfaction for the supervisors to handle: opened by a low survey score
    (``survey``) or by an operator; open, then handled once with notes."""

    call = models.ForeignKey(
        "dispatch.Call", on_delete=models.PROTECT, null=True, blank=True, related_name="complaints"
    )
    survey = models.OneToOneField(
        SurveyRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="complaint"
    )
    source = models.CharField(_("source"), max_length=10, choices=ComplaintSource.choices)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    text = models.TextField(_("text"), blank=True, max_length=2000)
    opened_at = models.DateTimeField(_("opened at"))
    status = models.CharField(
        _("status"), max_length=10, choices=ComplaintStatus.choices, default=ComplaintStatus.OPEN
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handled_notes = models.TextField(_("notes"), blank=True, max_length=2000)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [models.Index(fields=["status", "opened_at"], name="complaint_status_idx")]

    def __str__(self) -> str:
        return f"complaint {self.pk}"
