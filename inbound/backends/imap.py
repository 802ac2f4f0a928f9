"""A mailbox read over IMAP (``imap-tools``): the technicians' replies, or the faxes an
email-to-fax provider delivers as PDF or TIFF attachments.

Messages are read with ``BODY.PEEK[]`` (nothing is marked seen: the mailbox stays as a person
left it) and kept byte for byte; a processed one is moved (IMAP MOVE, or COPY + delete where the
server lacks MOVE) to ``done_folder``, created on first use. A failed one stays in ``folder``.
"""

from __future__ import annotations

import hashlib
import imaplib
import ssl
from collections.abc import Iterator
from email.parser import BytesHeaderParser
from email.policy import compat32
from types import TracebackType
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from imap_tools import BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted, MailMessage
from imap_tools.errors import ImapToolsError

from .base import Fetched, InboundSource, SourceUnavailable

SECURITY = ("ssl", "starttls", "none")


class _RawMessage(MailMessage):
    """imap-tools' message, keeping the bytes the server sent (``MailMessage`` only keeps them
    parsed, and re-serialising a parsed message is not byte-exact)."""

    def __init__(self, fetch_data: list[Any]) -> None:
        super().__init__(fetch_data)
        self.raw_bytes: bytes = self._get_message_data_parts(fetch_data)[0]


def _message_id(raw: bytes) -> str:
    """The Message-ID header; a message without one (or with an empty one) is named by its
    SHA-256, which is as stable as its bytes."""
    headers = BytesHeaderParser(policy=compat32).parsebytes(raw)
    value = " ".join(str(headers.get("Message-ID", "") or "").split())
    return value[:255] if value else "sha256:" + hashlib.sha256(raw).hexdigest()


class ImapMailboxSource(InboundSource):
    description = "IMAP mailbox"

    def __init__(
        self,
        *,
        name: str,
        kind: str,
        host: str = "",
        port: int = 993,
        username: str = "",
        password: str = "",
        security: str = "ssl",
        folder: str = "INBOX",
        done_folder: str = "Pronto/Filed",
        timeout: float = 30.0,
        tls_ca_file: str = "",
        **options: Any,
    ) -> None:
        super().__init__(name=name, kind=kind, **options)
        self.host = host
        self.port = int(port)
        self.username = username
        self.password = password
        self.security = security
        self.folder = folder
        self.done_folder = done_folder
        self.timeout = float(timeout)
        self.tls_ca_file = tls_ca_file
        self.mailbox: BaseMailBox | None = None
        self.done_path = done_folder

    def check_config(self) -> None:
        super().check_config()
        where = f"inbound source {self.name!r} (IMAP)"
        if not self.host or not self.username or not self.password:
            raise ImproperlyConfigured(f"{where}: host, username and password are required.")
        if self.security not in SECURITY:
            raise ImproperlyConfigured(f"{where}: security must be one of {SECURITY}.")
        if not 0 < self.port < 65536 or self.timeout <= 0:
            raise ImproperlyConfigured(f"{where}: the port or the timeout is out of range.")
        if not self.done_folder or self.done_folder == self.folder:
            raise ImproperlyConfigured(f"{where}: done_folder must name another folder than {self.folder!r}.")

    def _connect(self) -> BaseMailBox:
        if self.security == "ssl":
            context = ssl.create_default_context(cafile=self.tls_ca_file or None)
            return MailBox(self.host, self.port, timeout=self.timeout, ssl_context=context)
        if self.security == "starttls":
            context = ssl.create_default_context(cafile=self.tls_ca_file or None)
            return MailBoxStartTls(self.host, self.port, timeout=self.timeout, ssl_context=context)
        return MailBoxUnencrypted(self.host, self.port, timeout=self.timeout)

    def __enter__(self) -> ImapMailboxSource:
        try:
            mailbox = self._connect()
            mailbox.email_message_class = _RawMessage
            mailbox.login(self.username, self.password, initial_folder=self.folder)
            # Settings write the folder with "/"; the server may separate levels with ".".
            listed = mailbox.folder.list(search_args="%")
            delimiter = listed[0].delim if listed and listed[0].delim else "/"
            self.done_path = self.done_folder.replace("/", delimiter)
            if not mailbox.folder.exists(self.done_path):
                mailbox.folder.create(self.done_path)
        except (TimeoutError, ImapToolsError, imaplib.IMAP4.error, OSError) as exc:
            raise SourceUnavailable(f"IMAP {self.host}:{self.port} ({self.name}): {exc}") from exc
        self.mailbox = mailbox
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        mailbox, self.mailbox = self.mailbox, None
        if mailbox is not None:
            try:
                mailbox.logout()
            except (ImapToolsError, imaplib.IMAP4.error, OSError):
                pass

    def fetch(self, *, limit: int) -> Iterator[Fetched]:
        assert self.mailbox is not None, "fetch outside `with source:`"
        try:
            for message in self.mailbox.fetch("ALL", mark_seen=False, limit=limit):
                raw = message.raw_bytes if isinstance(message, _RawMessage) else bytes(message.obj)
                yield Fetched(key=str(message.uid), raw=raw, message_id=_message_id(raw))
        except (ImapToolsError, imaplib.IMAP4.error, OSError) as exc:
            raise SourceUnavailable(f"IMAP {self.host}:{self.port} ({self.name}): {exc}") from exc

    def done(self, fetched: Fetched) -> None:
        assert self.mailbox is not None, "done outside `with source:`"
        try:
            self.mailbox.move(fetched.key, self.done_path)
        except (ImapToolsError, imaplib.IMAP4.error, OSError) as exc:
            raise SourceUnavailable(f"IMAP {self.host}:{self.port} ({self.name}): {exc}") from exc
