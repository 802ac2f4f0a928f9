from django.db import models
from django.utils.translation import gettext_lazy as _


class Protocol(models.TextChoices):
    NONE = "none", _("No telecontrol")
    MODBUS = "modbus", _("Modbus TCP")
    MQTT = "mqtt", _("MQTT")
