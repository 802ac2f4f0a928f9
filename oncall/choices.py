from django.db import models
from django.utils.translation import gettext_lazy as _


class CoverKind(models.TextChoices):
    """Why someone other than the rotation's technician is on call for a while."""

    OVERRIDE = "override", _("Override")  # set by the leader or a supervisor
    SWAP = "swap", _("Swap")  # asked by the technician on call, taken by a colleague


class CoverStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class OnCallSource(models.TextChoices):
    ROTATION = "rotation", _("Rotation")
    OVERRIDE = "override", _("Override")
    SWAP = "swap", _("Swap")
