from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelecontrolConfig(AppConfig):
    name = "telecontrol"
    verbose_name = _("Telecontrol")

    def ready(self) -> None:
        from dispatch.ports import plant_telemetry_register

        from . import signals  # noqa: F401  (check settings forgotten when they change)
        from .plant_telemetry import StoredPlantTelemetry

        plant_telemetry_register(StoredPlantTelemetry())
