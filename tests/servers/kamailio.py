"""A private Kamailio on loopback running the shipped ``deploy/kamailio/kamailio.cfg``.

``KamailioServer.create_or_skip(pronto_url=..., secret=...)`` starts

    kamailio -DD -E -f deploy/kamailio/kamailio.cfg -L <modules> -Y <tmp> -P <tmp>/kamailio.pid
             -w <tmp> -l udp:127.0.0.1:<free port> -n 4 -m 64 -M 8

in the foreground (``-DD``: no daemon, its workers are children), logging to ``<tmp>/kamailio.log``,
with ``PRONTO_URL`` and ``PRONTO_TELEPHONY_SECRET`` in its environment (the cfg's ``#!defenvs``;
the secret is never on a command line), and returns once it answers a SIP OPTIONS (the cfg
answers 405: it is parsed, listening and running its routes). The machine's /etc/kamailio,
/run/kamailio and port 5060 are neither used nor touched.

Binary and modules: ``$PRONTO_TEST_KAMAILIO`` / ``$PRONTO_TEST_KAMAILIO_MODULES`` (see
scripts/ensure_kamailio.sh), else PATH, /usr/sbin, and Debian's multiarch modules directory.
When one is missing or the start fails, ``create_or_skip`` skips with the reason and the log;
tests using it are marked ``real_component``, so under CI=true the skip fails.
"""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from tests.servers import LOOPBACK, started_or_skip

REPO = Path(__file__).resolve().parents[2]
CFG_PATH = REPO / "deploy" / "kamailio" / "kamailio.cfg"
# What the cfg loads (scripts/ensure_kamailio.sh checks the same list).
MODULES = (
    "kex corex tm tmx sl rr pv maxfwd textops siputils xlog htable rtimer http_client crypto jansson"
).split()


def free_udp_port(host: str = LOOPBACK) -> int:
    """A UDP port nothing is bound to right now (the usual bind-to-0 race applies)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def udp_port_bound(host: str, port: int) -> bool:
    """Whether some process holds ``host:port`` (UDP): binding it here fails then."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def kamailio_binary() -> str | None:
    configured = os.environ.get("PRONTO_TEST_KAMAILIO")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    for candidate in (shutil.which("kamailio"), "/usr/sbin/kamailio", "/usr/local/sbin/kamailio"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def kamailio_modules_dir() -> str | None:
    configured = os.environ.get("PRONTO_TEST_KAMAILIO_MODULES")
    candidates = [configured] if configured else []
    candidates += [
        f"/usr/lib/{platform.machine()}-linux-gnu/kamailio/modules",
        "/usr/lib/x86_64-linux-gnu/kamailio/modules",
        "/usr/lib/aarch64-linux-gnu/kamailio/modules",
        "/usr/lib64/kamailio/modules",
        "/usr/lib/kamailio/modules",
        "/usr/local/lib64/kamailio/modules",
        "/usr/local/lib/kamailio/modules",
    ]
    for candidate in candidates:
        if candidate and Path(candidate, "tm.so").is_file():
            return candidate
    return None


@dataclass
class KamailioServer:
    """Kamailio with the shipped cfg on ``udp:host:port``; ``address`` (``host:port``) is what
    SIPp callers dial. ``log()`` gives its stderr so far."""

    binary: str
    modules: str
    workdir: Path
    pronto_url: str
    secret: str
    cfg: Path = CFG_PATH
    host: str = LOOPBACK
    port: int = field(default_factory=free_udp_port)
    workers: int = 4
    # Extra environment, e.g. PRONTO_FALLBACK_URI (where calls go when Pronto does not answer).
    environment: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = field(default=None, repr=False)

    @classmethod
    def create(cls, *, pronto_url: str, secret: str, cfg: Path = CFG_PATH) -> KamailioServer:
        """Binary and modules found, nothing started yet; ``RuntimeError`` says what is missing."""
        binary = kamailio_binary()
        if binary is None:
            raise RuntimeError("kamailio is not installed: run scripts/ensure_kamailio.sh")
        modules = kamailio_modules_dir()
        if modules is None:
            raise RuntimeError("no Kamailio modules directory (with tm.so): run scripts/ensure_kamailio.sh")
        missing = [name for name in MODULES if not Path(modules, f"{name}.so").is_file()]
        if missing:
            raise RuntimeError(f"Kamailio modules missing in {modules}: {', '.join(missing)}")
        workdir = Path(tempfile.mkdtemp(prefix="pronto-kamailio-"))
        return cls(
            binary=binary, modules=modules, workdir=workdir, pronto_url=pronto_url, secret=secret, cfg=cfg
        )

    @classmethod
    def create_or_skip(cls, *, pronto_url: str, secret: str, cfg: Path = CFG_PATH) -> KamailioServer:
        """``create()`` and ``start()`` (once more on a new port if that fails), or skip the test
        with the reason and Kamailio's log."""
        return started_or_skip(
            "Kamailio",
            lambda: cls.create(pronto_url=pronto_url, secret=secret, cfg=cfg),
            new_ports=cls.reassign_ports,
        )

    def reassign_ports(self) -> None:
        self.port = free_udp_port(self.host)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "kamailio.log"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def command(self) -> list[str]:
        return [
            self.binary,
            "-DD",
            "-E",
            "-f",
            str(self.cfg),
            "-L",
            self.modules,
            "-Y",
            str(self.workdir),
            "-P",
            str(self.workdir / "kamailio.pid"),
            "-w",
            str(self.workdir),
            "-l",
            f"udp:{self.host}:{self.port}",
            "-n",
            str(self.workers),
            "-m",
            "64",
            "-M",
            "8",
        ]

    def start(self, timeout: float = 10.0) -> None:
        """Start; return once it answers an OPTIONS. ``RuntimeError`` with the log otherwise."""
        if self.running:
            return
        env = {
            **os.environ,
            "PRONTO_URL": self.pronto_url,
            "PRONTO_TELEPHONY_SECRET": self.secret,
            **self.environment,
        }
        with self.log_path.open("ab") as log:
            # A session of its own: stop() signals the group (main process and its workers).
            self.process = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while not self.answers_options():
            if not self.running:
                exited = self.process.returncode if self.process else None
                self.stop()
                raise RuntimeError(f"kamailio exited ({exited}) before listening; log:\n{self.log()[-3000:]}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    f"kamailio did not answer on {self.address} in {timeout} s; log:\n{self.log()[-3000:]}"
                )

    def answers_options(self, wait: float = 0.2) -> bool:
        """Send one OPTIONS; whether any SIP reply came back within ``wait`` seconds."""
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind((self.host, 0))
            local = sock.getsockname()[1]
            tag = uuid.uuid4().hex[:12]
            request = (
                f"OPTIONS sip:ping@{self.address} SIP/2.0\r\n"
                f"Via: SIP/2.0/UDP {self.host}:{local};branch=z9hG4bK{tag}\r\n"
                f"From: <sip:probe@{self.host}:{local}>;tag={tag}\r\n"
                f"To: <sip:ping@{self.address}>\r\n"
                f"Call-ID: probe-{tag}@{self.host}\r\n"
                "CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
            )
            sock.settimeout(wait)
            try:
                sock.sendto(request.encode(), (self.host, self.port))
                data = sock.recv(4096)
            except OSError:
                time.sleep(0.05)
                return False
        return data.startswith(b"SIP/2.0 ")

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM to the main process (its workers follow); SIGKILL to the group if it hangs."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        # Workers that outlived the main process (they should not): same group, ours.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)

    def close(self) -> None:
        """Stop and delete the working directory."""
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)
