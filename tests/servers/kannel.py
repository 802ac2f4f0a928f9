"""A private Kannel SMS gateway on loopback for the SMS backend's integration tests.

``KannelGateway.create(inbound_url=...)`` writes a ``kannel.conf`` of its own in a fresh temporary
directory (never the machine's /etc/kannel, whose daemons and ports 13000/13013 are left alone),
every port free and bound to 127.0.0.1; ``start()`` then runs, each in a session of its own:

    bearerbox kannel.conf                      # core: admin port, smsbox port, two fake SMSCs
    smsbox kannel.conf                         # sendsms port, the sms-service, DLR callbacks
    fakesmsc -H 127.0.0.1 -r <mt port> -m 0 "0 0 text -"   # the "phone network": prints what it gets
    fakesmsc -H 127.0.0.1 -r <mo port> -i 0    # interactive: each stdin line is an inbound SMS

and returns once sendsms answers and bearerbox's status page shows smsbox and both SMSC links
online. What fakesmsc learnt from reading Kannel 1.4.5 and trying it:

- fakesmsc is a *client* of bearerbox's ``smsc = fake`` group (which listens on ``port``), and
  that group serves one client at a time; hence two groups: ``mt`` takes every message sent
  out, ``mo`` (``allowed-smsc-id = mo``: nothing is routed to it but replies to what came in on
  it) carries the inbound messages we inject and Kannel's answers to them.
- fakesmsc prints each message it receives as a log line ``Got message N: <sender receiver
  text TEXT>`` (7-bit text as Kannel holds it, UTF-8), ``<.. ucs-2 URLENCODED>`` (UTF-16BE),
  ``<.. data URLENCODED>`` or ``<.. udh URLENCODED data URLENCODED>`` (a part of a concatenated
  SMS: the coding is not shown, the payload is UTF-8 for 7-bit text and UTF-16BE for UCS-2).
  A newline in a 7-bit text ends the line: the rest comes as the next "message" (joined back
  here). Its URL encoding writes a space as ``+``.
- with messages on its command line it sends them (``-m`` how many, ``-i`` the interval);
  without, it reads them from stdin, one line each (``sender receiver text TEXT`` or ``..
  ucs2 URLENCODED-UTF-16BE``), at most 255 bytes a line, so an injected UCS-2 text is short.
  It reads the server only between stdin lines, at least once a second: replies show up late.
- the fake SMSC makes its own delivery reports: type 8 (``%A`` = ``ACK/``) when fakesmsc took
  the message, then type 1 (``%A`` empty) at once, if the dlr-mask asks for them; never 2, 4 or
  16. A concatenated message reports per part.

Binaries: ``$PRONTO_TEST_BEARERBOX`` / ``$PRONTO_TEST_SMSBOX`` / ``$PRONTO_TEST_FAKESMSC`` (see
scripts/ensure_kannel.sh), else PATH, /usr/sbin, /usr/lib/kannel/test. When one is missing or
the first start fails, ``create_or_skip`` skips with the command and the logs; tests using it
are marked ``real_component``, so CI fails instead.
"""

from __future__ import annotations

import contextlib
import http.server
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pytest

from notifications.sms_text import GSM7, sms_coding
from tests.servers import LOOPBACK, free_port, started_or_skip, wait_for_port

USERNAME = "pronto"
PASSWORD = "pronto-test-password"
ADMIN_PASSWORD = "pronto-test-admin"
MAX_MESSAGES = 3  # the sendsms-user's limit: what the backend's max_parts must not exceed
SHORT_NUMBER = "4321"  # the number technicians reply to
# Receivers Kannel refuses on its own ("denied by white- and/or black-lists"), for rejection tests.
REFUSED_PREFIX = "+999"
FAKESMSC_LINE_LIMIT = 255  # fgets(buffer, 256) in fakesmsc's interactive mode


