"""A real SMTP server on loopback for the email and email-to-fax tests (aiosmtpd, in a thread).

``SmtpSink`` takes every message it is given and keeps it (``messages``: envelope sender,
envelope recipients, the raw bytes as received), and misbehaves on request:

- a recipient containing one of ``reject`` ("reject" by default) is refused with 550, one
  containing one of ``defer`` ("defer") with 451 (try again later);
- ``mail_reply`` / ``data_reply``: answer MAIL FROM / the message with this line instead of 250
  (e.g. "554 5.7.1 Message refused", "452 4.3.1 Insufficient storage");
- ``slow_seconds``: wait this long after the message before answering it (longer than a
  client's timeout, so the client gives up);
- ``stop()`` / ``start()``: the server goes away and comes back on the same port;
- ``credentials=(user, password)``: AUTH PLAIN/LOGIN offered and checked (without TLS);
- ``tls_context`` (+ ``require_starttls``): STARTTLS offered (see ``self_signed_certificate``).

The attributes may be changed while the server runs; each session reads them as it goes.
"""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from itertools import count
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.servers import LOOPBACK, free_port


@dataclass(frozen=True)
class ReceivedEmail:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    queue_id: str
    authenticated_as: str = ""
    # Whether the session had switched to TLS (STARTTLS) before the message.
    tls: bool = False

    def message(self) -> EmailMessage:
        """The received bytes parsed by the standard library, as a mail client would."""
        return BytesParser(policy=policy.default).parsebytes(self.content)  # type: ignore[return-value]


class _SinkHandler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.sink.mail_reply:
            return self.sink.mail_reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        lowered = address.lower()
        if any(word in lowered for word in self.sink.reject):
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if any(word in lowered for word in self.sink.defer):
            return f"451 4.3.0 <{address}>: Temporary failure, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.sink.slow_seconds:
            await asyncio.sleep(self.sink.slow_seconds)
        if self.sink.data_reply:
            return self.sink.data_reply
        return self.sink._accept(envelope, session)


class _Controller(Controller):
    """Counts the connections the server accepts (one SMTP protocol object each)."""

    def __init__(self, sink: SmtpSink, **kwargs) -> None:
        self.sink = sink
        super().__init__(_SinkHandler(sink), **kwargs)

    def factory(self):
        self.sink._connections += 1
        return super().factory()


class SmtpSink:
    def __init__(
        self,
        *,
        host: str = LOOPBACK,
        port: int | None = None,
        reject: Iterable[str] = ("reject",),
        defer: Iterable[str] = ("defer",),
        credentials: tuple[str, str] | None = None,
        tls_context: ssl.SSLContext | None = None,
        require_starttls: bool = False,
    ) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.reject = tuple(word.lower() for word in reject)
        self.defer = tuple(word.lower() for word in defer)
        self.credentials = credentials
        self.tls_context = tls_context
        self.require_starttls = require_starttls
        self.mail_reply = ""
        self.data_reply = ""
        self.slow_seconds = 0.0
        self.messages: list[ReceivedEmail] = []
        self._connections = 0
        self._arrived = threading.Condition()
        self._queue_ids = count(0x4F3A0)
        self._controller: _Controller | None = None

    def __repr__(self) -> str:
        return f"<SmtpSink {self.host}:{self.port} {'up' if self.running else 'down'}>"

    @property
    def running(self) -> bool:
        return self._controller is not None

    @property
    def connections(self) -> int:
        """Connections accepted since the last ``start()``."""
        return self._connections

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        if self.credentials and isinstance(auth_data, LoginPassword):
            given = (auth_data.login.decode(), auth_data.password.decode())
            if given == self.credentials:
                return AuthResult(success=True, auth_data=given[0])
        return AuthResult(success=False, handled=False)

    def _accept(self, envelope, session) -> str:
        queue_id = f"{next(self._queue_ids):X}"
        login = session.auth_data if isinstance(session.auth_data, str) else ""
        received = ReceivedEmail(
            mail_from=envelope.mail_from,
            rcpt_tos=list(envelope.rcpt_tos),
            content=bytes(envelope.original_content or envelope.content),
            queue_id=queue_id,
            authenticated_as=login,
            tls=session.ssl is not None,
        )
        with self._arrived:
            self.messages.append(received)
            self._arrived.notify_all()
        return f"250 2.0.0 Ok: queued as {queue_id}"

    def start(self) -> SmtpSink:
        """Listen on ``port`` (the same one after a ``stop()``); return once it answers."""
        if self._controller is not None:
            return self
        kwargs: dict = {"hostname": self.host, "port": self.port, "ready_timeout": 10.0}
        if self.credentials:
            # Tests check the login exchange, not TLS: allow AUTH in clear on loopback.
            kwargs.update(authenticator=self._authenticate, auth_require_tls=False)
        if self.tls_context is not None:
            kwargs.update(tls_context=self.tls_context, require_starttls=self.require_starttls)
        controller = _Controller(self, **kwargs)
        controller.start()
        self._controller = controller
        # start() opened one connection of its own to check the server answers.
        self._connections = 0
        return self

    def stop(self) -> None:
        """Close the listener and every open session (a slow answer in progress is dropped)."""
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def wait_for(self, number: int, timeout: float = 5.0) -> list[ReceivedEmail]:
        """The messages once at least ``number`` arrived; ``TimeoutError`` otherwise."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.messages) < number:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{len(self.messages)} of {number} messages arrived in {timeout} s")
                self._arrived.wait(remaining)
            return list(self.messages)


@dataclass(frozen=True)
class TlsFiles:
    certificate: Path
    key: Path
    hosts: tuple[str, ...] = field(default=(LOOPBACK, "localhost"))

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.certificate, self.key)
        return context


def self_signed_certificate(directory: Path) -> TlsFiles | None:
    """A throwaway certificate for 127.0.0.1 and localhost, made with the ``openssl`` command;
    ``None`` when it is not installed."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    directory.mkdir(parents=True, exist_ok=True)
    files = TlsFiles(certificate=directory / "cert.pem", key=directory / "key.pem")
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(files.key),
            "-out",
            str(files.certificate),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return files
