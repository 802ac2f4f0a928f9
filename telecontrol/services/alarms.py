"""Alarms: raising one (which opens an intervention on the plant, or joins the plant's open
one) and clearing it (recorded in the intervention's history, which stays open). Each takes
the plant's or the alarm's row lock, so two sources raising at once never open two
interventions.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from dispatch.choices import InterventionStatus, Priority
from dispatch.models import Intervention, Plant
from dispatch.ports import major_incidents
from dispatch.services import event_record, intervention_open, priority_for_customer
from ops.metrics import ALARMS_RAISED
from telecontrol.choices import AlarmKind
from telecontrol.models import PlantAlarm

ALARM_PRIORITY: dict[str, int] = {
    AlarmKind.ANOMALY: Priority.HIGH,
    AlarmKind.OUT_OF_SERVICE: Priority.HIGH,
    AlarmKind.DEVICE: Priority.HIGH,
    AlarmKind.COMMS_LOSS: Priority.NORMAL,
}


def _alarm_summary(*, plant: Plant, kind: str, code: str, message: str) -> str:
    # Stored text: written in the call centre's language, whoever's request raised it.
    with translation.override(settings.LANGUAGE_CODE):
        text = _("Telecontrol alarm on %(plant)s: %(alarm)s") % {
            "plant": plant.code,
            "alarm": AlarmKind(kind).label,
        }
        details = " ".join(part for part in (code and _("code %(code)s") % {"code": code}, message) if part)
    return f"{text} ({details})" if details else text


@transaction.atomic
def plant_alarm_raise(
    *, plant: Plant, kind: str, key: str, source: str, at: datetime, code: str = "", message: str = ""
) -> PlantAlarm | None:
    """Raise an alarm unless the same one is already up, or was raised at the same instant
    ``at`` and cleared since (then ``None``): the plant's key and timestamp name a raising, so a
    message the broker delivers again (QoS 1 is at least once) raises nothing new. It opens an
    intervention on the plant, or attaches to the plant's open one instead of duplicating it."""
    plant = Plant.objects.select_for_update().select_related("customer").get(pk=plant.pk)
    if (
        PlantAlarm.objects.filter(plant=plant, key=key)
        .filter(Q(cleared_at__isnull=True) | Q(raised_at=at))
        .exists()
    ):
        return None
    alarm = PlantAlarm(
        plant=plant, key=key, kind=kind, code=code, message=message[:500], source=source, raised_at=at
    )
    # Under a major incident that attaches automatically, the alarm joins the incident's own case
    # (on the faulty node upstream) rather than opening one more on this plant: a cabin's fault
    # raises dozens of alarms, and each would otherwise be a case someone must close.
    cover = major_incidents().covering(plant_id=plant.pk)
    intervention = None
    if cover is not None and cover.auto_attach and cover.lead_intervention_id is not None:
        intervention = (
            Intervention.objects.select_for_update().filter(pk=cover.lead_intervention_id).not_final().first()
        )
    joined_incident = intervention is not None
    if intervention is None:
        intervention = (
            Intervention.objects.select_for_update()
            .filter(plant=plant)
            .not_final()
            .order_by("opened_at")
            .first()
        )
    attached = intervention is not None
    if intervention is None:
        intervention = intervention_open(
            actor=None,
            plant=plant,
            summary=_alarm_summary(plant=plant, kind=kind, code=code, message=message),
            priority=priority_for_customer(base=ALARM_PRIORITY[kind], plant=plant),
        )
    alarm.intervention = intervention
    alarm.save(force_insert=True)
    ALARMS_RAISED.labels(kind=kind, source=source).inc()
    event_record(
        subject=intervention,
        kind="telecontrol.alarm_raised",
        actor=None,
        data={
            "alarm": alarm.pk,
            "key": key,
            "kind": kind,
            "code": code,
            "message": alarm.message,
            "source": source,
            "raised_at": at,
            "attached_to_open_intervention": attached,
            **({"incident": cover.incident_id} if joined_incident and cover is not None else {}),
        },
    )
    if joined_incident and cover is not None:
        major_incidents().alarm_attached(incident_id=cover.incident_id, alarm=alarm)
    return alarm


@transaction.atomic
def plant_alarm_clear(
    *, plant: Plant, key: str, source: str, at: datetime, raised_by: datetime | None = None
) -> PlantAlarm | None:
    """Clear an alarm that is up; its intervention records it and stays open (a supervisor
    closes it). ``raised_by``: only an alarm raised at or before it (the plant's timestamp of
    an all-clear message), so a late repeat of that message cannot clear a newer raising."""
    alarms = PlantAlarm.objects.select_for_update().filter(plant=plant, key=key, cleared_at__isnull=True)
    if raised_by is not None:
        alarms = alarms.filter(raised_at__lte=raised_by)
    alarm = alarms.first()
    if alarm is None:
        return None
    alarm.cleared_at = at
    alarm.save(update_fields=["cleared_at"])
    if alarm.intervention_id is not None:
        intervention = Intervention.objects.select_for_update().get(pk=alarm.intervention_id)
        if intervention.status not in (InterventionStatus.CLOSED, InterventionStatus.CANCELLED):
            event_record(
                subject=intervention,
                kind="telecontrol.alarm_cleared",
                actor=None,
                data={"alarm": alarm.pk, "key": key, "kind": alarm.kind, "source": source, "cleared_at": at},
            )
    return alarm
