"""What the core asks of the apps built on it, and the place where they plug in.

``dispatch`` is the bottom layer: telecontrol, notifications and the capabilities build on its
models and services, never the reverse (import-linter keeps it so). Where a core service must
hear from an outer app *inside its own transaction* — the outbox rows of an assignment commit
or roll back with the assignment; the plant's reported state is written into the call's
history as it was when the call was tied to it — the core calls an interface it owns here,
and the outer app registers its implementation in its ``AppConfig.ready()``. The wiring is
explicit (no signal hides it) and ``manage.py check`` refuses to start without it
(``dispatch.E010`` to ``E014``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from django.core import checks

if TYPE_CHECKING:
    from datetime import datetime

    from .models import Call, Callback, Intervention, Plant, PlantDocument


class Notifier(Protocol):
    """Tells people about what happened to an intervention or a callback. Called inside the
    service's transaction: an implementation writes rows (an outbox) and sends after commit."""

    def intervention_assigned(
        self, *, intervention: Intervention, previous_technician_id: int | None
    ) -> None:
        """The intervention was just assigned (or re-assigned) to ``intervention.technician``."""

    def intervention_cancelled(self, *, intervention: Intervention) -> None:
        """A supervisor cancelled the intervention."""

    def callback_due(self, *, callback: Callback, now: datetime) -> None:
        """A callback has come due: remind whoever must make it."""


class PlantTelemetry(Protocol):
    """What the plant itself reports, as far as the core needs to know."""

    def status_snapshot(self, *, plant_id: int) -> dict[str, Any]:
        """The plant's reported state now, as plain JSON, to keep in a history event."""

    def faults_reported(self, *, plant: Plant) -> list[str]:
        """The faults the plant still reports (anomaly, out of service, alarms); empty if none."""

    def status_lines(self, *, plant_id: int) -> list[str]:
        """The plant's reported state now as a few lines of text in the active language (for
        paper: the dispatch fax); one line saying there is no data when there is none."""


class AccessLog(Protocol):
    """Keeps who read a person's data (ADR 0002, docs/privacy.md): the pages and API views that
    show a caller's history or a photo call it once each, after the row was found for the user
    (a refused request logs nothing). One INSERT; never called from selectors, lists or the board."""

    def accessed(
        self,
        *,
        user: Any,
        kind: str,
        call: Call | None = None,
        intervention: Intervention | None = None,
        document: PlantDocument | None = None,
        reason: str = "",
    ) -> None:
        """``user`` just read ``kind`` (``privacy.choices.AccessKind``) of the row given."""


class CaseVerification(Protocol):
    """Whether a completed case may be closed yet: a case type may keep it in verification for
    some days after the work, to see that all still works (``clocks``)."""

    def verifying_until(self, *, intervention: Intervention) -> datetime | None:
        """The end of the case's verification period, or None when it has none."""


class OnCallLookup(Protocol):
    """Who of the technicians is on call for a plant: through the teams whose area covers it,
    then their backup teams (``oncall``). The technician suggestion puts them first."""

    def on_call_for(self, *, plant: Plant, at: datetime) -> list[OnCallEntry]:
        """Those on call for ``plant`` at ``at``, in the order to call them."""


class OnCallEntry(NamedTuple):
    technician_id: int
    team_name: str
    via_backup: bool


class IncidentCover(NamedTuple):
    """An open major incident whose reach covers a plant."""

    incident_id: int
    lead_intervention_id: int | None
    auto_attach: bool


class MajorIncidentLookup(Protocol):
    """Whether a plant is within the reach of an open major incident (``incidents``): an alarm
    there attaches to the incident's own case instead of opening a duplicate intervention, and a
    call logged on it joins the incident when its rule says so."""

    def covering(self, *, plant_id: int) -> IncidentCover | None:
        """The open incident covering ``plant_id`` (the most recently declared), or None."""

    def alarm_attached(self, *, incident_id: int, alarm: Any) -> None:
        """``alarm`` (a ``telecontrol.PlantAlarm``, saved) was attached to the incident's case."""

    def call_logged(self, *, call: Call) -> None:
        """A call was logged or tied to a plant: attach it when an incident covers it and says so."""


class _Registry:
    """One implementation per port, registered once at start-up."""

    def __init__(self) -> None:
        self.notifier: Notifier | None = None
        self.plant_telemetry: PlantTelemetry | None = None
        self.access_log: AccessLog | None = None
        self.case_verification: CaseVerification | None = None
        self.on_call: OnCallLookup | None = None
        self.major_incidents: MajorIncidentLookup | None = None


