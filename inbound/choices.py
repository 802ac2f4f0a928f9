from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemKind(models.TextChoices):
    """What a source brings in: technicians' replies to the assignment email, or faxes."""

    REPLY = "reply", _("Reply")
    FAX = "fax", _("Fax")


class ItemStatus(models.TextChoices):
    """received -> filed | in_inbox | failed; failed -> (retried) filed | in_inbox | failed, or
    dismissed by a supervisor. Only ``received`` and ``failed`` items are processed again."""

    RECEIVED = "received", _("Received")
    FILED = "filed", _("Filed")
    IN_INBOX = "in_inbox", _("In the fax inbox")
    FAILED = "failed", _("Failed")
    DISMISSED = "dismissed", _("Dismissed")


# Items in these states are done with: the poll moves their message to the filed folder.
DONE_STATUSES = frozenset({ItemStatus.FILED, ItemStatus.IN_INBOX, ItemStatus.DISMISSED})


class FaxMatch(models.TextChoices):
    """How a received fax found its plant (or that it did not)."""

    NUMBER = "number", _("Sender's number")
    CODE = "code", _("Plant code in the subject or on the cover page")
    REFERENCE = "reference", _("Intervention reference")
    OPERATOR = "operator", _("Filed by an operator")
    NONE = "", _("Not matched")
