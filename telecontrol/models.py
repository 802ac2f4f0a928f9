"""How a plant is reached over telecontrol. Live checks and telemetry build on it (issue #3)."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from dispatch.models import Plant

from .choices import Protocol


class PlantTelecontrol(models.Model):
    """A plant's telecontrol settings: protocol, address and timeout."""

    plant = models.OneToOneField(Plant, on_delete=models.CASCADE, related_name="telecontrol")
    protocol = models.CharField(_("protocol"), max_length=16, choices=Protocol.choices, default=Protocol.NONE)
    host = models.CharField(_("host"), max_length=255, blank=True)
    port = models.PositiveIntegerField(
        _("port"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(65535)]
    )
    unit_id = models.PositiveSmallIntegerField(
        _("Modbus unit id"), default=1, validators=[MinValueValidator(0), MaxValueValidator(255)]
    )
    timeout_seconds = models.DecimalField(
        _("timeout (s)"),
        max_digits=5,
        decimal_places=2,
        default=3,
        validators=[MinValueValidator(0.1), MaxValueValidator(60)],
    )
    mqtt_code = models.CharField(
        _("MQTT plant code"), max_length=64, blank=True, help_text=_("Defaults to the plant's code.")
    )

    class Meta:
        verbose_name = _("plant telecontrol")
        verbose_name_plural = _("plant telecontrol")

    def __str__(self) -> str:
        return f"{self.plant.code}: {self.get_protocol_display()}"
