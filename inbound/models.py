"""What came back in: every message taken from a mailbox or a fax queue, kept as received, and
the faxes among them until they are filed on a plant or an intervention."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dispatch.roles import STAFF_ROLES
from dispatch.visibility import Visibility

from .choices import FaxMatch, ItemKind, ItemStatus


class InboundItem(models.Model):
    """One message from one source (a mailbox, HylaFAX's received queue), kept byte for byte as
    it arrived with its SHA-256. ``message_id`` is unique per source, so a message polled twice
    is one row and is processed once; a failure keeps the row (``error``, ``attempts``) and the
    message stays in its mailbox to be tried again."""

    source = models.CharField(_("source"), max_length=32)
    kind = models.CharField(_("kind"), max_length=8, choices=ItemKind.choices)
    message_id = models.CharField(_("message id"), max_length=255)
    sender = models.CharField(_("sender"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    raw = models.BinaryField(_("message as received"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    status = models.CharField(
        _("status"), max_length=10, choices=ItemStatus.choices, default=ItemStatus.RECEIVED
    )
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    received_at = models.DateTimeField(_("received at"))
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    intervention = models.ForeignKey(
        "dispatch.Intervention", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    plant = models.ForeignKey(
        "dispatch.Plant", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    visibility = Visibility(everyone=STAFF_ROLES)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("inbound item")
        verbose_name_plural = _("inbound items")
        constraints = [
            models.UniqueConstraint(fields=["source", "message_id"], name="inbound_item_unique_per_source")
        ]
        indexes = [models.Index(fields=["status", "received_at"], name="inbound_item_status_idx")]

    def __str__(self) -> str:
        return f"{self.source} {self.message_id} ({self.get_status_display()})"


class ReceivedFax(models.Model):
    """A fax that came in, converted to PDF. Matched to a plant (by the sender's number, a plant
    code, an intervention's reference) it is filed at once as a ``PlantDocument`` of kind
    ``fax_received``; otherwise it waits in the fax inbox until an operator files it."""

    item = models.OneToOneField(InboundItem, on_delete=models.PROTECT, related_name="fax")
    file = models.FileField(_("file"), upload_to="faxes/received/%Y/%m/")
    sender_number = models.CharField(_("sender's number"), max_length=32, blank=True)
    pages = models.PositiveSmallIntegerField(_("pages"), default=1)
    received_at = models.DateTimeField(_("received at"))
    plant = models.ForeignKey(
        "dispatch.Plant", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    intervention = models.ForeignKey(
        "dispatch.Intervention", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    matched_by = models.CharField(_("matched by"), max_length=10, choices=FaxMatch.choices, blank=True)
    document = models.OneToOneField(
        "dispatch.PlantDocument", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    filed_at = models.DateTimeField(_("filed at"), null=True, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    visibility = Visibility(everyone=STAFF_ROLES)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("received fax")
        verbose_name_plural = _("received faxes")

    def __str__(self) -> str:
        return f"{self.sender_number or '?'} {self.received_at:%Y-%m-%d %H:%M}"
