"""Reads: a plant's telecontrol settings and profile, its latest state, alarms and checks."""

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import overload

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    DateTimeField,
    Exists,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.models import Plant
from dispatch.timing import seconds_between, shifted

from .backends.base import ModbusTarget
from .choices import FAILED_OUTCOMES, AlarmKind, BadgeState, CheckOutcome, Protocol
from .models import PlantAlarm, PlantCheck, PlantState, PlantTelecontrol, PollerHeartbeat, TelecontrolProfile

# Alarms that mean the plant itself reports a fault (as opposed to us not hearing from it).
FAULT_ALARM_KINDS = (AlarmKind.ANOMALY, AlarmKind.OUT_OF_SERVICE, AlarmKind.DEVICE)


def profile_resolver():
    """A function from a plant's telecontrol settings to its profile: the plant's own, else its
    kind's, else the built-in defaults (unsaved). The kinds' profiles are read once, for loops
    over many plants."""
    by_kind = {profile.plant_kind: profile for profile in TelecontrolProfile.objects.all()}

    def resolve(*, plant: Plant, telecontrol: PlantTelecontrol | None) -> TelecontrolProfile:
        if telecontrol is not None and telecontrol.profile is not None:
            return telecontrol.profile
        return by_kind.get(plant.kind) or TelecontrolProfile(plant_kind=plant.kind)

    return resolve


def profile_for(*, plant: Plant, telecontrol: PlantTelecontrol | None) -> TelecontrolProfile:
    return profile_resolver()(plant=plant, telecontrol=telecontrol)


def plant_telecontrol_get(*, plant: Plant) -> PlantTelecontrol | None:
    return PlantTelecontrol.objects.select_related("profile").filter(plant=plant).first()


def modbus_target(telecontrol: PlantTelecontrol, profile: TelecontrolProfile) -> ModbusTarget:
    if not telecontrol.host or telecontrol.port is None:
        raise ValueError(f"plant {telecontrol.plant_id} has no Modbus address (host and port)")
    return ModbusTarget(
        host=telecontrol.host,
        port=telecontrol.port,
        unit_id=telecontrol.unit_id,
        timeout=float(telecontrol.timeout_seconds),
        register_map=profile.register_map,
    )


@dataclass(frozen=True)
class CheckSettings:
    """What a live check needs to know of a plant: its protocol, where and how to read it."""

    protocol: str
    target: ModbusTarget | None
    stale_after_seconds: int


_check_settings: dict[int, tuple[float, CheckSettings]] = {}


def plant_check_settings(*, plant: Plant) -> CheckSettings:
    """The plant's check settings, kept in this process for
    ``PRONTO_TELECONTROL_SETTINGS_CACHE_SECONDS``: looking them up costs more than the Modbus
    read itself. Saving telecontrol settings or a profile forgets them at once in this process
    (``telecontrol.signals``); other processes see the change within that time."""
    now = time.monotonic()
    cached = _check_settings.get(plant.pk)
    if cached is not None and cached[0] > now:
        return cached[1]
    telecontrol = plant_telecontrol_get(plant=plant)
    protocol = telecontrol.protocol if telecontrol is not None else Protocol.NONE
    profile = profile_for(plant=plant, telecontrol=telecontrol)
    target = None
    if protocol == Protocol.MODBUS and telecontrol is not None and telecontrol.host and telecontrol.port:
        target = modbus_target(telecontrol, profile)
    elif protocol == Protocol.MODBUS:
        protocol = Protocol.NONE  # no address yet: nothing to read
    value = CheckSettings(protocol=protocol, target=target, stale_after_seconds=profile.stale_after_seconds)
    _check_settings[plant.pk] = (now + settings.PRONTO_TELECONTROL_SETTINGS_CACHE_SECONDS, value)
    return value


def plant_check_settings_forget() -> None:
    _check_settings.clear()
    _staleness.clear()


