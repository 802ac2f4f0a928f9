"""HylaFAX: faxes are queued on a HylaFAX server by speaking hfaxd's client protocol directly.

The protocol is FTP's (RFC 959 replies, a control connection and passive data connections) plus
job commands, so the standard library's ``ftplib`` carries it; ``sendfax`` does the same steps:
upload the document with ``STOT`` (hfaxd names the temporary file), ``JNEW``, ``JPARM`` the dial
string, the job tag and the retry limits, ``JPARM DOCUMENT``, ``JSUBM``. hfaxd answers ``JSUBM``
only after its scheduler (faxq) acknowledged the job, so a job id back means the job is queued:
``sent``. Dialling, converting the PDF and retrying busy lines are HylaFAX's work from then on;
``delivery_status`` reads the job's state (``DONE`` / ``FAILED``) from hfaxd when polled.

Every job carries the notification's idempotency key as its job tag (``JPARM JOBINFO``, shown by
``%J`` in job listings), so ``send`` and ``find`` recognise a job an earlier, ambiguous attempt
already queued, and a retry never faxes the same message twice while HylaFAX still lists it.

Settings (``PRONTO_NOTIFICATION_BACKENDS["fax"]["OPTIONS"]``): ``hylafax_host``, ``hylafax_port``,
``hylafax_user``, ``hylafax_password`` (empty when hosts.hfaxd asks none), ``timeout`` (seconds
for one whole exchange with hfaxd). Optional: ``hylafax_format`` (``"tiff"``, the default: the
dispatch fax's own G3 pages, or ``"pdf"``: which attachment to upload when the message carries
both), ``hylafax_max_dials``
(12), ``hylafax_max_tries`` (3), ``hylafax_kill_minutes`` (180: HylaFAX gives the job up after
that long and reports it failed). The email-to-fax options (``host``, ``port``, ...) are ignored.
"""

from __future__ import annotations

import contextlib
import ftplib
import io
import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from .base import (
    Attachment,
    DeliveryStatus,
    GatewayError,
    GatewayRejected,
    GatewayUnavailable,
    NotificationBackend,
    OutgoingMessage,
    SendResult,
)

logger = logging.getLogger(__name__)

# ASCII digits only: str.isdigit() and \d also accept other scripts' digits, which no modem dials.
FAX_NUMBER = re.compile(r"\+?[0-9]{3,20}")
# The tag travels quoted in a JPARM command and comes back in "|"-separated listings: no quotes,
# separators, blanks or control characters.
JOB_TAG = re.compile(r"[A-Za-z0-9._:@/+=-]{1,64}")
JOB_ID = re.compile(r"[0-9]{1,9}")
# Column %a of a job listing (faxstat(1)); "T" is a suspended job, which faxq does not schedule.
JOB_STATES = {
    "?": "undefined",
    "T": "suspended",
    "P": "pending",
    "S": "sleeping",
    "B": "blocked",
    "W": "waiting for a modem",
    "R": "running",
    "D": "done",
    "F": "failed",
}
DOCUMENT_FORMATS = {"pdf": ("application/pdf", "PDF"), "tiff": ("image/tiff", "TIFF")}
# hfaxd types an uploaded document by the FORM announced before it, never by its content: a
# corrupt file is queued happily and fails only when faxq converts it, once a modem is free.
DOCUMENT_MAGIC = {"application/pdf": (b"%PDF-",), "image/tiff": (b"II*\x00", b"MM\x00*")}
# A4 in millimetres, as sendfax sends it for Debian's default page size.
PAGE_WIDTH_MM, PAGE_LENGTH_MM = 209, 296
# Fine mode (196 lines/inch): addresses and plant codes in small print stay legible.
VERTICAL_RESOLUTION = 196


class HylafaxLoginRefused(GatewayRejected):
    """hfaxd refused the configured user or password.

    Raised as a *rejection* on purpose: every fax fails the same way until someone fixes
    ``PRONTO_HYLAFAX_USER`` / ``PRONTO_HYLAFAX_PASSWORD`` or the server's ``etc/hosts.hfaxd``,
    and retrying with backoff would only delay the supervisor's warning (and the escalation to
    the technician's next channel) by the whole retry schedule. The row fails at once with this
    text, and the error is logged for whoever runs the fax server."""


