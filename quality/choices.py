from django.db import models
from django.utils.translation import gettext_lazy as _


class RecordingSource(models.TextChoices):
    UPLOAD = "upload", _("Uploaded by the phone system")
    FETCH = "fetch", _("Fetched from the phone system")


class RecordingDeletedReason(models.TextChoices):
    RETENTION = "retention", _("Retention period over")
