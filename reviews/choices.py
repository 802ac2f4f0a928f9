from django.db import models
from django.utils.translation import gettext_lazy as _


class PickReason(models.TextChoices):
    """Why a call is in the sample, in the order they are preferred (reviews.sampling)."""

    TEST = "test", _("Test call")
    COMPLAINT = "complaint", _("Complaint")
    LOW_SCORE = "low_score", _("Low survey score")
    RANDOM = "random", _("Random")


# Each criterion is scored from 0 (not done) to this (done perfectly).
POINTS_MAX = 4
