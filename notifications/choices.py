from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    FAX = "fax", _("Fax")


class NotificationStatus(models.TextChoices):
    """pending -> sending -> sent -> delivered | failed (a transient failure goes back to pending
    with a later attempt time; ``cancelled`` when its reason went away before it left)."""

    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class NotificationReason(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    REASSIGNED_AWAY = "reassigned_away", _("Re-assigned to someone else")
    ESCALATED = "escalated", _("Not acknowledged: sent again")
    CANCELLED = "cancelled", _("Intervention cancelled")
    SUPERVISOR_WARNING = "supervisor_warning", _("Supervisor warned")
    CALLBACK_DUE = "callback_due", _("Callback due")
    REPORT = "report", _("Monthly service-level report")
    INCIDENT_UPDATE = "incident_update", _("Major incident update")
    MESSAGE = "message", _("Written by an operator")
    SURVEY = "survey", _("Caller satisfaction survey")


class AttemptOutcome(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted by the gateway")
    REJECTED = "rejected", _("Rejected by the gateway")
    UNAVAILABLE = "unavailable", _("Gateway unavailable")
    DELIVERED = "delivered", _("Delivered")
    UNDELIVERED = "undelivered", _("Not delivered")


# Rows in these states are done with: no task or sweeper touches them again.
FINAL_STATUSES = frozenset(
    {NotificationStatus.DELIVERED, NotificationStatus.FAILED, NotificationStatus.CANCELLED}
)
