from django.db import models
from django.utils.translation import gettext_lazy as _


class NetworkChangeKind(models.TextChoices):
    """What a ``NetworkChange`` row records."""

    SET = "set", _("Feeder or supply points set")
    CLEARED = "cleared", _("Taken out of the network")
    IMPORTED = "imported", _("Imported from CSV")
