"""The core's port ``dispatch.ports.MajorIncidentLookup``, implemented on the incidents'
selectors and services (registered in ``IncidentsConfig.ready()``)."""

from __future__ import annotations

from typing import Any

from dispatch.ports import IncidentCover


class IncidentLookup:
    def covering(self, *, plant_id: int) -> IncidentCover | None:
        from .selectors.core import incident_covering

        incident = incident_covering(plant_id=plant_id)
        if incident is None:
            return None
        return IncidentCover(incident.pk, incident.lead_intervention_id, incident.auto_attach)

    def alarm_attached(self, *, incident_id: int, alarm: Any) -> None:
        from .services import alarm_member_record

        alarm_member_record(incident_id=incident_id, alarm=alarm)

    def call_logged(self, *, call: Any) -> None:
        from .services import call_auto_attach

        call_auto_attach(call=call)
