"""The privacy app's choices: kinds of request, their states, kinds of logged access."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RequestKind(models.TextChoices):
    """What a person asked about the data held on their phone number (GDPR art. 15 and 17)."""

    ACCESS = "access", _("Access: a copy of what is held")
    ERASURE = "erasure", _("Erasure")


class RequestStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    ANSWERED = "answered", _("Answered")


class AccessKind(models.TextChoices):
    """What was read: each a page or an API answer that shows a person's data."""

    CALL_PAGE = "call.page", _("Call page")
    CALL_API = "call.api", _("Call (API)")
    CALL_HISTORY_API = "call.history_api", _("Call history (API)")
    INTERVENTION_PAGE = "intervention.page", _("Intervention page")
    INTERVENTION_HISTORY_API = "intervention.history_api", _("Intervention history (API)")
    DOCUMENT = "document", _("Photo or fax of an intervention")
    RECORDING = "recording", _("Call recording")
    EVIDENCE = "evidence", _("Evidence pack of a call (recording included)")
    EXPORT = "export", _("Export for a person's request")
    NUMBER_LOOKUP = "number_lookup", _("Who looked at a number")
