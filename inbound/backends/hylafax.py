"""HylaFAX's received queue (``recvq``), where HylaFAX answers the centre's fax lines itself on
its modems: read over hfaxd's client protocol (FTP's, so ``ftplib`` carries it, as for sending
in ``notifications.backends.hylafax``).

``LIST recvq`` with a ``RCVFMT`` of our own gives each fax's file, pages, the sender's fax
identity (TSI) and caller id number, its time and whether it is still being received (those are
skipped until complete). Each complete fax is fetched whole (``RETR``, binary) as a TIFF and
named ``recvq:<file>:<time received>``, unique for good. HylaFAX keeps its queue (faxcron ages
it): ``done`` deletes the file only with ``delete_filed`` (and an ``admin_password``, as hfaxd
asks of whoever deletes others' faxes); otherwise filed faxes are skipped by name at the next
poll without being fetched again.
"""

from __future__ import annotations

import ftplib
import io
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from .base import Fetched, InboundSource, SourceUnavailable

# file | pages | TSI | caller id number | time received (extended: hfaxd's compact %t is not
# stable, it gave "11:25" on one LIST and nothing on the next) | "*" while receiving
RECEIVED_FORMAT = "%f|%p|%s|%j|%Y|%z"


class HylafaxRecvqSource(InboundSource):
    description = "HylaFAX received queue"

    def __init__(
        self,
        *,
        name: str,
        kind: str,
        host: str = "",
        port: int = 4559,
        username: str = "",
        password: str = "",
        admin_password: str = "",
        timeout: float = 30.0,
        delete_filed: bool = False,
        **options: Any,
    ) -> None:
        super().__init__(name=name, kind=kind, **options)
        self.host = host
        self.port = int(port)
        self.username = username
        self.password = password
        self.admin_password = admin_password
        self.timeout = float(timeout)
        self.delete_filed = bool(delete_filed)
        self.ftp: ftplib.FTP | None = None
        # Set by the poller: whether a message id is already done with (not fetched again).
        self.is_done: Callable[[str], bool] = lambda message_id: False

    def check_config(self) -> None:
        super().check_config()
        where = f"inbound source {self.name!r} (HylaFAX)"
        if self.kind != "fax":
            raise ImproperlyConfigured(f"{where}: KIND must be fax.")
        if not self.host or not self.username or not 0 < self.port < 65536 or self.timeout <= 0:
            raise ImproperlyConfigured(f"{where}: host, username, port and timeout are required.")
        if self.delete_filed and not self.admin_password:
            raise ImproperlyConfigured(f"{where}: delete_filed needs the admin_password.")

    def __enter__(self) -> HylafaxRecvqSource:
        ftp = ftplib.FTP()
        try:
            ftp.connect(self.host, self.port, timeout=self.timeout)
            ftp.login(self.username, self.password)
            if self.admin_password:
                ftp.sendcmd(f"ADMIN {self.admin_password}")
            ftp.sendcmd(f'RCVFMT "{RECEIVED_FORMAT}"')
        except (ftplib.Error, OSError, EOFError) as exc:
            ftp.close()
            raise SourceUnavailable(f"HylaFAX {self.host}:{self.port} ({self.name}): {exc}") from exc
        self.ftp = ftp
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        ftp, self.ftp = self.ftp, None
        if ftp is not None:
            try:
                ftp.quit()
            except (ftplib.Error, OSError, EOFError):
                ftp.close()

    def fetch(self, *, limit: int) -> Iterator[Fetched]:
        assert self.ftp is not None, "fetch outside `with source:`"
        ftp = self.ftp
        try:
            lines: list[str] = []
            ftp.retrlines("LIST recvq", lines.append)
            taken = 0
            for line in sorted(lines):
                fields = line.split("|")
                if len(fields) != 6 or fields[5].strip() == "*" or not fields[0].strip():
                    continue
                filename, _pages, tsi, cid, when, _busy = (field.strip() for field in fields)
                message_id = f"recvq:{filename}:{when}"
                if self.is_done(message_id):
                    continue
                buffer = io.BytesIO()
                ftp.retrbinary(f"RETR recvq/{filename}", buffer.write)
                yield Fetched(
                    key=filename, raw=buffer.getvalue(), message_id=message_id, sender_number=cid or tsi
                )
                taken += 1
                if taken >= limit:
                    return
        except (ftplib.Error, OSError, EOFError) as exc:
            raise SourceUnavailable(f"HylaFAX {self.host}:{self.port} ({self.name}): {exc}") from exc

    def done(self, fetched: Fetched) -> None:
        if not self.delete_filed or self.ftp is None:
            return
        try:
            self.ftp.sendcmd(f"DELE recvq/{fetched.key}")
        except (ftplib.Error, OSError, EOFError) as exc:
            raise SourceUnavailable(f"HylaFAX {self.host}:{self.port} ({self.name}): {exc}") from exc
