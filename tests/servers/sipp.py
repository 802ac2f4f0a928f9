"""SIPp callers and operators' phones for the call-routing tests, with the scenarios of
``deploy/sipp/`` (which integrators can run by hand too).

Phones (UAS, one SIPp each on a free loopback UDP port, answering any number of calls):

- ``phone``: rings ``ring_ms``, answers, waits for the caller's BYE;
- ``phone_hangup``: same, then hangs up itself after ``talk_ms``;
- ``phone_noanswer``: rings until CANCELed;
- ``phone_refer``: answers after ``ring_ms``, after ``talk_ms`` transfers the caller with an
  in-dialog REFER to ``sip:<target>`` (``target`` is ``user@host``), then waits for the
  caller's BYE.

Callers (UAC, one SIPp per batch, from a CSV of ``caller;line`` rows): ``caller`` (hangs up
``duration_ms`` after the answer), ``caller_wait`` (waits for the operator's BYE),
``caller_abandon`` (CANCELs ``abandon_ms`` after the last provisional reply; SIPp takes no
variable in a timeout, so the scenario is rewritten per test), ``caller_transfer`` (accepts the
operator's REFER with 202, hangs up ``duration_ms`` later). An operator's phone consulting the
second line is a ``caller`` whose number is the operator's extension.

Every SIPp writes ``-trace_shortmsg``: ``parse_shortmsg()`` turns it into per-Call-ID message
times (epoch seconds) to compare with what Pronto recorded. SIPp writes traces when it exits:
read a phone's after ``stop()``, a batch's after it ended.

Binary: ``$PRONTO_TEST_SIPP`` (scripts/ensure_kamailio.sh), else ``sipp`` on PATH or /usr/bin.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.servers import LOOPBACK
from tests.servers.kamailio import REPO, free_udp_port, udp_port_bound

SCENARIOS = REPO / "deploy" / "sipp"
PHONE_SCENARIOS = ("phone", "phone_hangup", "phone_noanswer", "phone_refer")
CALLER_SCENARIOS = ("caller", "caller_wait", "caller_abandon", "caller_transfer")
ABANDON_TIMEOUT_IN_FILE = 'timeout="1500"'


def sipp_binary() -> str | None:
    configured = os.environ.get("PRONTO_TEST_SIPP")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    for candidate in (shutil.which("sipp"), "/usr/bin/sipp", "/usr/local/bin/sipp"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


# ----------------------------------------------------------------------------------------------
# Traces
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SipMessage:
    """One line of ``-trace_shortmsg``: sent (``S``) or received (``R``) at ``at`` (epoch s)."""

    at: float
    direction: str
    cseq: str  # e.g. "1 INVITE"
    first_line: str  # "INVITE sip:800100@127.0.0.1:5070 SIP/2.0" or "SIP/2.0 180 Ringing"

    @property
    def status(self) -> int | None:
        match = re.match(r"SIP/2\.0 (\d{3})", self.first_line)
        return int(match.group(1)) if match else None

    @property
    def method(self) -> str | None:
        """The request's method, or None for a response."""
        return None if self.status is not None else self.first_line.split(" ", 1)[0]


# 2026-12-03\t14:20:01.123456\t1796292496.424328\tS\t1-1234@127.0.0.1\tCSeq:1 INVITE\tINVITE sip:...
_SHORTMSG = re.compile(
    r"^\S+\s+\S+\s+(?P<at>\d+\.\d+)\s+(?P<dir>[SR])\s+(?P<call_id>\S+)\s+"
    r"CSeq:\s*(?P<cseq>\d+ \S+)\s+(?P<line>.*)$"
)


def parse_shortmsg(path: Path) -> dict[str, list[SipMessage]]:
    """``{Call-ID: [messages in order]}`` from a ``-trace_shortmsg`` file (empty if none)."""
    calls: dict[str, list[SipMessage]] = {}
    if not path.exists():
        return calls
    for line in path.read_text(errors="replace").splitlines():
        match = _SHORTMSG.match(line.strip())
        if match:
            message = SipMessage(float(match["at"]), match["dir"], match["cseq"], match["line"].strip())
            calls.setdefault(match["call_id"], []).append(message)
    return calls


