"""The notification outbox: one row per message to one recipient on one channel, written in the
same transaction as the business change that needs it, delivered afterwards by Celery tasks.

Attempts are append-only rows, so what was tried, when, and what each gateway answered is never
lost, even when a row is retried or its status moves on."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import AttemptOutcome, Channel, NotificationReason, NotificationStatus


class ContactPoint(models.Model):
    """One way to reach a user: an SMS number, an email address or a fax number. A technician's
    contact points, in ``position`` order, are the channels the summary goes out on; when an
    assignment is not acknowledged in time it is sent again on the next one."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contact_points"
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    address = models.CharField(
        _("number or address"),
        max_length=254,
        help_text=_("E.164 number for SMS and fax, else an email address"),
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["user", "position", "id"]
        verbose_name = _("contact point")
        verbose_name_plural = _("contact points")
        constraints = [
            models.UniqueConstraint(fields=["user", "channel", "address"], name="contact_point_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.get_channel_display()} {self.address}"


class Notification(models.Model):
    """One message to one recipient on one channel; see ``NotificationStatus`` for its life."""

    intervention = models.ForeignKey(
        "dispatch.Intervention",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
    )
    callback = models.ForeignKey(
        "dispatch.Callback", on_delete=models.PROTECT, null=True, blank=True, related_name="notifications"
    )
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A message an operator wrote (issue 20) about a plant, with or without an intervention: the
    # plant's page lists them, so one about a plant with no case still has a home.
    plant = models.ForeignKey(
        "dispatch.Plant", on_delete=models.PROTECT, null=True, blank=True, related_name="notifications"
    )
    # Who wrote it (``reason`` message); empty for the messages Pronto writes itself.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("written by"),
    )
    reason = models.CharField(_("reason"), max_length=24, choices=NotificationReason.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=254)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"))
    # [{"file": <media storage name> | "document": <PlantDocument id>, "filename": ..., "content_type": ...}]
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    idempotency_key = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    gateway_id = models.CharField(_("gateway message id"), max_length=128, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"))
    sending_since = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    # When the sweeper last asked a polled gateway (HylaFAX) about this sent row: the least
    # recently asked go first, so a batch limit never starves the rows at its end.
    delivery_checked_at = models.DateTimeField(null=True, blank=True)
    # Which escalation round produced the row (0: the assignment itself).
    escalation_step = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # The sweeper's and the worker's queue: only rows still to be sent are indexed.
            models.Index(
                fields=["next_attempt_at"],
                name="notification_due_idx",
                condition=Q(status__in=["pending", "sending"]),
            ),
            models.Index(fields=["intervention", "created_at"], name="notification_intervention_idx"),
            models.Index(fields=["channel", "gateway_id"], name="notification_gateway_idx"),
            models.Index(fields=["plant", "created_at"], name="notification_plant_idx"),
            # The delivery poll's candidates: sent rows of one channel within a recent window
            # (emails and most SMS stay "sent" for good, so only that state is indexed).
            models.Index(
                fields=["channel", "sent_at"], name="notification_sent_idx", condition=Q(status="sent")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.recipient} ({self.get_status_display()})"


class NotificationAttempt(models.Model):
    """One try at a gateway, or one delivery report from it. Written before the gateway call
    (``outcome`` empty) and completed after, so a worker that dies mid-call leaves a trace."""

    notification = models.ForeignKey(Notification, on_delete=models.PROTECT, related_name="attempt_rows")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=AttemptOutcome.choices, blank=True)
    gateway_id = models.CharField(max_length=128, blank=True)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["notification", "started_at", "id"]
        verbose_name = _("notification attempt")
        verbose_name_plural = _("notification attempts")

    def __str__(self) -> str:
        return f"{self.notification_id}#{self.number} {self.outcome or '…'}"


class OutboxMessage(models.Model):
    """What the embedded outbox gateway 'sent': kept so a bare demo machine shows the SMS,
    emails and faxes that would have left. Nothing leaves this machine."""

    channel = models.CharField(max_length=8, choices=Channel.choices)
    recipient = models.CharField(max_length=254)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    attachments = models.JSONField(default=list, blank=True)
    idempotency_key = models.CharField(max_length=64, unique=True)
    stored_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-stored_at", "-id"]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.recipient}"