# The profiles' staleness (id, plant kind, seconds), read by every board and badge: kept like the
# check settings above, and forgotten with them.
_staleness: dict[str, tuple[float, list[tuple[int, str, int]]]] = {}


def profiles_staleness() -> list[tuple[int, str, int]]:
    now = time.monotonic()
    cached = _staleness.get("all")
    if cached is not None and cached[0] > now:
        return cached[1]
    value = list(TelecontrolProfile.objects.values_list("pk", "plant_kind", "stale_after_seconds"))
    _staleness["all"] = (now + settings.PRONTO_TELECONTROL_SETTINGS_CACHE_SECONDS, value)
    return value


@dataclass(frozen=True)
class PlantBadge:
    """What a screen shows of a plant's live state in one word (``state``, a ``BadgeState``),
    with the data's time and, for the tooltip, the alarm code or the last error."""

    state: str
    label: str
    observed_at: datetime | None
    detail: str


def _badge(state: BadgeState, observed_at: datetime | None = None, detail: str = "") -> PlantBadge:
    # The label is translated here, in the language of the request that asks.
    return PlantBadge(state, str(state.label), observed_at, detail)


def _flags_badge(
    out_of_service: bool | None, anomaly: bool | None, active: bool | None, alarm_code: str
) -> tuple[BadgeState, str]:
    """What the plant's own flags say, once the data is known to be fresh: the same order for
    the stored state and a live check."""
    if out_of_service:
        return BadgeState.OUT_OF_SERVICE, alarm_code
    if anomaly:
        return BadgeState.ANOMALY, alarm_code
    if active is False:
        return BadgeState.INACTIVE, ""
    return BadgeState.ACTIVE, ""


def plant_badge_for_state(
    state: PlantState | dict | None, *, stale_after_seconds: int, now: datetime
) -> PlantBadge:
    values = (
        state
        if isinstance(state, dict) or state is None
        else {name: getattr(state, name) for name in PlantState.REPORTED_FIELDS}
    )
    if not values:
        return _badge(BadgeState.UNKNOWN)
    observed_at = values["observed_at"]
    if values["comms_lost"] or (observed_at is None and values["outcome"] in FAILED_OUTCOMES):
        badge, detail = BadgeState.UNREACHABLE, values["error"]
    elif observed_at is None:
        badge, detail = BadgeState.UNKNOWN, ""
    elif seconds_between(observed_at, now) > stale_after_seconds:
        badge, detail = BadgeState.STALE, ""
    else:
        badge, detail = _flags_badge(
            values["out_of_service"], values["anomaly"], values["active"], values["alarm_code"]
        )
    return _badge(badge, observed_at, detail)


def plant_badges(*, plant_ids: Iterable[int], now: datetime | None = None) -> dict[int, PlantBadge]:
    """The badge of each plant in ``plant_ids`` (plants without telecontrol data get
    ``unknown``), in one query whatever their number (the states with their own profiles'
    staleness) and, every ``PRONTO_TELECONTROL_SETTINGS_CACHE_SECONDS``, one more for the kinds'
    profiles (``profiles_staleness``)."""
    now = now or timezone.now()
    wanted = set(plant_ids)
    if not wanted:
        return {}
    default_stale = TelecontrolProfile._meta.get_field("stale_after_seconds").get_default()
    by_kind = {kind: stale for _pk, kind, stale in profiles_staleness()}
    rows = PlantState.objects.filter(plant_id__in=wanted).values(
        "plant_id",
        *PlantState.REPORTED_FIELDS,
        "plant__kind",
        "plant__telecontrol__profile__stale_after_seconds",
    )
    badges = {}
    for row in rows:
        stale_after = row["plant__telecontrol__profile__stale_after_seconds"] or by_kind.get(
            row["plant__kind"], default_stale
        )
        badges[row["plant_id"]] = plant_badge_for_state(row, stale_after_seconds=stale_after, now=now)
    return {plant_id: badges.get(plant_id) or _badge(BadgeState.UNKNOWN) for plant_id in wanted}


