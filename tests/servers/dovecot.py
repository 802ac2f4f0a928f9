"""A private Dovecot (IMAP + LMTP) on loopback, and real SMTP delivery into it, for the inbound
mail tests.

``DovecotServer.create()`` writes a configuration of its own in a fresh temporary directory
(never /etc/dovecot; the machine's own Dovecot, if any, is left alone): IMAP and LMTP on free
loopback ports, no TLS, plain-text logins allowed (loopback only), a passwd-file with the test
users, Maildirs under the directory, and ``start()`` runs

    dovecot -F -c <dir>/dovecot.conf

in a process group of its own, so ``stop()`` ends it and its children by group id. As root,
Dovecot's login processes run as its own users (dovenull, dovecot) and mail as ``nobody``
(Dovecot refuses mail access as root); as another user, everything runs as that user.

``SmtpToLmtp`` is the mail server in front of it: an aiosmtpd SMTP server on a free port that
hands every message it accepts to Dovecot's LMTP, answering the SMTP client with LMTP's answer
(so a refused recipient is refused over SMTP too). Tests send with ``smtplib`` to it: the path
a message takes from the provider's or the technician's mail server into the mailbox Pronto
polls. Binary: ``$PRONTO_TEST_DOVECOT`` (scripts/ensure_dovecot.sh), else PATH, /usr/sbin.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import smtplib
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from aiosmtpd.controller import Controller

from tests.servers import LOOPBACK, free_port, wait_for_port

PASSWORD = "pronto-imap-test-password"


def dovecot_binary() -> str | None:
    configured = os.environ.get("PRONTO_TEST_DOVECOT")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    for candidate in (shutil.which("dovecot"), "/usr/sbin/dovecot"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
instance_name = pronto-test-{imap_port}
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap lmtp
listen = {host}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
mail_uid = {mail_uid}
mail_gid = {mail_gid}
first_valid_uid = 1
first_valid_gid = 1
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
lmtp_save_to_detail_mailbox = no
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = {host}
    port = {imap_port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = {host}
    port = {lmtp_port}
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


@dataclass
class DovecotServer:
    binary: str
    root: Path
    users: tuple[str, ...]
    imap_port: int = 0
    lmtp_port: int = 0
    host: str = LOOPBACK
    password: str = PASSWORD
    process: subprocess.Popen | None = field(default=None, repr=False)

    @classmethod
    def create(cls, users: tuple[str, ...] = ("replies", "faxes")) -> DovecotServer:
        binary = dovecot_binary()
        if binary is None:
            raise RuntimeError("dovecot not found (scripts/ensure_dovecot.sh installs dovecot-imapd)")
        root = Path(tempfile.mkdtemp(prefix="pronto-dovecot-"))
        server = cls(binary=binary, root=root, users=users, imap_port=free_port(), lmtp_port=free_port())
        server._write()
        return server

    def _write(self) -> None:
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            mail_uid, mail_gid = nobody.pw_uid, nobody.pw_gid
            login_user, internal_user, internal_group = "dovenull", "dovecot", "dovecot"
        else:
            me = pwd.getpwuid(os.geteuid())
            mail_uid, mail_gid = me.pw_uid, me.pw_gid
            login_user = internal_user = me.pw_name
            internal_group = str(me.pw_gid)
        for name in ("run", "state", "mail"):
            (self.root / name).mkdir(exist_ok=True)
        os.chmod(self.root, 0o755)
        if os.geteuid() == 0:
            os.chown(self.root / "mail", mail_uid, mail_gid)
        (self.root / "passwd").write_text("".join(f"{user}:{self.password}::::::\n" for user in self.users))
        (self.root / "dovecot.conf").write_text(
            CONFIG.format(
                root=self.root,
                host=self.host,
                imap_port=self.imap_port,
                lmtp_port=self.lmtp_port,
                mail_uid=mail_uid,
                mail_gid=mail_gid,
                login_user=login_user,
                internal_user=internal_user,
                internal_group=internal_group,
            )  # fmt: skip
        )

    def start(self) -> DovecotServer:
        self.process = subprocess.Popen(
            [self.binary, "-F", "-c", str(self.root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        alive = lambda: self.process is not None and self.process.poll() is None  # noqa: E731
        try:
            wait_for_port(self.host, self.imap_port, timeout=15, alive=alive)
            wait_for_port(self.host, self.lmtp_port, timeout=15, alive=alive)
        except (TimeoutError, RuntimeError) as exc:
            self.stop()
            raise RuntimeError(f"{exc}: {self.log()[-2000:]}") from exc
        return self

    def log(self) -> str:
        path = self.root / "dovecot.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        if self.process is not None and self.process.stderr is not None and self.process.poll() is not None:
            text += self.process.stderr.read().decode(errors="replace")
        return text

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def address(self, user: str) -> str:
        return f"{user}@pronto.test"

    def options(self, user: str, **extra) -> dict:
        """The ``OPTIONS`` of an ``ImapMailboxSource`` reading ``user``'s mailbox."""
        return {
            "host": self.host, "port": self.imap_port, "username": user, "password": self.password,
            "security": "none", "timeout": 10.0, **extra,
        }  # fmt: skip


class _LmtpRelay:
    def __init__(self, dovecot: DovecotServer) -> None:
        self.dovecot = dovecot

    async def handle_DATA(self, server, session, envelope):
        # Dovecot's userdb knows bare user names: "replies@pronto.test" is user "replies".
        recipients = [address.split("@", 1)[0] for address in envelope.rcpt_tos]
        try:
            with smtplib.LMTP(self.dovecot.host, self.dovecot.lmtp_port, timeout=10) as lmtp:
                refused = lmtp.sendmail(envelope.mail_from, recipients, envelope.original_content)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            return f"{code} {text.decode(errors='replace')}"
        except (smtplib.SMTPException, OSError) as exc:
            return f"451 4.3.0 LMTP delivery failed: {exc}"
        if refused:
            code, text = next(iter(refused.values()))
            return f"{code} {text.decode(errors='replace')}"
        return "250 2.0.0 Delivered to Dovecot"


class SmtpToLmtp:
    """An SMTP server (aiosmtpd) delivering into ``dovecot`` over LMTP."""

    def __init__(self, dovecot: DovecotServer) -> None:
        self.port = free_port()
        self.host = LOOPBACK
        self.controller = Controller(_LmtpRelay(dovecot), hostname=self.host, port=self.port)

    def start(self) -> SmtpToLmtp:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def send(self, raw: bytes, *, to: str, sender: str = "sender@example.net") -> None:
        """Hand ``raw`` to the SMTP server as a mail server would; raises on any refusal."""
        with smtplib.SMTP(self.host, self.port, timeout=10) as smtp:
            smtp.sendmail(sender, [to], raw)

    def wait_delivered(self, dovecot: DovecotServer, user: str, count: int, timeout: float = 5.0) -> None:
        """Return once ``user``'s INBOX holds ``count`` messages (LMTP answers after saving, so
        this is immediate; kept for the slow machine)."""
        new = dovecot.root / "mail" / user / "new"
        cur = dovecot.root / "mail" / user / "cur"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = sum(len(list(path.iterdir())) for path in (new, cur) if path.exists())
            if found >= count:
                return
            time.sleep(0.05)
        raise TimeoutError(f"{user}'s mailbox has fewer than {count} messages")
