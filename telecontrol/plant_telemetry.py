"""The core's ``PlantTelemetry`` port: what the plant reports, from the state telecontrol keeps.
Registered in ``apps.ready()``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telecontrol.selectors import plant_faults_reported, plant_status_lines, plant_status_snapshot

if TYPE_CHECKING:
    from dispatch.models import Plant


class StoredPlantTelemetry:
    def status_snapshot(self, *, plant_id: int) -> dict:
        return plant_status_snapshot(plant_id=plant_id)

    def faults_reported(self, *, plant: Plant) -> list[str]:
        return plant_faults_reported(plant=plant)

    def status_lines(self, *, plant_id: int) -> list[str]:
        return plant_status_lines(plant_id=plant_id)
