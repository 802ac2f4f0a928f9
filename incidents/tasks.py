"""Thin, idempotent tasks: each calls services."""

from celery import shared_task
from django.utils import timezone

from incidents.choices import IncidentState
from incidents.models import MajorIncident
from incidents.services import incident_close_if_done, incident_rules_sweep


@shared_task(name="incidents.tasks.incidents_sweep")
def incidents_sweep() -> dict[str, int]:
    """The rules declare what they see; resolved incidents whose cases are all closed close.
    Idempotent: a covered node is not declared on twice, a closed incident stays closed."""
    now = timezone.now()
    declared = incident_rules_sweep(now=now)
    closed = 0
    for pk in MajorIncident.objects.filter(state=IncidentState.RESOLVED).values_list("pk", flat=True):
        closed += incident_close_if_done(incident=MajorIncident(pk=pk), now=now)
    return {"declared": len(declared), "closed": closed}
