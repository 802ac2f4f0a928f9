"""What the incidents' services share: the locks, the states they accept, the history events."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.choices import ACTIVE_STATES
from incidents.models import IncidentUpdate, MajorIncident


def now_or(now: datetime | None) -> datetime:
    return now or timezone.now()


def incident_lock(incident: MajorIncident | int) -> MajorIncident:
    """The incident's row, locked: every write to an incident (its state, its next update's
    position, its members) takes it, so two supervisors or a sweep and a click are serialised."""
    pk = incident if isinstance(incident, int) else incident.pk
    return MajorIncident.objects.select_for_update(of=("self",)).select_related("rule").get(pk=pk)


def require_active(incident: MajorIncident) -> None:
    if incident.state not in ACTIVE_STATES:
        raise ValidationError(_("This major incident is no longer open."))


def next_position(incident: MajorIncident) -> int:
    """The next update's position (the caller holds the incident's lock)."""
    last = IncidentUpdate.objects.filter(incident=incident).aggregate(last=Max("position"))["last"]
    return (last or 0) + 1
