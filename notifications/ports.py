"""Where the outbox lets an app above it hear inbound SMS (docs/architecture.md, the ports).

The Kannel door (``notifications.api.views.SmsInboundView``) applies a technician's
acknowledgement itself; a reply that is not one (the sender is no technician, or the text is no
"OK") is offered to each registered handler in turn, and the first answer that is not ``None``
is what Kannel texts back. ``feedback`` registers its survey replies here in ``ready()``.
"""

from __future__ import annotations

from typing import Protocol


class InboundSmsHandler(Protocol):
    def sms_received(self, *, number: str, text: str) -> str | None:
        """Handle an SMS from ``number`` (E.164, "" when it did not parse) if it is yours:
        return the answer to text back ("" for none), else ``None`` to let the next handler try.
        Called outside any transaction; the handler opens its own."""
        ...


_handlers: list[InboundSmsHandler] = []


def inbound_sms_handler_register(handler: InboundSmsHandler) -> None:
    """Register ``handler`` once per class (``ready()`` may run twice in tests)."""
    if not any(type(known) is type(handler) for known in _handlers):
        _handlers.append(handler)


def inbound_sms_offer(*, number: str, text: str) -> str | None:
    """The first registered handler's answer to this SMS, or ``None`` when none takes it."""
    for handler in _handlers:
        answer = handler.sms_received(number=number, text=text)
        if answer is not None:
            return answer
    return None