@dataclass(frozen=True)
class QueuedJob:
    """One line of hfaxd's job listing: ``queue`` is ``sendq`` (in progress) or ``doneq``."""

    job_id: str
    state: str
    tag: str
    queue: str


class _Hfaxd:
    """One control connection to hfaxd, logged in. Every reply is awaited for at most what is
    left of ``deadline`` (``time.monotonic()``), data connections included."""

    def __init__(self, host: str, port: int, deadline: float) -> None:
        self.host, self.port, self.deadline = host, port, deadline
        self.ftp = ftplib.FTP()

    def _remaining(self) -> float:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("out of time")
        return remaining

    def _arm(self) -> None:
        remaining = self._remaining()
        self.ftp.timeout = remaining  # ftplib opens data connections with this timeout
        if self.ftp.sock is not None:
            self.ftp.sock.settimeout(remaining)

    def connect(self) -> None:
        self.ftp.connect(self.host, self.port, timeout=self._remaining())

    def login(self, user: str, password: str) -> None:
        try:
            self._arm()
            reply = self.ftp.sendcmd(f"USER {user}")
            if reply.startswith("3"):
                if not password:
                    raise HylafaxLoginRefused(
                        f"HylaFAX at {self.host}:{self.port} asks a password for user {user!r} "
                        "and none is configured (PRONTO_HYLAFAX_PASSWORD)"
                    )
                self._arm()
                self.ftp.sendcmd(f"PASS {password}")
        except ftplib.error_perm as exc:
            logger.error("HylaFAX at %s:%s refused the login of %r: %s", self.host, self.port, user, exc)
            raise HylafaxLoginRefused(
                f"HylaFAX at {self.host}:{self.port} refused the login of user {user!r} ({exc}): check "
                "PRONTO_HYLAFAX_USER / PRONTO_HYLAFAX_PASSWORD and etc/hosts.hfaxd on the fax server"
            ) from exc

    def command(self, line: str, *, refused: str = "") -> str:
        """Send one command and return hfaxd's reply (1xx-3xx). A 5xx reply raises
        ``GatewayRejected`` when ``refused`` names what this message supplied (its number, its
        document): hfaxd turned *that* down. Any other failure propagates for ``session``."""
        self._arm()
        try:
            return self.ftp.sendcmd(line)
        except ftplib.error_perm as exc:
            if refused:
                raise GatewayRejected(f"HylaFAX refused {refused}: {exc}") from exc
            raise

    def upload(self, content: bytes) -> str:
        """Store ``content`` as a temporary file hfaxd names; return its path on the server."""
        self._arm()
        reply = self.ftp.storbinary("STOT", io.BytesIO(content))
        match = re.search(r"FILE: ([^\s)]+)", reply)  # "226 Transfer complete (FILE: /tmp/doc7.pdf)."
        if match is None:
            raise ftplib.error_proto(f"no file name in hfaxd's STOT reply {reply!r}")
        return match.group(1)

    def lines(self, line: str) -> list[str]:
        self._arm()
        collected: list[str] = []
        self.ftp.retrlines(line, collected.append)
        return collected

    def close(self) -> None:
        # QUIT lets hfaxd clean up at once; a failure here changes nothing already done.
        with contextlib.suppress(Exception):
            if self.ftp.sock is not None:
                self.ftp.sock.settimeout(min(1.0, max(self.deadline - time.monotonic(), 0.05)))
                self.ftp.quit()
        self.ftp.close()


