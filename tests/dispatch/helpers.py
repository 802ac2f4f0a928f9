"""Drive interventions through the real services to any state: tests never set status by hand."""

from django.db import connection, transaction

from dispatch import services
from dispatch.choices import InterventionStatus as S

PATH = [S.OPEN, S.ASSIGNED, S.ACKNOWLEDGED, S.ON_SITE, S.COMPLETED, S.CLOSED]
# The history of an intervention taken along PATH to closed.
FLOW_EVENT_KINDS = [
    "intervention.opened",
    "intervention.assign",
    # The test technician has no contact points: the history says nobody could be notified.
    "notification.no_channel",
    "intervention.acknowledge",
    "intervention.arrive",
    "intervention.complete",
    "intervention.close",
]


def call_logged(users, plant, **kwargs):
    defaults = {"caller_number": "+39 02 1234 5678", "plant": plant, "call_type": "gas_leak"}
    return services.call_log(actor=users["operator"], **{**defaults, **kwargs})


def intervention_in(status, *, users, plant, call=None):
    """An intervention on ``plant`` assigned to ``users['technician']`` once past ``open``."""
    intervention = services.intervention_open(
        actor=users["operator"], plant=plant, call=call, summary="Gas smell"
    )
    if status == S.CANCELLED:
        return services.intervention_cancel(
            actor=users["supervisor"], intervention=intervention, reason="duplicate"
        )
    steps = {
        S.ASSIGNED: lambda i: services.intervention_assign(
            actor=users["operator"], intervention=i, technician=users["technician"]
        ),
        S.ACKNOWLEDGED: lambda i: services.intervention_acknowledge(
            actor=users["technician"], intervention=i
        ),
        S.ON_SITE: lambda i: services.intervention_arrive(actor=users["technician"], intervention=i),
        S.COMPLETED: lambda i: services.intervention_complete(
            actor=users["technician"], intervention=i, closing_reason="Loose fitting tightened"
        ),
        S.CLOSED: lambda i: services.intervention_close(actor=users["supervisor"], intervention=i),
    }
    for step in PATH[1 : PATH.index(status) + 1]:
        intervention = steps[step](intervention)
    assert intervention.status == status
    return intervention


def history_tamper(sql, params=()):
    """Rewrite a row the way someone with database access would, around the triggers if any:
    a superuser can switch user triggers off for its session; the chain must still tell."""
    replica = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cursor:
        if replica:
            cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(sql, params)
        finally:
            if replica:
                cursor.execute("SET session_replication_role = origin")
