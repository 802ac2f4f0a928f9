"""The case's verification period, for the core's close (``dispatch.ports.CaseVerification``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from clocks.models import CaseFile
from dispatch.models import Intervention


class CaseFileVerification:
    """A completed case of a type with verification days stays open that many days after the
    work was completed, so that the centre sees all still works before a supervisor closes it."""

    def verifying_until(self, *, intervention: Intervention) -> datetime | None:
        if intervention.completed_at is None:
            return None
        days = (
            CaseFile.objects.filter(intervention_id=intervention.pk)
            .values_list("case_type__verification_days", flat=True)
            .first()
        )
        return intervention.completed_at + timedelta(days=days) if days else None
