"""Thin, idempotent tasks: each calls services."""

from celery import shared_task
from django.utils import timezone

from incidents import broadcast
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


@shared_task(
    name="incidents.tasks.update_deliver",
    ignore_result=True,
    # One run stops handing rows over after DRAIN_SLICE_SECONDS and queues itself again; the
    # limits only catch a gateway call that hangs past its own timeout.
    soft_time_limit=int(broadcast.DRAIN_SLICE_SECONDS) + 60,
    time_limit=int(broadcast.DRAIN_SLICE_SECONDS) + 90,
)
def update_deliver(update_id: int) -> dict[str, int]:
    """Hand an update's SMS to the gateway at its rate. Idempotent: a row already taken (by a
    duplicate of this task or the notifications sweeper) is never sent again."""
    return broadcast.update_deliver(update_id=update_id)