class HylafaxFaxBackend(NotificationBackend):
    """Queues each fax as one HylaFAX job on hfaxd (see the module docstring)."""

    channel = "fax"
    description = "HylaFAX: faxes are queued on the fax server and dialled by HylaFAX"
    polls_delivery = True

    def __init__(
        self,
        *,
        hylafax_host: str = "127.0.0.1",
        hylafax_port: int = 4559,
        hylafax_user: str = "pronto",
        hylafax_password: str = "",
        timeout: float = 10.0,
        hylafax_format: str = "tiff",
        hylafax_max_dials: int = 12,
        hylafax_max_tries: int = 3,
        hylafax_kill_minutes: int = 180,
        **options: Any,
    ) -> None:
        # ``options`` holds the email-to-fax backend's settings, which share this channel's block.
        super().__init__(**options)
        self.host = hylafax_host
        self.port = hylafax_port
        self.user = hylafax_user
        self.password = hylafax_password
        self.timeout = timeout
        self.format = hylafax_format
        self.max_dials = hylafax_max_dials
        self.max_tries = hylafax_max_tries
        self.kill_minutes = hylafax_kill_minutes

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def check_config(self) -> None:
        """Raise ``ImproperlyConfigured`` for options that cannot work; no network access."""
        problems = []
        if not self.host or any(c.isspace() for c in str(self.host)):
            problems.append(f"hylafax_host {self.host!r} is not a host name or address")
        if not isinstance(self.port, int) or not 0 < self.port < 65536:
            problems.append(f"hylafax_port {self.port!r} is not a TCP port")
        if not self.user or any(c.isspace() or not c.isprintable() for c in str(self.user)):
            problems.append(f"hylafax_user {self.user!r} must be one word")
        if any(c in "\r\n" for c in str(self.password)):
            problems.append("hylafax_password must not contain line breaks")
        if not isinstance(self.timeout, int | float) or self.timeout <= 0:
            problems.append(f"timeout {self.timeout!r} must be a positive number of seconds")
        if self.format not in DOCUMENT_FORMATS:
            problems.append(f"hylafax_format {self.format!r} must be one of {', '.join(DOCUMENT_FORMATS)}")
        for name in ("max_dials", "max_tries", "kill_minutes"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                problems.append(f"hylafax_{name} {value!r} must be a positive whole number")
        if problems:
            raise ImproperlyConfigured("HylaFAX fax backend: " + "; ".join(problems))

    # ----------------------------------------------------------------------------------------
    # The contract
    # ----------------------------------------------------------------------------------------

    def send(self, message: OutgoingMessage) -> SendResult:
        """Queue ``message`` as one HylaFAX job; ``gateway_id`` is the job id.

        Guarantees: the number, the job tag and the document (a PDF or TIFF that is one by its
        first bytes) are checked before any connection (``GatewayRejected``); a job hfaxd already
        lists with this idempotency key (an earlier attempt whose answer was lost) is returned
        instead of queueing a second one; a job id is returned only after hfaxd confirmed
        ``JSUBM``, i.e. its scheduler holds the job. hfaxd refusing the number, the document or
        the job is ``GatewayRejected`` with hfaxd's words; a refused login is
        ``HylafaxLoginRefused``; anything else (unreachable, timeout, 4xx, scheduler down, a reply
        that makes no sense) is ``GatewayUnavailable``. The whole exchange takes at most
        ``timeout`` seconds.
        """
        number = self._checked_number(message.recipient)
        tag = self._checked_tag(message.idempotency_key)
        document, form = self._document(message.attachments)
        with self._session() as hfaxd:
            # Listing the queues costs hfaxd a read of every job file: only a retry, which may
            # follow an attempt whose answer was lost, needs it.
            earlier = self._first_taken(self._tagged_jobs(hfaxd, tag)) if message.attempt > 1 else None
            if earlier is not None:
                return SendResult(
                    gateway_id=earlier.job_id,
                    detail=f"HylaFAX job {earlier.job_id} on {self.address}, already queued with this key",
                )
            hfaxd.command(f"FORM {form}")
            path = hfaxd.upload(document.content)
            job_id = self._job_id(hfaxd.command("JNEW"), "JNEW")
            hfaxd.command(f'JPARM FROMUSER "{self.user}"')
            hfaxd.command(f"JPARM LASTTIME {self._lasttime()}")
            hfaxd.command(f"JPARM MAXDIALS {self.max_dials}")
            hfaxd.command(f"JPARM MAXTRIES {self.max_tries}")
            hfaxd.command(f'JPARM DIALSTRING "{number}"', refused=f"the fax number {number}")
            hfaxd.command('JPARM NOTIFY "NONE"')
            hfaxd.command(f'JPARM JOBINFO "{tag}"')
            hfaxd.command(f"JPARM VRES {VERTICAL_RESOLUTION}")
            hfaxd.command(f"JPARM PAGEWIDTH {PAGE_WIDTH_MM}")
            hfaxd.command(f"JPARM PAGELENGTH {PAGE_LENGTH_MM}")
            hfaxd.command(f"JPARM DOCUMENT {path}", refused=f"the document {document.filename!r}")
            submitted = hfaxd.command("JSUBM", refused=f"job {job_id} for {number}")
            if not submitted.startswith("2"):
                raise ftplib.error_reply(submitted)
        return SendResult(gateway_id=job_id, detail=f"HylaFAX job {job_id} queued on {self.address}")

    def find(self, message: OutgoingMessage) -> SendResult | None:
        """The job hfaxd lists (in sendq or doneq) whose job tag is ``message.idempotency_key``,
        or ``None`` when there is none. Suspended jobs do not count: a tagged job stays suspended
        when hfaxd stopped between writing it and handing it to the scheduler (or an
        administrator holds it), and faxing again is the safe side for an emergency message.
        Raises ``GatewayUnavailable`` (or ``HylafaxLoginRefused``) when hfaxd cannot be asked:
        "don't know" must not be mistaken for "not taken"."""
        tag = self._checked_tag(message.idempotency_key)
        with self._session() as hfaxd:
            job = self._first_taken(self._tagged_jobs(hfaxd, tag))
        if job is None:
            return None
        return SendResult(
            gateway_id=job.job_id,
            detail=f"HylaFAX job {job.job_id} on {self.address} ({JOB_STATES.get(job.state, job.state)})",
        )

    def delivery_status(self, gateway_id: str) -> DeliveryStatus | None:
        """What hfaxd says about job ``gateway_id``: ``delivered=True`` once HylaFAX sent every
        page (``DONE``), ``False`` with HylaFAX's reason once it gave up (``FAILED``: busy line
        after the last dial, kill time expired, job removed), ``None`` while it is still queued,
        and also when hfaxd no longer knows the job (``detail`` says so). ``GatewayUnavailable``
        when hfaxd cannot be asked."""
        if not JOB_ID.fullmatch(gateway_id or ""):
            return DeliveryStatus(detail=f"{gateway_id!r} is not a HylaFAX job id")
        with self._session() as hfaxd:
            try:
                hfaxd.command(f"JOB {gateway_id}")
            except ftplib.error_perm as exc:
                gone = f"HylaFAX on {self.address} no longer lists job {gateway_id}: {exc}"
                return DeliveryStatus(detail=gone)
            state = self._value(hfaxd.command("JPARM STATE"))
            status = self._value(hfaxd.command("JPARM STATUS"))
        if state == "DONE":
            return DeliveryStatus(delivered=True, detail=f"HylaFAX job {gateway_id}: sent")
        if state == "FAILED":
            reason = status or "HylaFAX gave the job up"
            detail = f"HylaFAX job {gateway_id}: failed"
            return DeliveryStatus(delivered=False, failed_reason=reason, detail=detail)
        detail = f"HylaFAX job {gateway_id}: {state.lower() or 'unknown state'}"
        return DeliveryStatus(detail=f"{detail} ({status})" if status else detail)

    # ----------------------------------------------------------------------------------------
    # Helpers
    # ----------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _session(self) -> Iterator[_Hfaxd]:
        """A logged-in connection; every failure that is not a decision about the message
        becomes ``GatewayUnavailable`` naming the server and what went wrong."""
        hfaxd = _Hfaxd(self.host, self.port, time.monotonic() + float(self.timeout))
        try:
            hfaxd.connect()
            hfaxd.login(self.user, self.password)
            yield hfaxd
        except GatewayError:
            raise
        except TimeoutError as exc:
            raise GatewayUnavailable(
                f"HylaFAX at {self.address} did not answer within {self.timeout:g} s"
            ) from exc
        except ConnectionRefusedError as exc:
            raise GatewayUnavailable(
                f"HylaFAX at {self.address} refused the connection (hfaxd down?)"
            ) from exc
        except (ftplib.error_temp, ftplib.error_perm) as exc:
            # 4xx (e.g. "460 Failed to submit job": faxq not running) and 5xx replies to steps
            # that do not depend on the message: the server's state, which may change.
            raise GatewayUnavailable(f"HylaFAX at {self.address} answered: {exc}") from exc
        except (ftplib.Error, EOFError) as exc:
            raise GatewayUnavailable(f"HylaFAX at {self.address} answered unexpectedly: {exc}") from exc
        except OSError as exc:
            raise GatewayUnavailable(f"HylaFAX at {self.address} unreachable: {exc}") from exc
        finally:
            hfaxd.close()

    def _tagged_jobs(self, hfaxd: _Hfaxd, tag: str) -> list[QueuedJob]:
        # The tag goes last: another client's tag may contain "|", ours may not.
        hfaxd.command('JOBFMT "%j|%a|%J"')
        jobs = []
        for queue in ("sendq", "doneq"):
            for line in hfaxd.lines(f"LIST {queue}"):
                job_id, _, rest = line.partition("|")
                state, _, job_tag = rest.partition("|")
                if job_tag == tag and JOB_ID.fullmatch(job_id.strip()):
                    jobs.append(QueuedJob(job_id.strip(), state.strip(), job_tag, queue))
        return jobs

    @staticmethod
    def _first_taken(jobs: list[QueuedJob]) -> QueuedJob | None:
        return next((job for job in jobs if job.state != "T"), None)

    @staticmethod
    def _job_id(reply: str, command: str) -> str:
        match = re.search(r"jobid: ([0-9]+)", reply)
        if match is None:
            raise ftplib.error_proto(f"no job id in hfaxd's {command} reply {reply!r}")
        return match.group(1)

    @staticmethod
    def _value(reply: str) -> str:
        # "213 READY" -> "READY"; an empty value comes back as "213 ".
        return reply[4:].strip() if len(reply) > 3 else ""

    def _lasttime(self) -> str:
        days, minutes = divmod(int(self.kill_minutes), 24 * 60)
        return f"{days:02d}{minutes // 60:02d}{minutes % 60:02d}"  # DDHHMM, relative to now

    @staticmethod
    def _checked_number(recipient: str) -> str:
        number = (recipient or "").strip()
        if not FAX_NUMBER.fullmatch(number):
            raise GatewayRejected(f"{recipient!r} is not a fax number (digits, optionally with a leading +)")
        return number

    @staticmethod
    def _checked_tag(key: str) -> str:
        if not JOB_TAG.fullmatch(key or ""):
            raise GatewayRejected(
                f"idempotency key {key!r} cannot be a HylaFAX job tag (letters, digits and ._:@/+=- only)"
            )
        return key

    def _document(self, attachments: tuple[Attachment, ...]) -> tuple[Attachment, str]:
        """The attachment to fax (``hylafax_format`` first, then PDF, then TIFF) and the FORM
        hfaxd must be told for it."""
        preferred = DOCUMENT_FORMATS.get(self.format, DOCUMENT_FORMATS["pdf"])[0]
        by_type: dict[str, Attachment] = {}
        for attachment in attachments:
            media_type = attachment.content_type.split(";")[0].strip().lower()
            if media_type in ("application/pdf", "image/tiff") and attachment.content:
                by_type.setdefault(media_type, attachment)
        order = (preferred, "application/pdf", "image/tiff")
        content_type = next((kind for kind in order if kind in by_type), None)
        if content_type is None:
            raise GatewayRejected("the fax has no PDF or TIFF document to send")
        document = by_type[content_type]
        form = "PDF" if content_type == "application/pdf" else "TIFF"
        if not document.content.startswith(DOCUMENT_MAGIC[content_type]):
            raise GatewayRejected(f"the document {document.filename!r} is not a {form} file")
        return document, form
