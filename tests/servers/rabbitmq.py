"""RabbitMQ for the queue tests: a private node on free loopback ports, or else the machine's.

The private node (``pronto-test-<port>@localhost``) keeps everything in a temporary directory:
its database, logs, config, an empty plugin list (no management plugin, no port of its own) and
the Erlang cookie, because ``HOME`` is that directory too (``rabbitmqctl`` is given the same
``HOME``, so it holds the same cookie). It registers with the machine's epmd (port 4369),
starting one if none runs, as any Erlang node does. ``stop()`` is ``rabbitmqctl stop``.

Binaries: ``$PRONTO_TEST_RABBITMQ_SERVER`` and ``$PRONTO_TEST_RABBITMQCTL``
(scripts/ensure_rabbitmq.sh prints them), else PATH and /usr/sbin. Debian's /usr/sbin scripts
are wrappers that, as root, switch to the ``rabbitmq`` user (who cannot write the temporary
directory); the scripts they wrap, in /usr/lib/rabbitmq/bin, are run instead when they exist.

When no private node starts, ``create_or_skip`` falls back to the machine's broker
(``amqp://guest:guest@127.0.0.1:5672//``, or ``$PRONTO_TEST_RABBITMQ_URL``), whose queues other
runs may share: a test then gives its queues a unique prefix (``queue_prefix``, which
``PRONTO_CELERY_QUEUE_PREFIX`` hands to the workers). When neither is there, the test skips;
tests using it are marked ``real_component``, so CI fails instead.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.servers import LOOPBACK, free_port, process_group_end, wait_for_port

MACHINE_BROKER_URL = "amqp://guest:guest@127.0.0.1:5672//"
DEBIAN_SCRIPTS = Path("/usr/lib/rabbitmq/bin")


def _tool(variable: str, name: str) -> str | None:
    configured = os.environ.get(variable)
    found = configured if configured else shutil.which(name) or f"/usr/sbin/{name}"
    if not os.access(found, os.X_OK):
        return None
    wrapped = DEBIAN_SCRIPTS / name
    if os.access(wrapped, os.X_OK) and str(DEBIAN_SCRIPTS) in Path(found).read_text(errors="replace"):
        return str(wrapped)
    return found


def rabbitmq_binaries() -> tuple[str, str] | None:
    """``(rabbitmq-server, rabbitmqctl)``, the scripts a non-``rabbitmq`` user can run."""
    server = _tool("PRONTO_TEST_RABBITMQ_SERVER", "rabbitmq-server")
    ctl = _tool("PRONTO_TEST_RABBITMQCTL", "rabbitmqctl")
    return (server, ctl) if server and ctl else None


@dataclass
class RabbitMQServer:
    """A private RabbitMQ node; ``url()`` is its AMQP address (guest, default vhost)."""

    server: str
    ctl: str
    workdir: Path
    host: str = LOOPBACK
    port: int = field(default_factory=free_port)
    dist_port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = field(default=None, repr=False)
    queue_prefix: str = ""

    @classmethod
    def create(cls) -> RabbitMQServer:
        binaries = rabbitmq_binaries()
        if binaries is None:
            raise RuntimeError("rabbitmq-server not installed: run scripts/ensure_rabbitmq.sh")
        return cls(*binaries, workdir=Path(tempfile.mkdtemp(prefix="pronto-rabbitmq-")))

    @classmethod
    def create_or_skip(cls) -> RabbitMQServer | MachineRabbitMQ:
        """A started private node; else the machine's broker; else the test skips, saying why."""
        try:
            server = cls.create()
        except RuntimeError as exc:
            problem = str(exc)
        else:
            try:
                server.start()
                return server
            except RuntimeError as exc:
                problem = str(exc)
                server.close()
        machine = MachineRabbitMQ(os.environ.get("PRONTO_TEST_RABBITMQ_URL", MACHINE_BROKER_URL))
        reachable = machine.reachable()
        if reachable is not True:
            pytest.skip(f"RabbitMQ unavailable: no private node ({problem[-1500:]}); {reachable}")
        return machine

    @property
    def nodename(self) -> str:
        return f"pronto-test-{self.port}@localhost"

    def url(self) -> str:
        return f"amqp://guest:guest@{self.host}:{self.port}//"

    @property
    def log_path(self) -> Path:
        return self.workdir / "server.log"

    def log(self) -> str:
        logs = [self.log_path, *sorted((self.workdir / "log").glob("*.log"))]
        return "\n".join(path.read_text(errors="replace") for path in logs if path.exists())

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "HOME": str(self.workdir),  # its own ~/.erlang.cookie, for the node and rabbitmqctl alike
            "RABBITMQ_NODENAME": self.nodename,
            "RABBITMQ_NODE_IP_ADDRESS": self.host,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.workdir / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.workdir / "log"),
            "RABBITMQ_CONFIG_FILE": str(self.workdir / "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(self.workdir / "advanced.config"),
            "RABBITMQ_CONF_ENV_FILE": str(self.workdir / "rabbitmq-env.conf"),  # not /etc/rabbitmq's
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.workdir / "enabled_plugins"),
            "RABBITMQ_PID_FILE": str(self.workdir / "rabbitmq.pid"),
            # Erlang distribution (rabbitmqctl's way in) on loopback only.
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }

    def write_config(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "rabbitmq.conf").write_text(f"listeners.tcp.default = {self.host}:{self.port}\n")
        (self.workdir / "advanced.config").write_text("[].\n")
        (self.workdir / "rabbitmq-env.conf").write_text("")
        (self.workdir / "enabled_plugins").write_text("[].\n")

    def ctl_run(self, *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess:
        return subprocess.run(
            [self.ctl, "-n", self.nodename, *args],
            env=self.environment(),
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def start(self, timeout: float = 90.0) -> None:
        if self.running:
            return
        self.write_config()
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [self.server],
                env=self.environment(),
                cwd=self.workdir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            wait_for_port(self.host, self.port, timeout, alive=lambda: self.running)
            done = self.ctl_run("await_startup", "--timeout", str(int(timeout)), timeout=timeout + 10)
            if done.returncode != 0:
                raise RuntimeError(f"rabbitmqctl await_startup: {done.stdout}{done.stderr}")
        except (RuntimeError, TimeoutError, subprocess.TimeoutExpired) as exc:
            self.stop()
            raise RuntimeError(f"RabbitMQ node {self.nodename}: {exc}\n{self.log()[-2000:]}") from exc

    def stop(self, timeout: float = 30.0) -> None:
        if self.process is None:
            return
        # The script, the Erlang VM and its helpers share the session started above.
        process_group_end(self.process, lambda: self.ctl_run("stop", timeout=timeout), timeout)
        self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


@dataclass
class MachineRabbitMQ:
    """The machine's broker, shared: nothing to start or stop; queues get a unique prefix."""

    broker_url: str
    queue_prefix: str = field(default_factory=lambda: f"pronto-test-{uuid.uuid4().hex[:8]}-")

    def url(self) -> str:
        return self.broker_url

    def reachable(self) -> bool | str:
        from kombu import Connection

        try:
            with Connection(self.broker_url, connect_timeout=3) as connection:
                connection.ensure_connection(max_retries=1)
        except Exception as exc:  # any failure to connect means "not there"
            return f"nor the machine's broker at {self.broker_url} ({type(exc).__name__}: {exc})"
        return True

    def log(self) -> str:
        return ""

    def close(self) -> None:
        """Deletes the queues and exchanges of this prefix; leaves the rest of the broker alone."""
        from kombu import Connection

        from config.queues_settings import PRONTO_QUEUES_BY_PRIORITY

        with contextlib.suppress(Exception), Connection(self.broker_url, connect_timeout=3) as connection:
            channel = connection.default_channel
            for name in PRONTO_QUEUES_BY_PRIORITY:
                channel.queue_delete(self.queue_prefix + name)
                channel.exchange_delete(self.queue_prefix + name)
