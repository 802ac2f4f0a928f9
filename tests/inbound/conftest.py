"""Fixtures of the inbound tests: a private Dovecot with the two mailboxes and a real SMTP path
into it, the sources Pronto polls, and real faxes made by Pronto's own fax renderer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid

import pytest

from inbound.backends.imap import ImapMailboxSource
from tests.servers import started_or_skip
from tests.servers.dovecot import DovecotServer, SmtpToLmtp

PROVIDER = "fax-gateway.example"


@pytest.fixture
def dovecot() -> Iterator[DovecotServer]:
    server = started_or_skip("Dovecot", DovecotServer.create)
    yield server
    server.close()


@pytest.fixture
def mail_in(dovecot) -> Iterator[SmtpToLmtp]:
    """The SMTP server in front of Dovecot: ``mail_in.send(raw, to="faxes@pronto.test")``."""
    relay = SmtpToLmtp(dovecot).start()
    yield relay
    relay.stop()


@pytest.fixture
def sources(dovecot, settings) -> dict[str, ImapMailboxSource]:
    """Both mailboxes in settings, as production names them, and the built sources."""
    settings.PRONTO_INBOUND_SOURCES = {
        name: {
            "BACKEND": "inbound.backends.imap.ImapMailboxSource",
            "KIND": kind,
            "OPTIONS": dovecot.options(name),
        }
        for name, kind in (("replies", "reply"), ("faxes", "fax"))
    }
    return {
        name: ImapMailboxSource(name=name, kind=kind, **dovecot.options(name))
        for name, kind in (("replies", "reply"), ("faxes", "fax"))
    }


@pytest.fixture
def fax_rendered() -> Callable[..., bytes]:
    """A real fax page as Pronto's renderer makes it (``notifications.fax``): ``fmt`` "pdf" or
    "tiff". The ONE place these tests call the renderer, whose layout another change reworks:
    only this fixture follows its signature."""
    from notifications.fax import fax_pdf_render, fax_tiff_render

    def render(*, title: str, lines: list[str], fmt: str = "pdf") -> bytes:
        if fmt == "tiff":
            return fax_tiff_render(title=title, lines=lines, footer="Pronto")
        return fax_pdf_render(title=title, lines=lines, footer="Pronto")

    return render


def fax_email(*, sender_number: str, content: bytes, fmt: str = "pdf", subject: str | None = None) -> bytes:
    """What an email-to-fax provider delivers: the sender's number in the subject and the From
    address, the fax as a PDF or TIFF attachment."""
    message = EmailMessage()
    digits = sender_number.lstrip("+")
    message["From"] = f"{digits}@{PROVIDER}"
    message["To"] = "faxes@pronto.test"
    message["Subject"] = subject if subject is not None else f"Fax from {sender_number}"
    message["Message-ID"] = make_msgid(domain=PROVIDER)
    message.set_content(f"You received a fax from {sender_number}.")
    subtype, filename = ("pdf", "fax.pdf") if fmt == "pdf" else ("tiff", "fax.tif")
    message.add_attachment(
        content, maintype="application" if fmt == "pdf" else "image", subtype=subtype, filename=filename
    )
    return message.as_bytes(policy=SMTP)
