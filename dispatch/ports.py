"""What the core asks of the apps built on it, and the place where they plug in.

``dispatch`` is the bottom layer: telecontrol, notifications and the capabilities build on its
models and services, never the reverse (import-linter keeps it so). Where a core service must
hear from an outer app *inside its own transaction* — the outbox rows of an assignment commit
or roll back with the assignment; the plant's reported state is written into the call's
history as it was when the call was tied to it — the core calls an interface it owns here,
and the outer app registers its implementation in its ``AppConfig.ready()``. The wiring is
explicit (no signal hides it) and ``manage.py check`` refuses to start without it
(``dispatch.E010``/``E011``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from django.core import checks

if TYPE_CHECKING:
    from datetime import datetime

    from .models import Callback, Intervention, Plant


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


class _Registry:
    """One implementation per port, registered once at start-up."""

    def __init__(self) -> None:
        self.notifier: Notifier | None = None
        self.plant_telemetry: PlantTelemetry | None = None


_registry = _Registry()


def notifier_register(implementation: Notifier) -> None:
    _registry.notifier = implementation


def plant_telemetry_register(implementation: PlantTelemetry) -> None:
    _registry.plant_telemetry = implementation


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
    return errors