def plant_badge_for_check(check: PlantCheck) -> PlantBadge:
    """The badge of what a live check found: a plant that did not answer is unreachable, data
    the check judged stale is stale, no telecontrol or no data yet is unknown, else its flags."""
    if check.outcome in FAILED_OUTCOMES:
        badge, detail = BadgeState.UNREACHABLE, check.error
    elif check.stale or check.outcome == CheckOutcome.STALE:
        badge, detail = BadgeState.STALE, ""
    elif check.outcome != CheckOutcome.OK:
        badge, detail = BadgeState.UNKNOWN, check.error
    else:
        badge, detail = _flags_badge(check.out_of_service, check.anomaly, check.active, check.alarm_code)
    return _badge(badge, check.observed_at or check.checked_at, detail)


def plant_badge_for_call(*, call, check: PlantCheck | None) -> PlantBadge | None:
    """The call's plant's badge on the call screen: the call's latest ``check`` when it is
    at least as fresh as the plant's stored state (an operator who just checked sees what the
    check found, not the poller's older reading), else the stored state's."""
    if call.plant_id is None:
        return None
    stored = plant_badges(plant_ids=[call.plant_id])[call.plant_id]
    if check is not None and (stored.observed_at is None or check.checked_at >= stored.observed_at):
        return plant_badge_for_check(check)
    return stored


def plant_state_get(*, plant: Plant) -> PlantState | None:
    return PlantState.objects.filter(plant=plant).first()


def plant_alarm_list_up(*, plant_id: int):
    return PlantAlarm.objects.filter(plant_id=plant_id, cleared_at__isnull=True).order_by("raised_at")


def plant_check_latest_for_call(*, call) -> PlantCheck | None:
    return PlantCheck.objects.filter(call=call).order_by("-checked_at", "-pk").first()


@overload
def data_age_seconds(observed_at: datetime, now: datetime) -> float: ...
@overload
def data_age_seconds(observed_at: None, now: datetime) -> None: ...
def data_age_seconds(observed_at: datetime | None, now: datetime) -> float | None:
    return None if observed_at is None else max(0.0, seconds_between(observed_at, now))


def plant_status_snapshot(*, plant_id: int, now: datetime | None = None) -> dict:
    """What telecontrol knew of a plant at ``now``: latest values, their age, comms state and
    the alarms up. Stored in a call's history when the call is tied to the plant."""
    now = now or timezone.now()
    state = PlantState.objects.filter(plant_id=plant_id).values(*PlantState.REPORTED_FIELDS).first()
    if state is not None:
        state["data_age_seconds"] = data_age_seconds(state["observed_at"], now)
    alarms = list(plant_alarm_list_up(plant_id=plant_id).values("kind", "code", "message", "raised_at"))
    return {"taken_at": now, "state": state, "alarms": alarms}


def plant_status_lines(*, plant_id: int, now: datetime | None = None) -> list[str]:
    """What telecontrol knows of a plant now, as short lines of text in the active language: the
    badge with the data's time, the alarms up. For paper (the dispatch fax), where no badge
    colour or tooltip can carry it."""
    now = now or timezone.now()
    badge = plant_badges(plant_ids=[plant_id], now=now)[plant_id]
    if badge.state == BadgeState.UNKNOWN and badge.observed_at is None:
        lines = [badge.label]
    else:
        first = badge.label
        if badge.observed_at is not None:
            first = _("%(state)s (data from %(time)s)") % {
                "state": badge.label,
                "time": timezone.localtime(badge.observed_at).strftime("%d/%m/%Y %H:%M"),
            }
        lines = [f"{first}: {badge.detail}" if badge.detail else first]
    for kind, code, message in plant_alarm_list_up(plant_id=plant_id).values_list("kind", "code", "message"):
        label = str(AlarmKind(kind).label) if kind in AlarmKind.values else kind
        text = " ".join(part for part in (label, code, message and f"- {message}") if part)
        lines.append(_("Alarm up: %(alarm)s") % {"alarm": text})
    return lines


