"""Email through an SMTP relay (the utility's mail server, or a local MTA that queues).

One ``send`` is one SMTP session: connect, EHLO, STARTTLS and AUTH when configured, then one
MAIL / RCPT... / DATA transaction. Every network step (connect, each command's reply, the upload
of the message) waits at most ``timeout`` seconds for the server.

What the server says decides what the outbox does next:

- a 5xx answer to MAIL FROM, to any RCPT TO or to the message (DATA) -> ``GatewayRejected`` with
  the server's code and text (the address or the message is refused: retrying will not help);
- a 4xx answer anywhere -> ``GatewayUnavailable`` (greylisting, a full queue, a busy server);
- no connection, a timeout, a dropped connection, a failed TLS handshake or login, a missing
  STARTTLS when it is required, a server that wants a login or STARTTLS first (530), any answer
  before MAIL FROM -> ``GatewayUnavailable``: none of those is about this message.

A message goes to all its recipients or to none: any refused recipient aborts the transaction
before DATA. Every copy of a notification carries ``Message-ID: <{idempotency_key}@pronto>``,
so if an attempt ended without the server's final answer (a timeout after DATA) and the message
is sent again, mail systems and readers can recognise the second copy as the same message.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.policy import SMTPUTF8 as SMTPUTF8_POLICY
from email.utils import formatdate, parseaddr
from hashlib import sha256
from pathlib import Path
from typing import Any, NoReturn

from django.core.exceptions import ImproperlyConfigured

from .base import GatewayRejected, GatewayUnavailable, NotificationBackend, OutgoingMessage, SendResult

# What may stand left of the "@" in a Message-ID without quoting (RFC 5322 dot-atom-text, less the
# characters some mail filters choke on).
_MESSAGE_ID_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
MESSAGE_ID_DOMAIN = "pronto"


def _reply_text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return " ".join(text.split())


def _reason(code: int, reply: bytes | str) -> str:
    return f"{code} {_reply_text(reply)}".strip()


class SmtpEmailBackend(NotificationBackend):
    """Sends ``OutgoingMessage`` as a MIME email (UTF-8 text body, attachments as given) through
    the SMTP server in settings. Subclasses change where it goes (``recipients``) and what it
    carries (``build_email``); ``send`` keeps the session, timeouts and error mapping."""

    channel = "email"
    description = "email: sent through the SMTP server in settings"

    def __init__(
        self,
        *,
        host: str = "",
        port: int = 25,
        username: str = "",
        password: str = "",
        starttls: bool = False,
        timeout: float = 10.0,
        from_address: str = "",
        tls_ca_file: str = "",
        local_hostname: str = "",
        **options: Any,
    ) -> None:
        # Other channels' options in the same settings block (hylafax_*, address_template) are
        # kept in ``self.options`` for subclasses and otherwise ignored.
        super().__init__(**options)
        self.host = host
        self.port = int(port)
        self.username = username
        self.password = password
        self.starttls = bool(starttls)
        self.timeout = float(timeout)
        self.from_address = from_address
        self.tls_ca_file = tls_ca_file
        # The name said in EHLO; empty: smtplib's choice (this machine's FQDN, else its address),
        # which costs a name lookup per session.
        self.local_hostname = local_hostname

    def check_config(self) -> None:
        """Raise ``ImproperlyConfigured`` when no message could ever leave: no host, no sender,
        a port or timeout out of range, a login without a password, a CA file that is not there."""
        if not self.host:
            raise ImproperlyConfigured(f"{type(self).__name__}: the SMTP host is not set.")
        if not self.from_address or "@" not in parseaddr(self.from_address)[1]:
            raise ImproperlyConfigured(
                f"{type(self).__name__}: from_address {self.from_address!r} is not an email address."
            )
        if not 0 < self.port < 65536:
            raise ImproperlyConfigured(f"{type(self).__name__}: SMTP port {self.port} is out of range.")
        if self.timeout <= 0:
            raise ImproperlyConfigured(f"{type(self).__name__}: the SMTP timeout must be positive.")
        if self.username and not self.password:
            raise ImproperlyConfigured(f"{type(self).__name__}: an SMTP username is set without a password.")
        if self.tls_ca_file and not Path(self.tls_ca_file).is_file():
            raise ImproperlyConfigured(
                f"{type(self).__name__}: tls_ca_file {self.tls_ca_file!r} is not a file."
            )

    # -- what is sent -----------------------------------------------------------------------

    def recipients(self, message: OutgoingMessage) -> list[str]:
        """The envelope recipients (RCPT TO), also written in the To header. Raises
        ``GatewayRejected`` for an address no server could take; never touches the network."""
        address = message.recipient.strip()
        _name, parsed = parseaddr(address)
        local, _, domain = parsed.rpartition("@")
        if parsed != address or not local or not domain or any(ch.isspace() for ch in address):
            raise GatewayRejected(f"not an email address: {message.recipient!r}")
        return [address]

    def message_id(self, message: OutgoingMessage) -> str:
        """``<{idempotency_key}@pronto>``, the same for every attempt at one notification; a key
        that cannot stand in a Message-ID as it is gets replaced by its SHA-256 (still the same
        for every attempt)."""
        key = message.idempotency_key
        if not _MESSAGE_ID_LOCAL.match(key) or len(key) > 200:
            key = "k" + sha256(key.encode()).hexdigest()[:40]
        return f"<{key}@{MESSAGE_ID_DOMAIN}>"

    def build_email(self, message: OutgoingMessage) -> EmailMessage:
        """The MIME message: UTF-8 subject and text body, attachments as given, ``Message-ID``
        from the idempotency key and ``X-Pronto-Notification: <notification id>``."""
        email = EmailMessage()
        # A header value may not hold a line break; a subject typed with one is still one line.
        email["Subject"] = " ".join(message.subject.split())
        email["From"] = self.from_address
        email["To"] = ", ".join(self.recipients(message))
        email["Date"] = formatdate(localtime=True)
        email["Message-ID"] = self.message_id(message)
        email["X-Pronto-Notification"] = str(message.notification_id)
        # RFC 3834: vacation responders and the like must not answer a machine.
        email["Auto-Submitted"] = "auto-generated"
        email.set_content(message.body, charset="utf-8")
        for attachment in message.attachments:
            maintype, _, subtype = attachment.content_type.partition("/")
            if not subtype:
                maintype, subtype = "application", "octet-stream"
            email.add_attachment(
                attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename
            )
        return email

    def tls_context(self) -> ssl.SSLContext:
        """What STARTTLS verifies the server against: the system's CAs, or ``tls_ca_file``."""
        return ssl.create_default_context(cafile=self.tls_ca_file or None)

    # -- the session ------------------------------------------------------------------------

    def send(self, message: OutgoingMessage) -> SendResult:
        """One SMTP session that hands the message to the server. Returns once the server has
        answered 250 to the message (``gateway_id``: the Message-ID; ``detail``: the server's
        answer, e.g. "250 2.0.0 Ok: queued as 4F3A2"); raises ``GatewayRejected`` or
        ``GatewayUnavailable`` as the module says. Recipients are checked before connecting."""
        email = self.build_email(message)
        recipients = self.recipients(message)
        smtputf8 = not all(address.isascii() for address in [self.from_address, *recipients])
        payload = email.as_bytes(policy=SMTPUTF8_POLICY if smtputf8 else SMTP_POLICY)
        message_id = email["Message-ID"]

        smtp: smtplib.SMTP | None = None
        # Whether the server is still answering: then the session ends with QUIT. After a timeout
        # or a broken connection it is just closed, or QUIT would wait a second ``timeout``.
        answering = False
        try:
            # Connects and reads the greeting (SMTPConnectError unless 220).
            smtp = smtplib.SMTP(
                self.host, self.port, local_hostname=self.local_hostname or None, timeout=self.timeout
            )
            self._open(smtp)
            final = self._transaction(smtp, recipients, payload, smtputf8)
            answering = True
        except (GatewayRejected, GatewayUnavailable):
            answering = smtp is not None and smtp.sock is not None
            raise
        except smtplib.SMTPServerDisconnected as exc:
            # smtplib reports a read that timed out as a lost connection.
            if isinstance(exc.__context__, TimeoutError):
                raise GatewayUnavailable(
                    f"SMTP {self.host}:{self.port}: no answer within {self.timeout:g} s"
                ) from exc
            raise GatewayUnavailable(f"SMTP {self.host}:{self.port}: connection closed ({exc})") from exc
        except smtplib.SMTPResponseException as exc:
            # Answers outside the transaction (greeting, EHLO, STARTTLS, AUTH) are about the
            # server or our account, never about this message: a 5xx there is not a rejection.
            answering = True
            raise GatewayUnavailable(
                f"SMTP {self.host}:{self.port}: {_reason(exc.smtp_code, exc.smtp_error)}"
            ) from exc
        except smtplib.SMTPException as exc:
            answering = True
            raise GatewayUnavailable(f"SMTP {self.host}:{self.port}: {exc}") from exc
        except TimeoutError as exc:
            raise GatewayUnavailable(
                f"SMTP {self.host}:{self.port}: no answer within {self.timeout:g} s"
            ) from exc
        except OSError as exc:
            raise GatewayUnavailable(f"SMTP {self.host}:{self.port}: {exc}") from exc
        finally:
            if smtp is not None:
                self._close(smtp, polite=answering)
        return SendResult(gateway_id=message_id, detail=final)

    def _open(self, smtp: smtplib.SMTP) -> None:
        """EHLO, then STARTTLS and AUTH as configured."""
        smtp.ehlo_or_helo_if_needed()
        if self.starttls:
            # Without this check smtplib would raise too, but a server that silently stopped
            # offering STARTTLS must never make us send credentials and summaries in clear.
            if not smtp.has_extn("starttls"):
                raise GatewayUnavailable(
                    f"SMTP {self.host}:{self.port}: STARTTLS is required but the server does not offer it"
                )
            smtp.starttls(context=self.tls_context())
            smtp.ehlo()
        if self.username:
            smtp.login(self.username, self.password)

    def _transaction(self, smtp: smtplib.SMTP, recipients: list[str], payload: bytes, smtputf8: bool) -> str:
        """MAIL, RCPT for each recipient, DATA; the server's final answer text. Called by hand
        rather than through ``sendmail`` to keep the final "250 ... queued as" answer and to
        refuse the whole message when any recipient is refused."""
        options: list[str] = []
        if smtputf8:
            if not smtp.has_extn("smtputf8"):
                raise GatewayRejected(
                    f"SMTP {self.host}:{self.port} cannot take non-ASCII addresses (no SMTPUTF8)"
                )
            options.append("SMTPUTF8")
            if smtp.has_extn("8bitmime"):
                options.append("BODY=8BITMIME")
        code, reply = smtp.mail(self.from_address, options)
        if code == 530:
            # "Authentication required" / "Must issue a STARTTLS command first": our settings
            # lack a login or STARTTLS, which no message of ours would get past either.
            raise GatewayUnavailable(
                f"SMTP {self.host}:{self.port}: the server wants STARTTLS or a login first: "
                f"{_reason(code, reply)}"
            )
        if code != 250:
            self._fail(smtp, f"sender {self.from_address} refused", code, reply)
        refused: list[tuple[str, int, bytes]] = []
        for recipient in recipients:
            code, reply = smtp.rcpt(recipient)
            if code not in (250, 251):
                refused.append((recipient, code, reply))
        if refused:
            # A permanent refusal of any recipient decides: a retry would be refused again.
            permanent = [item for item in refused if item[1] >= 500]
            recipient, code, reply = (permanent or refused)[0]
            self._fail(smtp, f"recipient {recipient} refused", code, reply)
        try:
            code, reply = smtp.data(payload)
        except smtplib.SMTPDataError as exc:
            # DATA itself (before the message) was refused.
            self._fail(smtp, "message refused", exc.smtp_code, exc.smtp_error)
        if code != 250:
            self._fail(smtp, "message refused", code, reply)
        return _reason(code, reply)

    def _fail(self, smtp: smtplib.SMTP, what: str, code: int, reply: bytes | str) -> NoReturn:
        """Abandon the transaction and raise what ``code`` means."""
        try:
            smtp.rset()
        except (smtplib.SMTPException, OSError):
            pass
        reason = f"SMTP {self.host}:{self.port}: {what}: {_reason(code, reply)}"
        if 500 <= code < 600:
            raise GatewayRejected(reason)
        raise GatewayUnavailable(reason)

    def _close(self, smtp: smtplib.SMTP, *, polite: bool) -> None:
        # QUIT is a courtesy: once the server said 250 to the message it is sent, and a QUIT that
        # times out or finds the connection gone must not turn that into a failure.
        if polite and smtp.sock is not None:
            try:
                smtp.quit()
                return
            except (smtplib.SMTPException, OSError):
                pass
        smtp.close()