_registry = _Registry()


def notifier_register(implementation: Notifier) -> None:
    _registry.notifier = implementation


def plant_telemetry_register(implementation: PlantTelemetry) -> None:
    _registry.plant_telemetry = implementation


def access_log_register(implementation: AccessLog) -> None:
    _registry.access_log = implementation


def case_verification_register(implementation: CaseVerification) -> None:
    _registry.case_verification = implementation


def on_call_register(implementation: OnCallLookup) -> None:
    _registry.on_call = implementation


def major_incidents_register(implementation: MajorIncidentLookup) -> None:
    _registry.major_incidents = implementation


class PortMissing(RuntimeError):
    """A core service needed an outer app that never registered (it is not installed)."""


def notifier() -> Notifier:
    if _registry.notifier is None:
        raise PortMissing("No Notifier registered: is the notifications app installed?")
    return _registry.notifier


def plant_telemetry() -> PlantTelemetry:
    if _registry.plant_telemetry is None:
        raise PortMissing("No PlantTelemetry registered: is the telecontrol app installed?")
    return _registry.plant_telemetry


def access_log() -> AccessLog:
    if _registry.access_log is None:
        raise PortMissing("No AccessLog registered: is the privacy app installed?")
    return _registry.access_log


def case_verification() -> CaseVerification:
    if _registry.case_verification is None:
        raise PortMissing("No CaseVerification registered: is the clocks app installed?")
    return _registry.case_verification


def on_call() -> OnCallLookup:
    if _registry.on_call is None:
        raise PortMissing("No OnCallLookup registered: is the oncall app installed?")
    return _registry.on_call


def major_incidents() -> MajorIncidentLookup:
    if _registry.major_incidents is None:
        raise PortMissing("No MajorIncidentLookup registered: is the incidents app installed?")
    return _registry.major_incidents


def ports_check(app_configs: object = None, **kwargs: object) -> list[checks.CheckMessage]:
    """Refuse to start when a port has no implementation: an assignment would otherwise fail
    at 3 a.m. rather than at deployment."""
    errors: list[checks.CheckMessage] = []
    if _registry.notifier is None:
        errors.append(
            checks.Error(
                "No Notifier is registered: interventions could not notify their technicians.",
                hint="Install the 'notifications' app (it registers one in its AppConfig.ready()).",
                id="dispatch.E010",
            )
        )
    if _registry.plant_telemetry is None:
        errors.append(
            checks.Error(
                "No PlantTelemetry is registered: calls could not record the plant's state.",
                hint="Install the 'telecontrol' app (it registers one in its AppConfig.ready()).",
                id="dispatch.E011",
            )
        )
    if _registry.access_log is None:
        errors.append(
            checks.Error(
                "No AccessLog is registered: reading a caller's data would leave no trace.",
                hint="Install the 'privacy' app (it registers one in its AppConfig.ready()).",
                id="dispatch.E012",
            )
        )
    if _registry.case_verification is None:
        errors.append(
            checks.Error(
                "No CaseVerification is registered: a case could be closed before its verification.",
                hint="Install the 'clocks' app (it registers one in its AppConfig.ready()).",
                id="dispatch.E013",
            )
        )
    if _registry.on_call is None:
        errors.append(
            checks.Error(
                "No OnCallLookup is registered: the technician suggestion would ignore the on-call rotas.",
                hint="Install the 'oncall' app (it registers one in its AppConfig.ready()).",
                id="dispatch.E014",
            )
        )
    if _registry.major_incidents is None:
        errors.append(
            checks.Error(
                "No MajorIncidentLookup is registered: alarms under a major incident would each open a case.",
                hint="Install the 'incidents' app (it registers one in its AppConfig.ready()).",
                id="dispatch.E015",
            )
        )
    return errors


# A reason given with a read (``?reason=``: a request's page links the calls it names with one).
ACCESS_REASON_MAX_LENGTH = 300


def access_logged(
    request: Any,
    *,
    kind: str,
    call: Call | None = None,
    intervention: Intervention | None = None,
    document: PlantDocument | None = None,
) -> None:
    """Log that ``request.user`` read ``kind`` of the row given: called by the views, after the
    row was found for the user, once per request."""
    reason = str(request.GET.get("reason", ""))[:ACCESS_REASON_MAX_LENGTH].strip()
    access_log().accessed(
        user=request.user, kind=kind, call=call, intervention=intervention, document=document, reason=reason
    )