def first(
    messages: Sequence[SipMessage], *, direction: str, status: int | None = None, method: str | None = None
) -> SipMessage:
    """The first message of that direction and status (response) or method (request)."""
    for message in messages:
        if message.direction != direction:
            continue
        if status is not None and message.status == status:
            return message
        if method is not None and message.method == method:
            return message
    raise AssertionError(f"no {direction} {status or method} in {messages}")


# ----------------------------------------------------------------------------------------------
# Running SIPp
# ----------------------------------------------------------------------------------------------


def _scenario(name: str, workdir: Path, *, abandon_ms: int | None = None) -> Path:
    source = SCENARIOS / f"{name}.xml"
    if abandon_ms is None:
        return source
    text = source.read_text()
    if ABANDON_TIMEOUT_IN_FILE not in text:
        raise ValueError(f"{source} has no {ABANDON_TIMEOUT_IN_FILE} to template")
    target = workdir / f"{name}-{abandon_ms}ms.xml"
    target.write_text(text.replace(ABANDON_TIMEOUT_IN_FILE, f'timeout="{int(abandon_ms)}"'))
    return target


@dataclass
class SippPhone:
    """An operator's phone: ``uri`` is what Pronto offers (``sip:<user>@127.0.0.1:<port>``)."""

    binary: str
    workdir: Path
    user: str
    scenario: str = "phone"
    ring_ms: int = 300
    talk_ms: int = 1000
    target: str = ""
    host: str = LOOPBACK
    port: int = field(default_factory=free_udp_port)
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def uri(self) -> str:
        return f"sip:{self.user}@{self.host}:{self.port}"

    @property
    def trace_path(self) -> Path:
        return self.workdir / f"phone-{self.user}-{self.port}.msg"

    def command(self) -> list[str]:
        if self.scenario not in PHONE_SCENARIOS:
            raise ValueError(f"unknown phone scenario {self.scenario!r}; one of {PHONE_SCENARIOS}")
        command = [self.binary, "-sf", str(_scenario(self.scenario, self.workdir)), "-i", self.host]
        command += [
            "-p",
            str(self.port),
            "-nostdin",
            "-trace_shortmsg",
            "-shortmessage_file",
            str(self.trace_path),
        ]
        command += ["-trace_err", "-error_file", str(self.workdir / f"phone-{self.user}-{self.port}.err")]
        if self.scenario != "phone_noanswer":
            command += ["-set", "ring", str(self.ring_ms)]
        if self.scenario in ("phone_hangup", "phone_refer"):
            command += ["-set", "talk", str(self.talk_ms)]
        if self.scenario == "phone_refer":
            command += ["-set", "target", self.target]
        return command

    def start(self, timeout: float = 5.0) -> SippPhone:
        with (self.workdir / f"phone-{self.user}-{self.port}.out").open("ab") as out:
            self.process = subprocess.Popen(
                self.command(), stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while not udp_port_bound(self.host, self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"sipp phone {self.user} did not bind {self.host}:{self.port}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        """End SIPp (SIGUSR1: it quits after writing its traces); SIGKILL if it hangs."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGUSR1)
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def messages(self) -> dict[str, list[SipMessage]]:
        return parse_shortmsg(self.trace_path)


@dataclass
class SippResult:
    returncode: int
    messages: dict[str, list[SipMessage]]  # per Call-ID
    output: str
    errors: str

    def assert_ok(self) -> None:
        assert self.returncode == 0, (
            f"sipp rc={self.returncode}\n{self.errors[-3000:]}\n{self.output[-1500:]}"
        )


@dataclass
class SippCallRun:
    """A batch of calls under way; ``wait()`` gives its ``SippResult``."""

    process: subprocess.Popen
    trace_path: Path
    error_path: Path
    out_path: Path

    def wait(self, timeout: float = 40.0) -> SippResult:
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        read = lambda path: path.read_text(errors="replace") if path.exists() else ""  # noqa: E731
        return SippResult(
            self.process.returncode,
            parse_shortmsg(self.trace_path),
            read(self.out_path),
            read(self.error_path),
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class SippLab:
    """Phones and callers of one test (or module); ``close()`` stops whatever still runs."""

    def __init__(self, binary: str, workdir: Path) -> None:
        self.binary = binary
        self.workdir = workdir
        self.phones: list[SippPhone] = []
        self.runs: list[SippCallRun] = []
        self._batches = 0

    def phone(
        self, user: str, scenario: str = "phone", *, ring_ms: int = 300, talk_ms: int = 1000, target: str = ""
    ) -> SippPhone:
        """A started phone (see the module's docstring for the scenarios)."""
        phone = SippPhone(
            self.binary, self.workdir, user, scenario, ring_ms=ring_ms, talk_ms=talk_ms, target=target
        )
        self.phones.append(phone)
        return phone.start()

    def start_calls(
        self,
        kamailio: str,
        calls: Sequence[tuple[str, str]],
        *,
        scenario: str = "caller",
        duration_ms: int = 500,
        abandon_ms: int | None = None,
        rate: int = 10,
        timeout_s: int = 30,
        limit: int | None = None,
    ) -> SippCallRun:
        """Start dialling ``kamailio`` (``host:port``): one call per ``(caller, line)``, at
        ``rate`` calls per second, in the background. ``limit``: calls open at once (SIPp's
        default, 3 x rate x duration, slows the rate down once calls queue)."""
        if scenario not in CALLER_SCENARIOS:
            raise ValueError(f"unknown caller scenario {scenario!r}; one of {CALLER_SCENARIOS}")
        if scenario == "caller_abandon" and abandon_ms is None:
            abandon_ms = 1500
        self._batches += 1
        stem = self.workdir / f"calls-{self._batches}"
        csv = stem.with_suffix(".csv")
        csv.write_text("SEQUENTIAL\n" + "".join(f"{caller};{line}\n" for caller, line in calls))
        trace, errors, out = (stem.with_suffix(s) for s in (".msg", ".err", ".out"))
        command = [
            self.binary,
            kamailio,
            "-sf",
            str(_scenario(scenario, self.workdir, abandon_ms=abandon_ms)),
        ]
        command += ["-inf", str(csv), "-i", LOOPBACK, "-p", str(free_udp_port()), "-m", str(len(calls))]
        command += [
            "-r",
            str(rate),
            "-d",
            str(duration_ms),
            "-nostdin",
            "-timeout",
            f"{timeout_s}s",
            "-timeout_error",
        ]
        if limit is not None:
            command += ["-l", str(limit)]
        command += [
            "-trace_shortmsg",
            "-shortmessage_file",
            str(trace),
            "-trace_err",
            "-error_file",
            str(errors),
        ]
        with out.open("wb") as sink:
            process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT
            )
        run = SippCallRun(process, trace, errors, out)
        self.runs.append(run)
        return run

    def call(self, kamailio: str, calls: Sequence[tuple[str, str]], **kwargs) -> SippResult:
        """``start_calls(...)`` and wait for the batch to end."""
        return self.start_calls(kamailio, calls, **kwargs).wait()

    def close(self) -> None:
        for run in self.runs:
            run.stop()
        for phone in self.phones:
            phone.stop()


@contextlib.contextmanager
def sipp_lab_or_skip() -> Iterator[SippLab]:
    """A ``SippLab`` in a fresh temporary directory, closed afterwards; skips without SIPp."""
    binary = sipp_binary()
    if binary is None:
        pytest.skip("sipp is not installed (or $PRONTO_TEST_SIPP is wrong): run scripts/ensure_kamailio.sh")
    lab = SippLab(binary, Path(tempfile.mkdtemp(prefix="pronto-sipp-")))
    try:
        yield lab
    finally:
        lab.close()
        shutil.rmtree(lab.workdir, ignore_errors=True)


@pytest.fixture
def sipp_lab() -> Iterator[SippLab]:
    """Phones and callers for one test; everything is stopped after it."""
    with sipp_lab_or_skip() as lab:
        yield lab
