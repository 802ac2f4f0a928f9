"""The contract every inbound source keeps: a mailbox (IMAP) or a fax server's received queue.

A source hands over messages exactly as it holds them (``Fetched.raw``) and, once Pronto has
kept and processed one, is told to put it away (``done``: an IMAP mailbox moves it to its filed
folder). A message that failed is never put away: the next poll sees it again and retries it.
Sources never touch the database: ``inbound.services.polling`` keeps every message first.
Settings name the class per source (``PRONTO_INBOUND_SOURCES``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

KINDS = ("reply", "fax")


class SourceUnavailable(Exception):
    """The source could not be reached or refused us (down, timeout, bad login): try next poll."""


@dataclass(frozen=True)
class Fetched:
    """One message as its source holds it. ``key`` finds it again in the source (an IMAP UID,
    a queue's file name); ``message_id`` identifies it for good (its Message-ID header, else a
    name the source guarantees unique), so polling it twice keeps it once."""

    key: str
    raw: bytes
    message_id: str
    # What the source knows besides the bytes (HylaFAX: the sender's number and the pages).
    sender_number: str = ""
    received_at: datetime | None = None


class InboundSource:
    """A place messages come in from. Used as a context manager: ``__enter__`` connects (raising
    ``SourceUnavailable``), ``fetch`` lists what is there, ``done`` puts one message away,
    ``__exit__`` disconnects whatever happened."""

    description = "inbound source"

    def __init__(self, *, name: str, kind: str, **options: Any) -> None:
        self.name = name
        self.kind = kind
        self.options = options

    def check_config(self) -> None:
        """Raise ``ImproperlyConfigured`` when the settings could never work."""
        if self.kind not in KINDS:
            raise ImproperlyConfigured(f"inbound source {self.name!r}: KIND must be one of {KINDS}.")

    def __enter__(self) -> InboundSource:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        return None

    def fetch(self, *, limit: int) -> Iterator[Fetched]:
        """At most ``limit`` messages still in the source, oldest first."""
        return iter(())

    def done(self, fetched: Fetched) -> None:
        """Put a processed message away, so the next poll does not see it again."""


def inbound_sources() -> list[InboundSource]:
    """The sources in settings, each built and its configuration checked; none: nothing is
    polled (the demo's default: no mailbox and no fax server to ask)."""
    sources: list[InboundSource] = []
    for name, config in settings.PRONTO_INBOUND_SOURCES.items():
        cls = import_string(config["BACKEND"])
        if not (isinstance(cls, type) and issubclass(cls, InboundSource)):
            raise ImproperlyConfigured(
                f"inbound source {name!r}: {config['BACKEND']} is not an InboundSource."
            )
        source = cls(name=name, kind=config.get("KIND", ""), **config.get("OPTIONS", {}))
        source.check_config()
        sources.append(source)
    return sources
