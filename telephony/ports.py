"""What telephony asks of the router, and where the router plugs in.

The webhook belongs to telephony; the router (the ``routing`` app) sits above it. Each event the
phone system reports is applied to the call log here, then handed to the router *in the same
transaction*, so an operator's state and the call's log never disagree. ``routing`` registers
its implementation in its ``AppConfig.ready()``; ``manage.py check`` refuses to start without it
(``telephony.E002``).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from django.core import checks

if TYPE_CHECKING:
    from dispatch.models import Call


class CallRouting(Protocol):
    def event_applied(
        self, *, call: Call, event: str, occurred_at: datetime, agent: str, callback_at: datetime | None
    ) -> None:
        """The phone system reported ``event`` for ``call``; ``agent`` as it named them."""


class _Registry:
    def __init__(self) -> None:
        self.call_routing: CallRouting | None = None


_registry = _Registry()


def call_routing_register(implementation: CallRouting) -> None:
    _registry.call_routing = implementation


def call_routing() -> CallRouting:
    if _registry.call_routing is None:
        raise RuntimeError("No CallRouting registered: is the routing app installed?")
    return _registry.call_routing


def ports_check(app_configs: object = None, **kwargs: object) -> list[checks.CheckMessage]:
    if _registry.call_routing is not None:
        return []
    return [
        checks.Error(
            "No CallRouting is registered: operators' states would not follow their calls.",
            hint="Install the 'routing' app (it registers one in its AppConfig.ready()).",
            id="telephony.E002",
        )
    ]
