from django.db import models
from django.utils.translation import gettext_lazy as _


class ProcessKind(models.TextChoices):
    """The long-lived processes that record a heartbeat (docs/operations.md)."""

    TELEMETRY_LISTEN = "telemetry_listen", _("MQTT telemetry listener")
    TELEMETRY_POLL = "telemetry_poll", _("Modbus fleet poller")