def kannel_tool(name: str) -> str | None:
    """``$PRONTO_TEST_<NAME>`` if set (and executable), else ``name`` from PATH, /usr/sbin,
    /usr/bin or /usr/lib/kannel/test (Debian's places)."""
    configured = os.environ.get(f"PRONTO_TEST_{name.upper()}")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    for candidate in (
        shutil.which(name),
        f"/usr/sbin/{name}",
        f"/usr/bin/{name}",
        f"/usr/lib/kannel/test/{name}",
    ):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def _wait_until(condition: Callable[[], bool], timeout: float, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
    return True


def _url_decode(value: bytes) -> bytes:
    """fakesmsc's URL encoding (Kannel's ``octstr_url_encode``): ``+`` is a space."""
    return urllib.parse.unquote_to_bytes(value.replace(b"+", b" "))


# ----------------------------------------------------------------------------------------------
# What the fake phone network received
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmsPart:
    """One SMS as fakesmsc printed it. ``kind``: ``text``, ``ucs-2``, ``data`` or ``udh``;
    ``payload``: the message bytes (UTF-8 for text, UTF-16BE for ucs-2); ``udh``: the user data
    header, length byte included."""

    sender: str
    receiver: str
    kind: str
    payload: bytes
    udh: bytes = b""

    @property
    def concatenation(self) -> tuple[int, int, int] | None:
        """``(reference, parts, number)`` from the UDH's concatenation element, if any."""
        data, position = self.udh[1:], 0
        while position + 2 <= len(data):
            element, length = data[position], data[position + 1]
            value = data[position + 2 : position + 2 + length]
            if element == 0x00 and length == 3:
                return value[0], value[1], value[2]
            if element == 0x08 and length == 4:
                return value[0] << 8 | value[1], value[2], value[3]
            position += 2 + length
        return None


@dataclass(frozen=True)
class PhoneSms:
    """A whole message as a phone shows it: one part, or every part of a concatenated one."""

    parts: tuple[SmsPart, ...]

    @property
    def sender(self) -> str:
        return self.parts[0].sender

    @property
    def receiver(self) -> str:
        return self.parts[0].receiver

    @property
    def payload(self) -> bytes:
        return b"".join(part.payload for part in self.parts)

    def text(self, coding: str | None = None) -> str:
        """The text. Single SMS know their coding; concatenated parts do not (fakesmsc does not
        print it), so pass ``"gsm7"`` or ``"ucs2"`` for those."""
        kind = self.parts[0].kind
        if kind == "text" or (kind != "ucs-2" and coding == GSM7):
            return self.payload.decode("utf-8")
        if kind == "ucs-2" or coding == "ucs2":
            return self.payload.decode("utf-16-be")
        raise ValueError(f"a {kind!r} message: say which coding its payload is in")


_LOG_LINE = re.compile(rb"(?:DEBUG|INFO): Got message \d+: <(?P<content>.*)>\s*$")
_SENT_LINE = re.compile(rb"(?:DEBUG|INFO): fakesmsc: sent message \d+")
_HEADER = re.compile(
    rb"^(?P<sender>\S+) (?P<receiver>\S+) (?P<kind>text|data|ucs-2|udh) (?P<rest>.*)$", re.DOTALL
)


class FakePhone:
    """Collects what one fakesmsc printed, across restarts (each run feeds the same phone)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.parts: list[SmsPart] = []
        self.lines: list[bytes] = []
        self.sent = 0  # messages this fakesmsc sent into Kannel (inbound SMS)
        self._changed = threading.Condition()

    def feed(self, line: bytes) -> None:
        match = _LOG_LINE.search(line)
        with self._changed:
            self.lines.append(line)
            if match:
                self._add(match["content"])
            elif _SENT_LINE.search(line):
                self.sent += 1
            self._changed.notify_all()

    def wait_sent(self, count: int, timeout: float = 5.0) -> None:
        """Wait until this fakesmsc has sent ``count`` messages in all; ``TimeoutError`` if not."""
        with self._changed:
            if not self._changed.wait_for(lambda: self.sent >= count, timeout):
                raise TimeoutError(f"{self.name} sent {self.sent} messages, not {count}, in {timeout} s")

    def _add(self, content: bytes) -> None:
        header = _HEADER.match(content)
        if header is None:
            # A 7-bit text's newline ended fakesmsc's line: this is the rest of the last message.
            if self.parts and self.parts[-1].kind == "text":
                last = self.parts.pop()
                self.parts.append(
                    SmsPart(last.sender, last.receiver, last.kind, last.payload + b"\n" + content)
                )
            return
        sender, receiver = header["sender"].decode(), header["receiver"].decode()
        kind, rest = header["kind"].decode(), header["rest"]
        if kind == "text":
            part = SmsPart(sender, receiver, kind, rest)
        elif kind == "udh":
            udh, _, data = rest.partition(b" data ")
            part = SmsPart(sender, receiver, kind, _url_decode(data), udh=_url_decode(udh))
        else:
            part = SmsPart(sender, receiver, kind, _url_decode(rest))
        self.parts.append(part)

    def messages(self) -> list[PhoneSms]:
        """Whole messages in arrival order; a concatenated one once all its parts are in."""
        with self._changed:
            parts = list(self.parts)
        done: list[PhoneSms] = []
        pending: dict[tuple[str, str, int], dict[int, SmsPart]] = {}
        for part in parts:
            concatenation = part.concatenation
            if concatenation is None:
                done.append(PhoneSms((part,)))
                continue
            reference, total, number = concatenation
            key = (part.sender, part.receiver, reference)
            pending.setdefault(key, {})[number] = part
            if len(pending[key]) == total:
                group = pending.pop(key)
                done.append(PhoneSms(tuple(group[n] for n in sorted(group))))
        return done

    def to(self, receiver: str) -> list[PhoneSms]:
        return [message for message in self.messages() if message.receiver == receiver]

    def wait_for(self, predicate: Callable[[list[PhoneSms]], bool], timeout: float = 5.0) -> list[PhoneSms]:
        """Wait until ``predicate(messages)`` holds and return the messages; fail the test if not."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                messages = self.messages()
                if predicate(messages):
                    return messages
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    tail = b"\n".join(self.lines[-8:]).decode("utf-8", "replace")
                    pytest.fail(f"{self.name}: condition not met in {timeout} s; last lines:\n{tail}")
                self._changed.wait(remaining)


# ----------------------------------------------------------------------------------------------
# An HTTP endpoint that records what Kannel calls (DLR urls, the sms-service get-url)
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedRequest:
    path: str  # without the query
    query: str  # raw, as sent
    params: dict[str, str]  # decoded as UTF-8 (a UCS-2 text needs kannel_mo_params)
    headers: dict[str, str]


class HttpRecorder:
    """A threaded HTTP server on loopback that records every GET and answers ``reply`` (text/plain,
    UTF-8) with ``status``; ``url(path)`` is where to point Kannel. When ``respond`` is set it
    answers instead, with the ``(status, headers, body)`` it returns for the request (e.g. what
    Pronto's own view answered)."""

    def __init__(self, host: str = LOOPBACK) -> None:
        self.requests: list[RecordedRequest] = []
        self.reply = ""
        self.status = 200
        self.reply_headers: dict[str, str] = {}
        self.respond: Callable[[RecordedRequest], tuple[int, dict[str, str], bytes]] | None = None
        self._changed = threading.Condition()
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802  (http.server's name)
                path, _, query = self.path.partition("?")
                params = dict(urllib.parse.parse_qsl(query, keep_blank_values=True, errors="replace"))
                request = RecordedRequest(path, query, params, dict(self.headers))
                status, body = recorder.status, recorder.reply.encode()
                headers = {"Content-Type": "text/plain; charset=utf-8", **recorder.reply_headers}
                if recorder.respond is not None:
                    status, headers, body = recorder.respond(request)
                self.send_response(status)
                for name, value in headers.items():
                    if name.lower() != "content-length":
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                with recorder._changed:
                    recorder.requests.append(request)
                    recorder._changed.notify_all()

            def log_message(self, format, *args) -> None:  # noqa: A002
                pass

        self._server = http.server.ThreadingHTTPServer((host, 0), Handler)
        self._server.daemon_threads = True
        self.host, self.port = self._server.server_address[:2]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.daemon = True

    def start(self) -> HttpRecorder:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def on(self, path: str) -> list[RecordedRequest]:
        with self._changed:
            return [request for request in self.requests if request.path == path]

    def wait_for(
        self, path: str, predicate: Callable[[list[RecordedRequest]], bool] = bool, timeout: float = 5.0
    ) -> list[RecordedRequest]:
        """Wait until ``predicate(requests on path)`` holds and return them; fail the test if not."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(found := [r for r in self.requests if r.path == path]):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [f"{r.path}?{r.query}" for r in self.requests[-5:]]
                    pytest.fail(f"HTTP {path}: condition not met in {timeout} s; last requests: {seen}")
                self._changed.wait(remaining)
            return found


# ----------------------------------------------------------------------------------------------
# The gateway
# ----------------------------------------------------------------------------------------------


@dataclass
class KannelGateway:
    """bearerbox + smsbox + two fakesmscs on one private kannel.conf; ports stay the same across
    ``stop()`` / ``start()``. ``inbound_url``: the sms-service ``get-url`` (Kannel escape codes
    and all) that inbound SMS are forwarded to; Kannel texts its answer back to the sender. With
    ``inbound_method="post"`` it is the ``post-url`` instead: Kannel POSTs the SMS as the body
    (``text/plain`` in its charset) with the sender as ``X-Kannel-From`` (``send-sender``)."""

    bearerbox: str
    smsbox: str
    fakesmsc: str
    workdir: Path
    inbound_url: str = ""
    inbound_method: str = "get"
    host: str = LOOPBACK
    admin_port: int = field(default_factory=free_port)
    smsbox_port: int = field(default_factory=free_port)
    sendsms_port: int = field(default_factory=free_port)
    mt_port: int = field(default_factory=free_port)
    mo_port: int = field(default_factory=free_port)
    username: str = USERNAME
    password: str = PASSWORD
    phone: FakePhone = field(default_factory=lambda: FakePhone("fakesmsc (phones)"))
    replies: FakePhone = field(default_factory=lambda: FakePhone("fakesmsc (inbound link)"))
    processes: dict[str, subprocess.Popen] = field(default_factory=dict, repr=False)
    _readers: list[threading.Thread] = field(default_factory=list, repr=False)

    @classmethod
    def create(cls, *, inbound_url: str = "", inbound_method: str = "get") -> KannelGateway:
        """Binaries found, kannel.conf written; nothing started yet. Raises ``RuntimeError``
        saying what is missing."""
        tools = {name: kannel_tool(name) for name in ("bearerbox", "smsbox", "fakesmsc")}
        missing = [name for name, path in tools.items() if path is None]
        if missing:
            raise RuntimeError(f"{', '.join(missing)} not installed: run scripts/ensure_kannel.sh")
        workdir = Path(tempfile.mkdtemp(prefix="pronto-kannel-"))
        gateway = cls(
            bearerbox=tools["bearerbox"],  # type: ignore[arg-type]
            smsbox=tools["smsbox"],  # type: ignore[arg-type]
            fakesmsc=tools["fakesmsc"],  # type: ignore[arg-type]
            workdir=workdir,
            inbound_url=inbound_url,
            inbound_method=inbound_method,
        )
        gateway.write_conf()
        return gateway

    @classmethod
    def create_or_skip(cls, *, inbound_url: str = "", inbound_method: str = "get") -> KannelGateway:
        """``create()`` and ``start()`` (once more on new ports if that fails), or skip the test
        with the reason and Kannel's logs."""
        return started_or_skip(
            "Kannel",
            lambda: cls.create(inbound_url=inbound_url, inbound_method=inbound_method),
            new_ports=cls.reassign_ports,
        )

    def reassign_ports(self) -> None:
        """New free ports for everything (while stopped), and kannel.conf written again."""
        for name in ("admin_port", "smsbox_port", "sendsms_port", "mt_port", "mo_port"):
            setattr(self, name, free_port())
        self.write_conf()

    # ------------------------------------------------------------------------------------------

    @property
    def conf_path(self) -> Path:
        return self.workdir / "kannel.conf"

    @property
    def sendsms_url(self) -> str:
        return f"http://{self.host}:{self.sendsms_port}/cgi-bin/sendsms"

    def write_conf(self) -> None:
        post = self.inbound_method == "post"
        inbound = (
            [
                f'{"post-url" if post else "get-url"} = "{self.inbound_url}"',
                *(["send-sender = true"] if post else []),
                "max-messages = 1",
                "omit-empty = true",
                # Lets the answer say X-Kannel-Coding: 2, or Kannel sends it as GSM ("?" for "✓").
                "accept-x-kannel-headers = true",
            ]
            if self.inbound_url
            else ['text = "no inbound service in this test"', "max-messages = 0"]
        )
        groups = [
            [
                "group = core",
                f"admin-port = {self.admin_port}",
                f"admin-interface = {self.host}",
                f'admin-password = "{ADMIN_PASSWORD}"',
                f"smsbox-port = {self.smsbox_port}",
                f"smsbox-interface = {self.host}",
                f'box-allow-ip = "{self.host}"',
                f'log-file = "{self.workdir}/bearerbox.log"',
                "log-level = 1",
                f'access-log = "{self.workdir}/access.log"',
                "dlr-storage = internal",
            ],
            [
                "group = smsc",
                "smsc = fake",
                "smsc-id = mt",
                f"port = {self.mt_port}",
                f"our-host = {self.host}",
                f'connect-allow-ip = "{self.host}"',
                # Replies to inbound SMS carry smsc-id "mo": they go back the way they came.
                'denied-smsc-id = "mo"',
            ],
            [
                "group = smsc",
                "smsc = fake",
                "smsc-id = mo",
                f"port = {self.mo_port}",
                f"our-host = {self.host}",
                f'connect-allow-ip = "{self.host}"',
                'allowed-smsc-id = "mo"',
            ],
            [
                "group = smsbox",
                f"bearerbox-host = {self.host}",
                f"bearerbox-port = {self.smsbox_port}",
                f"sendsms-port = {self.sendsms_port}",
                f"sendsms-interface = {self.host}",
                f'log-file = "{self.workdir}/smsbox.log"',
                "log-level = 1",
            ],
            [
                "group = sendsms-user",
                f'username = "{self.username}"',
                f'password = "{self.password}"',
                f"max-messages = {MAX_MESSAGES}",
                "concatenation = true",
                f'black-list-regex = "^\\{REFUSED_PREFIX}"',
            ],
            ["group = sms-service", "keyword = default", "catch-all = true", *inbound],
        ]
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.conf_path.write_text("\n\n".join("\n".join(group) for group in groups) + "\n")

    def log(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _logs(self) -> str:
        names = ("bearerbox", "bearerbox.out", "smsbox", "smsbox.out", "fakesmsc-mt.out", "fakesmsc-mo.out")
        return "\n".join(f"--- {name}:\n{self.log(name)[-1500:]}" for name in names if self.log(name))

    # ------------------------------------------------------------------------------------------
    # Running
    # ------------------------------------------------------------------------------------------

    def running(self, name: str) -> bool:
        process = self.processes.get(name)
        return process is not None and process.poll() is None

    def _spawn(self, name: str, command: list[str], *, stdin=subprocess.DEVNULL) -> subprocess.Popen:
        with (self.workdir / f"{name}.out.log").open("ab") as log:
            process = subprocess.Popen(
                command,
                cwd=self.workdir,
                stdin=stdin,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.processes[name] = process
        return process

    def _spawn_fakesmsc(self, name: str, phone: FakePhone, arguments: list[str]) -> subprocess.Popen:
        """fakesmsc with its output read line by line into ``phone`` (and a log file)."""
        command = [self.fakesmsc, "-H", self.host, *arguments]
        interactive = "-i" in arguments
        process = subprocess.Popen(
            command,
            cwd=self.workdir,
            stdin=subprocess.PIPE if interactive else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = process
        log_path = self.workdir / f"{name}.out.log"

        def read(stream: IO[bytes]) -> None:
            with log_path.open("ab") as log:
                for line in stream:
                    log.write(line)
                    log.flush()
                    phone.feed(line.rstrip(b"\n"))

        reader = threading.Thread(target=read, args=(process.stdout,), name=f"read-{name}", daemon=True)
        reader.start()
        self._readers.append(reader)
        return process

    def status(self) -> str:
        """bearerbox's status page (``status.txt``), or "" when it does not answer."""
        url = f"http://{self.host}:{self.admin_port}/status.txt?password={ADMIN_PASSWORD}"
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(url, timeout=1) as response:
                return response.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def _smsc_state(self, status: str, smsc_id: str) -> str:
        match = re.search(rf"^\s*{smsc_id}\[{smsc_id}\]\s+FAKE:\d+ \((\w+)", status, re.MULTILINE)
        return match.group(1) if match else ""

    def _abort(self, why: str) -> RuntimeError:
        """Stop everything; the error to raise says why, which process had exited, and the logs."""
        exited = {name: p.poll() for name, p in self.processes.items() if p.poll() is not None}
        self.stop()
        return RuntimeError(f"{why} (exited: {exited or 'none'}); config {self.conf_path}\n{self._logs()}")

    def start(self, timeout: float = 10.0) -> None:
        """Start whatever is not running, in order; return once sendsms answers and bearerbox shows
        smsbox and both fake SMSC links online (so a message sent now goes straight out)."""
        deadline = time.monotonic() + timeout
        if not self.running("bearerbox"):
            self._spawn("bearerbox", [self.bearerbox, str(self.conf_path)])
            try:
                wait_for_port(self.host, self.admin_port, timeout, alive=lambda: self.running("bearerbox"))
            except (RuntimeError, TimeoutError) as exc:
                raise self._abort(f"bearerbox did not open its admin port: {exc}") from exc

        def listening() -> bool:
            status = self.status()
            return all(self._smsc_state(status, smsc) for smsc in ("mt", "mo"))

        if not _wait_until(listening, max(0.1, deadline - time.monotonic())):
            raise self._abort("bearerbox's status page never listed the fake SMSCs")
        if not self.running("smsbox"):
            self._spawn("smsbox", [self.smsbox, str(self.conf_path)])
        if not self.running("fakesmsc-mt"):
            # -m 0 with one message: send nothing, print everything received.
            self._spawn_fakesmsc(
                "fakesmsc-mt", self.phone, ["-r", str(self.mt_port), "-m", "0", "0 0 text -"]
            )
        if not self.running("fakesmsc-mo"):
            self._spawn_fakesmsc("fakesmsc-mo", self.replies, ["-r", str(self.mo_port), "-i", "0"])

        def ready() -> bool:
            status = self.status()
            return (
                all(self._smsc_state(status, smsc) == "online" for smsc in ("mt", "mo"))
                and re.search(r"smsbox:\S*, IP [\d.]+ .*on-line", status) is not None
            )

        try:
            remaining = max(0.1, deadline - time.monotonic())
            wait_for_port(self.host, self.sendsms_port, remaining, alive=lambda: self.running("smsbox"))
        except (RuntimeError, TimeoutError) as exc:
            raise self._abort(f"smsbox did not open sendsms: {exc}") from exc
        if not _wait_until(ready, max(0.1, deadline - time.monotonic())):
            raise self._abort(f"Kannel not ready in {timeout} s; status:\n{self.status()[-800:]}")

    def _stop(self, name: str, sig: int = signal.SIGTERM, timeout: float = 5.0) -> None:
        process = self.processes.pop(name, None)
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(sig)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdin:
            with contextlib.suppress(OSError):
                process.stdin.close()

    def stop(self) -> None:
        """Stop everything, the boxes and fake SMSCs first: bearerbox waits for its connected
        boxes (2 s and more) when it goes first. fakesmsc ends cleanly on SIGINT only."""
        self._stop("smsbox")
        self._stop("fakesmsc-mt", signal.SIGINT)
        self._stop("fakesmsc-mo", signal.SIGINT)
        self._stop("bearerbox")
        for reader in self._readers:
            reader.join(2)
        self._readers = [reader for reader in self._readers if reader.is_alive()]

    def stop_phone_network(self, timeout: float = 5.0) -> None:
        """Disconnect the fakesmsc that takes outgoing messages; return once bearerbox no longer
        shows that link online (messages sent now are queued). ``start()`` reconnects it."""
        self._stop("fakesmsc-mt", signal.SIGINT)
        if not _wait_until(lambda: self._smsc_state(self.status(), "mt") != "online", timeout):
            raise RuntimeError(f"bearerbox still shows the mt link online after {timeout} s")

    def close(self) -> None:
        """Stop every process and delete the working directory."""
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    # ------------------------------------------------------------------------------------------
    # The phone side
    # ------------------------------------------------------------------------------------------

    def inject_mo(
        self, sender: str, text: str, *, receiver: str = SHORT_NUMBER, coding: str | None = None
    ) -> None:
        """An SMS from ``sender``'s phone to ``receiver``, entering Kannel through the ``mo`` fake
        SMSC: smsbox forwards it to ``inbound_url``. ``coding``: ``"gsm7"`` (fakesmsc's ``text``)
        or ``"ucs2"``; by default ``gsm7`` when the text allows it and has no line break."""
        if coding is None:
            coding = GSM7 if sms_coding(text) == GSM7 and not re.search(r"[\r\n]", text) else "ucs2"
        if coding == GSM7:
            line = f"{sender} {receiver} text {text}\n".encode()
        else:
            encoded = urllib.parse.quote_plus(text.encode("utf-16-be"))
            line = f"{sender} {receiver} ucs2 {encoded}\n".encode()
        if len(line) > FAKESMSC_LINE_LIMIT:
            raise ValueError(
                f"fakesmsc reads at most {FAKESMSC_LINE_LIMIT} bytes a line; this one has {len(line)}"
            )
        process = self.processes.get("fakesmsc-mo")
        if process is None or process.poll() is not None or process.stdin is None:
            raise RuntimeError("the inbound fakesmsc is not running")
        # One line at a time: fakesmsc select()s on stdin and then fgets() one line, so a second
        # line already in its stdio buffer would wait there until a third one arrived.
        expected = self.replies.sent + 1
        process.stdin.write(line)
        process.stdin.flush()
        self.replies.wait_sent(expected)
