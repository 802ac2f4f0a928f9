"""Live checks: a user asks how a plant is doing now. Modbus plants are read live on this
thread's own event loop; MQTT plants answer from their latest telemetry, flagged stale past
their profile's limit. A check made for a call or an intervention is stored and written into
its history.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.choices import Role
from dispatch.models import Call, Intervention, Plant
from dispatch.roles import has_role
from dispatch.services import event_record
from telecontrol.backends.base import Reading, modbus_backend
from telecontrol.choices import CheckOutcome, Protocol
from telecontrol.models import PlantCheck
from telecontrol.selectors import (
    CheckSettings,
    data_age_seconds,
    plant_check_settings,
    plant_state_get,
)

_loops = threading.local()


def _run(coroutine):
    """Run a coroutine on this thread's own event loop, kept between calls: a new loop per
    live check would cost more than the Modbus read itself."""
    loop = getattr(_loops, "loop", None)
    if loop is None or loop.is_closed():
        loop = _loops.loop = asyncio.new_event_loop()
    return loop.run_until_complete(coroutine)


@dataclass
class CheckResult:
    """A live check as the operator sees it. ``stale`` data is never presented as fresh:
    ``outcome`` is then ``stale``, not ``ok``."""

    plant: str
    source: str
    outcome: str
    reachable: bool
    active: bool | None
    anomaly: bool | None
    out_of_service: bool | None
    alarm_code: str
    measurements: dict[str, Any]
    checked_at: datetime
    observed_at: datetime | None
    data_age_seconds: float | None
    stale: bool
    error: str
    duration_ms: float
    alarms: list[dict] = field(default_factory=list)
    check_id: int | None = None

    def as_history(self) -> dict:
        data = asdict(self)
        data.pop("alarms")
        return data


def _check_permission(*, actor, plant: Plant, call: Call | None, intervention: Intervention | None) -> None:
    # A technician checks the plant it is working on, for its own intervention only.
    technician_allowed = (
        has_role(actor, Role.TECHNICIAN)
        and call is None
        and (intervention is None or intervention.technician_id == actor.pk)
    )
    if not (has_role(actor, Role.OPERATOR, Role.SUPERVISOR) or technician_allowed):
        raise PermissionDenied(_("Your role does not allow this action."))
    if call is not None and call.plant_id != plant.pk:
        raise ValidationError({"call": _("The call is not about this plant.")})
    if intervention is not None and intervention.plant_id != plant.pk:
        raise ValidationError({"intervention": _("The intervention is not for this plant.")})


def _mqtt_reading(*, plant: Plant, check_settings: CheckSettings, now: datetime) -> tuple[Reading, bool]:
    state = plant_state_get(plant=plant)
    if state is None or state.observed_at is None:
        return Reading(CheckOutcome.NO_DATA, error=_("No telemetry received from this plant yet.")), False
    age = data_age_seconds(state.observed_at, now)
    stale = age > check_settings.stale_after_seconds
    reading = Reading(
        CheckOutcome.STALE if stale else CheckOutcome.OK,
        active=state.active,
        anomaly=state.anomaly,
        out_of_service=state.out_of_service,
        alarm_code=state.alarm_code,
        measurements=state.measurements,
        observed_at=state.observed_at,
    )
    if stale:
        reading.error = _("Last data is %(age)d s old (stale after %(limit)d s).") % {
            "age": age,
            "limit": check_settings.stale_after_seconds,
        }
    return reading, stale


def plant_check(
    *, actor, plant: Plant, call: Call | None = None, intervention: Intervention | None = None
) -> CheckResult:
    """Check a plant now. Modbus plants are read live within their timeout; MQTT plants answer
    from the latest telemetry with its age, flagged stale past their profile's limit.

    A check made for a call or an intervention is stored and written into its history.
    """
    _check_permission(actor=actor, plant=plant, call=call, intervention=intervention)
    started = time.perf_counter()
    check_settings = plant_check_settings(plant=plant)
    protocol = check_settings.protocol
    now = timezone.now()
    stale = False
    if check_settings.target is not None:
        reading = _run(modbus_backend().read(check_settings.target))
        now = timezone.now()
    elif protocol == Protocol.MQTT:
        reading, stale = _mqtt_reading(plant=plant, check_settings=check_settings, now=now)
    else:
        reading = Reading(CheckOutcome.NOT_CONFIGURED, error=_("This plant has no telecontrol."))
    result = CheckResult(
        plant=plant.code,
        source=protocol,
        outcome=str(reading.outcome),
        reachable=reading.reachable,
        active=reading.active,
        anomaly=reading.anomaly,
        out_of_service=reading.out_of_service,
        alarm_code=reading.alarm_code,
        measurements=reading.measurements,
        checked_at=now,
        observed_at=reading.observed_at,
        data_age_seconds=data_age_seconds(reading.observed_at, now),
        stale=stale,
        error=reading.error,
        duration_ms=round((time.perf_counter() - started) * 1000, 3),
    )
    if call is not None or intervention is not None:
        _check_store(result=result, actor=actor, plant=plant, call=call, intervention=intervention)
    return result


@transaction.atomic
def _check_store(
    *, result: CheckResult, actor, plant: Plant, call: Call | None, intervention: Intervention | None
) -> None:
    check = PlantCheck(
        plant=plant,
        call=call,
        intervention=intervention,
        requested_by=actor,
        **{name: value for name, value in result.as_history().items() if name not in ("plant", "check_id")},
    )
    check.save(force_insert=True)
    result.check_id = check.pk
    for subject in (call, intervention):
        if subject is not None:
            locked = type(subject).objects.select_for_update().get(pk=subject.pk)
            event_record(subject=locked, kind="telecontrol.check", actor=actor, data=result.as_history())