@dataclass(frozen=True)
class TelemetryDuring:
    """How a telemetered plant did over a span (a case's verification after the work): the
    alarms that were up at any moment of it. Not ``watched``: nothing to tell either way."""

    watched: bool
    start: datetime
    end: datetime
    alarms: list[PlantAlarm]

    @property
    def normal(self) -> bool:
        return self.watched and not self.alarms


def plant_telemetry_during(*, plant: Plant, start: datetime, end: datetime) -> TelemetryDuring:
    """The alarms of ``plant`` up at some moment in [start, end): raised before its end and not
    cleared before its start (comms losses included: a silent plant did not prove it works)."""
    watched = PlantTelecontrol.objects.filter(plant=plant).exists()
    alarms = list(
        PlantAlarm.objects.filter(plant=plant, raised_at__lt=end)
        .filter(Q(cleared_at__isnull=True) | Q(cleared_at__gt=start))
        .order_by("raised_at")
    )
    return TelemetryDuring(watched=watched or bool(alarms), start=start, end=end, alarms=alarms)


def plant_faults_reported(*, plant: Plant) -> list[str]:
    """What the plant still reports wrong: its latest flags and its fault alarms still up."""
    faults: list[str] = []
    state = PlantState.objects.filter(plant=plant).values("anomaly", "out_of_service").first()
    if state and state["anomaly"]:
        faults.append(AlarmKind.ANOMALY)
    if state and state["out_of_service"]:
        faults.append(AlarmKind.OUT_OF_SERVICE)
    for kind, code in (
        plant_alarm_list_up(plant_id=plant.pk).filter(kind__in=FAULT_ALARM_KINDS).values_list("kind", "code")
    ):
        label = f"{kind}:{code}" if code else kind
        if label not in faults:
            faults.append(label)
    return faults


def modbus_plants_for_polling() -> QuerySet[PlantTelecontrol]:
    return (
        PlantTelecontrol.objects.filter(protocol=Protocol.MODBUS, plant__active=True)
        .exclude(host="")
        .exclude(port__isnull=True)
        .select_related("plant", "profile")
    )


def plant_poll_attempts(plant_ids: Iterable[int]) -> dict[int, datetime]:
    """When each plant was last polled (``PlantState.last_attempt_at``, by whichever poller);
    plants never polled are left out. A poller taking over plants schedules them from this."""
    ids = sorted(set(plant_ids))
    found: dict[int, datetime] = {}
    for start in range(0, len(ids), 500):  # SQLite's bound on a statement's parameters
        rows = PlantState.objects.filter(plant_id__in=ids[start : start + 500], last_attempt_at__isnull=False)
        found.update((plant_id, at) for plant_id, at in rows.values_list("plant_id", "last_attempt_at") if at)
    return found


def pollers_live(*, now: datetime | None = None) -> int:
    """How many ``telemetry_poll`` processes have a heartbeat that has not expired."""
    return PollerHeartbeat.objects.filter(expires_at__gt=now or timezone.now()).count()


def poller_lag_seconds(*, now: datetime | None = None) -> float:
    """How late the fleet pollers are: the seconds by which the most overdue Modbus plant has
    passed its next poll (its last attempt plus its profile's poll interval); 0 when none has.

    Healthy pollers show up to a tick (1 s) plus a read's duration, since a plant is polled at
    the first tick after it is due. A plant never polled has no due time on record and is not
    counted: a fleet whose pollers are all down shows as lag once its plants fall due. Two
    queries (the profiles, then one grouped query over the plant states), whatever the fleet's
    size: cheap enough for a health check."""
    now = now or timezone.now()
    default = TelecontrolProfile._meta.get_field("poll_interval_seconds").get_default()
    profiles = list(TelecontrolProfile.objects.values_list("pk", "plant_kind", "poll_interval_seconds"))
    interval = Case(
        *(When(plant__telecontrol__profile=pk, then=Value(seconds)) for pk, _, seconds in profiles),
        *(When(plant__kind=kind, then=Value(seconds)) for _, kind, seconds in profiles),
        default=Value(default),
        output_field=IntegerField(),
    )
    polled = PlantState.objects.filter(
        plant__in=modbus_plants_for_polling().values("plant_id"), last_attempt_at__isnull=False
    )
    oldest_by_interval = (
        polled.annotate(interval=interval)
        .order_by()
        .values("interval")
        .annotate(oldest=Min("last_attempt_at"))
    )
    lag = 0.0
    for row in oldest_by_interval:
        late = seconds_between(shifted(row["oldest"], timedelta(seconds=row["interval"])), now)
        lag = max(lag, late)
    return lag


