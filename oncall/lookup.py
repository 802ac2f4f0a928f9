"""The core's ``OnCallLookup`` port, answered from the rotas."""

from __future__ import annotations

from datetime import datetime

from dispatch.models import Plant
from dispatch.ports import OnCallEntry

from .selectors import on_call_for_plant


class RotaOnCallLookup:
    def on_call_for(self, *, plant: Plant, at: datetime) -> list[OnCallEntry]:
        return [
            OnCallEntry(candidate.user.pk, candidate.team.name, candidate.via_backup)
            for candidate in on_call_for_plant(plant=plant, at=at)
        ]
