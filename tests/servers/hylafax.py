"""A private HylaFAX server (hfaxd + faxq) on loopback for the fax backend's integration tests.

``HylafaxGateway.create()`` builds a spool of its own in a fresh temporary directory (never the
machine's /var/spool/hylafax, whose daemons and port 4559 are left alone), then ``start()`` runs

    faxq -D -q <spool>                                   # the scheduler, in the foreground
    hfaxd -d -q <spool> -l 127.0.0.1 -i <free port>      # the client-protocol server, ditto

each in a process group of its own, so ``stop()`` ends them and hfaxd's per-connection children
by group id. There is no modem: jobs are accepted (``JSUBM`` answers once faxq holds the job)
and then wait for a modem forever, which is what "sent" means for the backend.

The spool: empty queue directories owned by the fax user (Debian: uucp), ``bin/`` copied from the
system spool (faxq's document converters), ``etc/`` from /etc/hylafax with ``setup.cache``
pointing at the private spool (faxq exits at once without it), our own ``etc/config`` and an
``etc/hosts.hfaxd`` (fax user, mode 600, or hfaxd refuses everyone) that admits

- ``pronto`` with the password ``PASSWORD`` (what the backend under test logs in as),
- nobody called ``intruder`` (for the refused-login test),
- anyone else from loopback without a password (faxstat, which logs in as the Unix user).

hfaxd must be started as root: it switches to the fax user and, at each login, chroots into the
spool (started as another user it exits at once, or answers "550 Cannot set privileges."). When
the binaries are missing, we are not root, or the first start fails, ``create_or_skip`` skips
with the exact command and error; tests using it are marked ``real_component``, so CI fails.
Binaries: ``$PRONTO_TEST_HFAXD`` / ``$PRONTO_TEST_FAXQ`` / ``$PRONTO_TEST_FAXSTAT`` (see
scripts/ensure_hylafax.sh), else PATH, /usr/sbin, /usr/bin.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import ftplib
import os
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.servers import LOOPBACK, free_port, started_or_skip

SYSTEM_SPOOL = Path("/var/spool/hylafax")
SYSTEM_CONFIG = Path("/etc/hylafax")
USER = "pronto"
PASSWORD = "pronto-test-password"
DENIED_USER = "intruder"
QUEUE_DIRS = ("archive", "client", "config", "dev", "docq", "doneq", "info", "log", "pollq", "recvq")
QUEUE_DIRS += ("sendq", "status", "tmp")


def hylafax_tool(name: str) -> str | None:
    """``$PRONTO_TEST_<NAME>`` if set (and executable), else the tool from PATH, /usr/sbin or
    /usr/bin (Debian puts the daemons in /usr/sbin, often not on a user's PATH)."""
    configured = os.environ.get(f"PRONTO_TEST_{name.upper()}")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    for candidate in (shutil.which(name), f"/usr/sbin/{name}", f"/usr/bin/{name}"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def crypt_password(password: str, salt: str = "$6$prontotest$") -> str:
    """``password`` hashed as hosts.hfaxd wants it: by the C library's crypt(3), the same one
    hfaxd checks PASS with (Python's ``crypt`` module is deprecated and gone in 3.13)."""
    library = ctypes.util.find_library("crypt")
    if library is None:
        raise RuntimeError("libcrypt not found: cannot write a password into hosts.hfaxd")
    crypt = ctypes.CDLL(library).crypt
    crypt.restype = ctypes.c_char_p
    crypt.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    hashed = crypt(password.encode(), salt.encode())
    if not hashed or hashed.startswith(b"*"):
        raise RuntimeError(f"crypt(3) refused the salt {salt!r}")
    return hashed.decode()


def _proc_stat(pid: int) -> tuple[str, int, int] | None:
    """``(state, ppid, pgid)`` of ``pid`` from /proc, ``None`` once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        return fields[0], int(fields[1]), int(fields[2])
    except (OSError, IndexError, ValueError):
        return None


def _group_members(pgid: int) -> list[int]:
    """Live processes of group ``pgid`` other than its leader."""
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != pgid:
            info = _proc_stat(int(entry.name))
            if info is not None and info[2] == pgid and info[0] != "Z":
                members.append(int(entry.name))
    return members


def _wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _stop_group(process: subprocess.Popen | None, timeout: float = 5.0) -> None:
    """End the process group ``process`` leads (started with ``start_new_session``) and reap it.

    hfaxd forks a child per client: those go first (given a second to finish their session,
    then SIGTERM) while their parent is alive to reap them; a child orphaned mid-exit would be
    left to PID 1, which in some containers never reaps. Then SIGTERM to the leader, SIGKILL for
    anything left in the group. The leader is reaped last, so the group id cannot have been
    reused meanwhile: only our own children are ever signalled."""
    if process is None:
        return
    if process.poll() is None:
        pgid = process.pid
        if not _wait_until(lambda: not _group_members(pgid), 1.0):
            for pid in _group_members(pgid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGTERM)
            _wait_until(lambda: not _group_members(pgid), 2.0)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pgid, signal.SIGTERM)
        _wait_until(lambda: (_proc_stat(pgid) or ("Z",))[0] == "Z", timeout)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
    process.wait()


@dataclass
class HylafaxGateway:
    """A private hfaxd + faxq pair on one spool; ``port`` stays the same across stop/start."""

    hfaxd: str
    faxq: str
    faxstat_binary: str | None
    workdir: Path
    port: int
    host: str = LOOPBACK
    user: str = USER
    password: str = PASSWORD
    fax_uid: int = 0
    fax_gid: int = 0
    hfaxd_process: subprocess.Popen | None = field(default=None, repr=False)
    faxq_process: subprocess.Popen | None = field(default=None, repr=False)

    # ------------------------------------------------------------------------------------------
    # Building and running
    # ------------------------------------------------------------------------------------------

    @classmethod
    def create(cls) -> HylafaxGateway:
        """Binaries found, spool built; nothing started yet. Raises ``RuntimeError`` saying what
        is missing."""
        hfaxd, faxq = hylafax_tool("hfaxd"), hylafax_tool("faxq")
        if hfaxd is None or faxq is None:
            raise RuntimeError("hfaxd/faxq are not installed: run scripts/ensure_hylafax.sh")
        if os.geteuid() != 0:
            raise RuntimeError(
                f"hfaxd must be started as root (running as uid {os.geteuid()}): it switches to the fax "
                "user and chroots into its spool at each login"
            )
        if not (SYSTEM_SPOOL / "sendq").is_dir() or not (SYSTEM_CONFIG / "setup.cache").is_file():
            raise RuntimeError(
                f"{SYSTEM_SPOOL} or {SYSTEM_CONFIG}/setup.cache is missing (hylafax-server not configured): "
                "run scripts/ensure_hylafax.sh"
            )
        # A directory the fax user can reach: pytest's tmp_path sits under a 0700 root directory.
        workdir = Path(tempfile.mkdtemp(prefix="pronto-hylafax-", dir="/tmp"))
        workdir.chmod(0o755)
        owner = (SYSTEM_SPOOL / "sendq").stat()
        gateway = cls(
            hfaxd=hfaxd,
            faxq=faxq,
            faxstat_binary=hylafax_tool("faxstat"),
            workdir=workdir,
            port=free_port(),
            fax_uid=owner.st_uid,
            fax_gid=owner.st_gid,
        )
        try:
            gateway.build_spool()
        except Exception:
            shutil.rmtree(workdir, ignore_errors=True)
            raise
        return gateway

    @classmethod
    def create_or_skip(cls) -> HylafaxGateway:
        """``create()`` and ``start()``, or skip the test saying why."""
        return started_or_skip("HylaFAX", cls.create)

    @property
    def spool(self) -> Path:
        return self.workdir / "spool"

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def build_spool(self) -> None:
        spool = self.spool
        spool.mkdir()
        for name in QUEUE_DIRS:
            (spool / name).mkdir()
        (spool / "tmp").chmod(0o1777)
        if (SYSTEM_SPOOL / "bin").is_dir():
            shutil.copytree(SYSTEM_SPOOL / "bin", spool / "bin", symlinks=True)
        # Not the machine's per-modem configs (config.<device>): this server has no modem.
        skip = shutil.ignore_patterns("config.*", "hosts.hfaxd")
        shutil.copytree(SYSTEM_CONFIG, spool / "etc", symlinks=True, ignore=skip)
        setup_cache = spool / "etc" / "setup.cache"
        lines = setup_cache.read_text().splitlines()
        lines = [f"SPOOL='{spool}'" if line.startswith("SPOOL=") else line for line in lines]
        setup_cache.chmod(0o644)
        setup_cache.write_text("\n".join(lines) + "\n")
        (spool / "etc" / "config").write_text(
            "# faxq's configuration for a private test spool (tests/servers/hylafax.py)\n"
            "LogFacility: daemon\n"
            "CountryCode: 39\n"
            "AreaCode: 02\n"
            "LongDistancePrefix: 0\n"
            "InternationalPrefix: 00\n"
        )
        hosts = spool / "etc" / "hosts.hfaxd"
        hosts.write_text(
            "# client:uid:passwd:adminwd (hosts.hfaxd(5)); the first match wins\n"
            f"^{self.user}@::{crypt_password(self.password)}:\n"
            f"!^{DENIED_USER}@\n"
            "127.0.0.1\n"
            "localhost\n"
        )
        for path in [spool, *spool.rglob("*")]:
            os.lchown(path, self.fax_uid, self.fax_gid)
        hosts.chmod(0o600)
        # faxstat reads its job listing format from ~/.hylarc: id, state, tag, dial string.
        (self.workdir / ".hylarc").write_text('JobFmt: "%j|%a|%J|%e"\n')

    @property
    def hfaxd_command(self) -> list[str]:
        # -l must come before -i; -d keeps hfaxd in the foreground (no detaching).
        return [self.hfaxd, "-d", "-q", str(self.spool), "-l", self.host, "-i", str(self.port)]

    @property
    def faxq_command(self) -> list[str]:
        return [self.faxq, "-D", "-q", str(self.spool)]

    @property
    def running(self) -> bool:
        return self.server_running and self.scheduler_running

    @property
    def server_running(self) -> bool:
        return self.hfaxd_process is not None and self.hfaxd_process.poll() is None

    @property
    def scheduler_running(self) -> bool:
        return self.faxq_process is not None and self.faxq_process.poll() is None

    def log(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _spawn(self, name: str, command: list[str]) -> subprocess.Popen:
        with (self.workdir / f"{name}.log").open("ab") as log:
            return subprocess.Popen(
                command,
                cwd=self.spool,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def _failed(self, name: str, command: list[str], process: subprocess.Popen, why: str) -> RuntimeError:
        code = process.poll()
        exited = f"exited with status {code}" if code is not None else "still running"
        return RuntimeError(
            f"`{' '.join(command)}` {why} ({exited}); it logs to syslog only, its output was: "
            f"{self.log(name).strip() or '(none)'}"
        )

    def start_scheduler(self, timeout: float = 10.0) -> None:
        """Start faxq; return once it reads the spool's FIFO (hfaxd can submit jobs)."""
        if self.scheduler_running:
            return
        process = self.faxq_process = self._spawn("faxq", self.faxq_command)
        deadline = time.monotonic() + timeout
        fifo = self.spool / "FIFO"
        while True:
            try:
                # Opening a FIFO for writing without blocking works only while a reader has it.
                if stat.S_ISFIFO(fifo.stat().st_mode):
                    os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
                    return
            except OSError:
                pass
            if process.poll() is not None:
                raise self._failed("faxq", self.faxq_command, process, "did not start")
            if time.monotonic() > deadline:
                _stop_group(process)
                raise self._failed(
                    "faxq", self.faxq_command, process, f"did not open its FIFO in {timeout} s"
                )
            time.sleep(0.02)

    def stop_scheduler(self) -> None:
        process, self.faxq_process = self.faxq_process, None
        _stop_group(process)

    def start_server(self, timeout: float = 10.0) -> None:
        """Start hfaxd on ``port``; return once it greets a client with ``220``."""
        if self.server_running:
            return
        process = self.hfaxd_process = self._spawn("hfaxd", self.hfaxd_command)
        deadline = time.monotonic() + timeout
        greeting = b""
        while True:
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as sock:
                    greeting = sock.recv(256)
                    if greeting.startswith(b"220"):
                        sock.sendall(b"QUIT\r\n")
                        return
            except OSError:
                pass
            if process.poll() is not None:
                raise self._failed("hfaxd", self.hfaxd_command, process, "did not start")
            if time.monotonic() > deadline:
                _stop_group(process)
                why = f"did not greet with 220 on {self.address} in {timeout} s (last: {greeting!r})"
                raise self._failed("hfaxd", self.hfaxd_command, process, why)
            time.sleep(0.02)

    def stop_server(self) -> None:
        process, self.hfaxd_process = self.hfaxd_process, None
        _stop_group(process)

    def start(self) -> None:
        """Scheduler first, then the server: a job accepted by hfaxd always finds faxq."""
        self.start_scheduler()
        self.start_server()

    def stop(self) -> None:
        self.stop_server()
        self.stop_scheduler()

    def close(self) -> None:
        """Stop both daemons and delete the spool."""
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    # ------------------------------------------------------------------------------------------
    # Looking at what the server holds
    # ------------------------------------------------------------------------------------------

    def qfile(self, job_id: str) -> dict[str, str] | None:
        """The job description file (sendq(5)) of ``job_id``, from sendq or doneq, as a dict;
        keys repeat for documents, so those are joined with newlines."""
        for queue in ("sendq", "doneq"):
            path = self.spool / queue / f"q{job_id}"
            if path.exists():
                fields: dict[str, str] = {"queue": queue}
                for line in path.read_text(errors="replace").splitlines():
                    key, _, value = line.partition(":")
                    fields[key] = f"{fields[key]}\n{value}" if key in fields else value
                return fields
        return None

    def jobs_tagged(self, tag: str) -> list[str]:
        """Ids of the jobs whose qfile carries ``tag``, in either queue."""
        found = []
        for queue in ("sendq", "doneq"):
            for path in sorted((self.spool / queue).glob("q*")):
                for line in path.read_text(errors="replace").splitlines():
                    if line == f"jobtag:{tag}":
                        found.append(path.name[1:])
        return found

    def faxstat(self, *args: str) -> str:
        """HylaFAX's own client against this server (``faxstat -s`` lists sendq), with the job
        format ``id|state|tag|dial string``."""
        if self.faxstat_binary is None:
            pytest.skip("faxstat is not installed (package hylafax-client): run scripts/ensure_hylafax.sh")
        command = [self.faxstat_binary, "-h", self.address, *args]
        # Seen twice (full suite, loaded 2-core machine): faxstat stalled until the timeout while
        # hfaxd went on answering the backend. It is run once more before the test fails.
        for attempt in (1, 2):
            try:
                result = subprocess.run(
                    command,
                    env={**os.environ, "HOME": str(self.workdir)},
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    text=True,
                    timeout=15,
                    check=False,
                )
                break
            except subprocess.TimeoutExpired:
                if attempt == 2:
                    raise
        if result.returncode != 0:
            raise RuntimeError(f"faxstat {' '.join(args)} failed ({result.returncode}): {result.stderr}")
        return result.stdout

    def session(self, timeout: float = 5.0) -> ftplib.FTP:
        """A raw protocol session logged in as ``user`` (the owner of the backend's jobs)."""
        ftp = ftplib.FTP()
        ftp.connect(self.host, self.port, timeout=timeout)
        ftp.login(self.user, self.password)
        return ftp

    def kill_job(self, job_id: str, timeout: float = 10.0) -> dict[str, str]:
        """``JKILL`` the job as its owner and wait until faxq moved it to doneq; its qfile."""
        ftp = self.session()
        try:
            ftp.sendcmd(f"JKILL {job_id}")
        finally:
            with contextlib.suppress(Exception):
                ftp.quit()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            fields = self.qfile(job_id)
            if fields is not None and fields["queue"] == "doneq":
                return fields
            time.sleep(0.05)
        raise TimeoutError(f"job {job_id} not in doneq {timeout} s after JKILL: {self.qfile(job_id)}")

    def rewrite_qfile(self, job_id: str, **values: str) -> None:
        """Change fields of a job's qfile in place, as faxq would (used to stand in for a modem
        that finished a job: there is none here)."""
        for queue in ("sendq", "doneq"):
            path = self.spool / queue / f"q{job_id}"
            if path.exists():
                lines = path.read_text(errors="replace").splitlines()
                lines = [
                    f"{key}:{values[key]}" if (key := line.partition(":")[0]) in values else line
                    for line in lines
                ]
                path.write_text("\n".join(lines) + "\n")
                # hfaxd re-reads a cached job only when the file's mtime moves on.
                later = time.time() + 2
                os.utime(path, (later, later))
                return
        raise FileNotFoundError(f"no qfile for job {job_id}")
