"""Call recordings, who listened to them, and how long each customer's are kept (issue 21)."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from dispatch.choices import STAFF_ROLES, CallType
from dispatch.models import Call, Customer
from dispatch.visibility import Visibility

from .choices import RecordingDeletedReason, RecordingSource
from .storage import recordings_storage


class CallRecording(models.Model):
    """One audio file of a call, as the phone system handed it over.

    A call may have several (a transfer or a consult records a segment each): they are told apart
    by their SHA-256, so the same file handed over twice is kept once. The row is kept for ever;
    retention deletes only the audio (``file`` emptied, ``deleted_at`` and ``deleted_reason``
    set), so the call still shows that a recording existed and what its digest was.
    """

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="recordings")
    file = models.FileField(_("audio"), storage=recordings_storage, max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size_bytes = models.BigIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("type"), max_length=40)
    duration_seconds = models.FloatField(_("duration (s)"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=RecordingSource.choices)
    source_url = models.URLField(_("fetched from"), max_length=2000, blank=True)
    received_at = models.DateTimeField(_("received at"))
    deleted_at = models.DateTimeField(_("audio deleted at"), null=True, blank=True)
    deleted_reason = models.CharField(
        _("why deleted"), max_length=16, choices=RecordingDeletedReason.choices, blank=True
    )

    visibility = Visibility(everyone=STAFF_ROLES)

    class Meta:
        ordering = ["received_at", "pk"]
        verbose_name = _("call recording")
        constraints = [
            models.UniqueConstraint(fields=["call", "sha256"], name="quality_recording_once_per_call"),
        ]

    def __str__(self) -> str:
        return f"{self.call_id} {self.sha256[:12]}"

    @property
    def playable(self) -> bool:
        return self.deleted_at is None and bool(self.file)


class RecordingListen(models.Model):
    """Someone heard a recording (one row per listen, not per range request: docs/quality.md)."""

    recording = models.ForeignKey(CallRecording, on_delete=models.PROTECT, related_name="listens")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    listened_at = models.DateTimeField(_("listened at"))

    class Meta:
        ordering = ["listened_at", "pk"]
        verbose_name = _("recording listen")

    def __str__(self) -> str:
        return f"{self.recording_id} {self.user_id} {self.listened_at:%Y-%m-%d %H:%M}"


class RecordingRetention(models.Model):
    """How many days a customer's (or everyone's) recordings of a call type (or of any) are kept.

    The most specific rule wins: customer and type, then customer, then type, then the rule for
    everyone; with none, ``PRONTO_RECORDING_RETENTION_DAYS``."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        help_text=_("Empty: every customer."),
    )  # fmt: skip
    call_type = models.CharField(
        _("call type"), max_length=32, choices=CallType.choices, blank=True, help_text=_("Empty: every type.")
    )
    days = models.PositiveIntegerField(_("days kept"), validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["customer_id", "call_type", "pk"]
        verbose_name = _("recording retention rule")
        constraints = [
            models.UniqueConstraint(fields=["customer", "call_type"], name="quality_retention_one_rule"),
            models.CheckConstraint(condition=models.Q(days__gte=1), name="quality_retention_days_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.customer or '*'} {self.call_type or '*'}: {self.days}"