def mqtt_plant_codes() -> dict[str, int]:
    """Topic code to plant id, for every plant on MQTT."""
    return {
        tc.topic_code: tc.plant_id
        for tc in PlantTelecontrol.objects.filter(protocol=Protocol.MQTT).select_related("plant")
    }


# ----------------------------------------------------------------------------------------------
# Issue 16, the board's plant-state filter: the badge decided in SQL, for lists that filter on it


def plant_badge_condition(*, states: Iterable[str], plant: str = "plant", now: datetime | None = None) -> Q:
    """A condition on any queryset whose ``plant`` field is a plant: its badge is one of
    ``states``, decided as ``plant_badge_for_state`` decides it (tested against it), in the
    database: no plant ids fetched, no query but ``profiles_staleness``'s. A plant without
    telecontrol data is ``unknown``."""
    now = now or timezone.now()
    wanted = set(states)
    default_stale = TelecontrolProfile._meta.get_field("stale_after_seconds").get_default()
    profiles = profiles_staleness()

    # Data older than this is stale: the plant's own profile, else its kind's, else the default.
    # Cut-off moments computed here keep the SQL free of interval arithmetic (SQLite has none).
    def older(seconds: int) -> Value:
        return Value(shifted(now, -timedelta(seconds=seconds)))

    cutoff = Case(
        *(When(plant__telecontrol__profile=pk, then=older(stale)) for pk, _, stale in profiles),
        *(When(plant__kind=kind, then=older(stale)) for _, kind, stale in profiles),
        default=older(default_stale),
        output_field=DateTimeField(),
    )
    # The checks in plant_badge_for_state's order, the first that holds wins.
    badge = Case(
        When(Q(comms_lost=True) | Q(observed_at__isnull=True, outcome__in=FAILED_OUTCOMES),
             then=Value(BadgeState.UNREACHABLE.value)),
        When(observed_at__isnull=True, then=Value(BadgeState.UNKNOWN.value)),
        When(observed_at__lt=cutoff, then=Value(BadgeState.STALE.value)),
        When(out_of_service=True, then=Value(BadgeState.OUT_OF_SERVICE.value)),
        When(anomaly=True, then=Value(BadgeState.ANOMALY.value)),
        When(active=False, then=Value(BadgeState.INACTIVE.value)),
        default=Value(BadgeState.ACTIVE.value),
        output_field=CharField(),
    )  # fmt: skip
    # PostgreSQL cannot estimate how many rows a CASE keeps: it takes "badge IN (a few)" for a
    # small part of the plants. Asked for most states, the condition is written as "no state
    # outside them", which it takes for most plants: either way the board's query walks its
    # index in order and stops at its 200th row, rather than sorting every open intervention.
    states_of = PlantState.objects.filter(plant=OuterRef(plant))
    if len(wanted) * 2 <= len(BadgeState.values):
        condition = Q(Exists(states_of.annotate(badge=badge).filter(badge__in=wanted)))
        return condition | ~Q(Exists(states_of)) if BadgeState.UNKNOWN in wanted else condition
    others = set(BadgeState.values) - wanted
    condition = ~Q(Exists(states_of.annotate(badge=badge).filter(badge__in=others)))
    return condition if BadgeState.UNKNOWN in wanted else condition & Q(Exists(states_of))
