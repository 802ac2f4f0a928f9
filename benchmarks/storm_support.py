"""The processes of ``benchmarks/storm.py``: a Mosquitto that logs subscriptions, a private Redis,
the Celery worker, gunicorn, the telemetry listeners and pollers (each a real ``manage.py``
process), the MQTT telemetry publisher (a child process of its own, so its CPU is not the
storm's), and the world the storm needs in the database.

Run as a script it is the publisher::

    python benchmarks/storm_support.py publish --port 1883 --plants 10000 [--interval 10]

which publishes one telemetry message per plant (codes ``SM-00000`` ...) every ``interval``
seconds at QoS 1, spread evenly over the interval in ticks of 0.1 s, until its stdin closes; then
it waits for the broker's PUBACKs and prints one JSON line: published, acknowledged, complete
rounds and how far the last round got (so the parent knows each plant's last ``seq``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.telecontrol_support import (  # noqa: E402
    LOOPBACK,
    PYTHON,
    BenchError,
    free_port,
    log,
    mosquitto_binary,
    wait_for_port,
)

VENV_BIN = ROOT / ".venv" / "bin"
GUNICORN = str(VENV_BIN / "gunicorn") if (VENV_BIN / "gunicorn").exists() else "gunicorn"
MQTT_CODE_PREFIX = "SM"
MODBUS_CODE_PREFIX = "SP"
TOPIC_PREFIX = "plants"
TICK = 0.1


def mqtt_code(index: int) -> str:
    return f"{MQTT_CODE_PREFIX}-{index:05d}"


# ----------------------------------------------------------------------------------------------
# CPU of a process (and its children) from /proc


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, utime + stime in seconds) of ``pid``, or None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int, *, children: bool = False) -> float:
    """utime + stime of ``pid`` (and of its living descendants: gunicorn's and Celery's workers)."""
    own = _stat(pid)
    if own is None:
        return float("nan")
    total = own[1]
    if children:
        parents = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
                parents[int(entry.name)] = stat
        family, grew = {pid}, True
        while grew:
            grew = False
            for child, (ppid, _cpu) in parents.items():
                if ppid in family and child not in family:
                    family.add(child)
                    grew = True
        total += sum(parents[p][1] for p in family - {pid} if p in parents)
    return total


# ----------------------------------------------------------------------------------------------
# Processes


class Process:
    """A child in its own session, its output in a log file; stopped with SIGTERM."""

    def __init__(self, name: str, cmd: list[str], env: dict[str, str], workdir: Path) -> None:
        self.name, self.cmd, self.env = name, cmd, env
        self.log_path = workdir / f"{name}.log"
        self.proc: subprocess.Popen | None = None
        self._log = None

    def start(self) -> Process:
        self._log = open(self.log_path, "w")  # noqa: SIM115  (the child keeps it)
        self.proc = subprocess.Popen(
            self.cmd,
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def output(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def tail(self, lines: int = 15) -> str:
        return "\n".join(self.output().splitlines()[-lines:])

    def wait_for(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output():
            if not self.alive():
                raise BenchError(f"{self.name} exited with {self.proc.returncode}:\n{self.tail()}")
            if time.monotonic() > deadline:
                raise BenchError(f"{self.name}: no {text!r} within {timeout:.0f} s:\n{self.tail()}")
            time.sleep(0.1)

    def stop(self, timeout: float = 20) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                log(f"{self.name} did not stop on SIGTERM; killing its process group")
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        if self._log:
            self._log.close()
            self._log = None


def manage(name: str, args: list[str], env: dict[str, str], workdir: Path) -> Process:
    return Process(name, [PYTHON, "manage.py", *args], env, workdir)


def gunicorn(env: dict[str, str], workdir: Path, *, port: int, workers: int) -> Process:
    cmd = [
        GUNICORN, "config.wsgi:application", "--bind", f"{LOOPBACK}:{port}", "--workers", str(workers),
        "--log-level", "warning", "--graceful-timeout", "10",
    ]  # fmt: skip
    return Process("gunicorn", cmd, env, workdir)


def gunicorn_wait(server: Process, port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.alive():
            raise BenchError(f"gunicorn exited:\n{server.tail()}")
        try:
            urllib.request.urlopen(f"http://{LOOPBACK}:{port}/api/telephony/events/", timeout=2)
            return
        except urllib.error.HTTPError:
            return  # 405 (or 403) on GET: it answers
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise BenchError(f"gunicorn did not answer within {timeout:.0f} s:\n{server.tail()}")


def celery_worker(env: dict[str, str], workdir: Path, *, concurrency: int) -> Process:
    cmd = [
        PYTHON, "-m", "celery", "-A", "config", "worker", "-P", "prefork", "-c", str(concurrency),
        "-n", f"storm-{os.getpid()}@%h", "--without-mingle", "--without-gossip", "--without-heartbeat",
        "-l", "INFO",
    ]  # fmt: skip
    return Process("celery-worker", cmd, env, workdir)


class PrivateRedis:
    """redis-server on a free loopback port, no persistence (never the machine's 6379)."""

    def __init__(self, workdir: Path) -> None:
        binary = os.environ.get("PRONTO_TEST_REDIS_SERVER") or shutil.which("redis-server")
        if not binary:
            raise BenchError(
                "redis-server is not installed (scripts/ensure_redis.sh) and --redis-url not given"
            )
        self.port = free_port()
        cmd = [binary, "--port", str(self.port), "--bind", LOOPBACK, "--save", "", "--appendonly", "no",
               "--dir", str(workdir)]  # fmt: skip
        self.process = Process("redis", cmd, dict(os.environ), workdir)

    @property
    def url(self) -> str:
        return f"redis://{LOOPBACK}:{self.port}/0"

    def start(self) -> PrivateRedis:
        self.process.start()
        wait_for_port(self.port, alive=self.process.alive)
        return self


MOSQUITTO_CONF = """\
listener {port} 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 0
max_queued_bytes 0
max_inflight_messages 0
log_dest stderr
log_type error
log_type warning
log_type subscribe
"""


class Broker:
    """A Mosquitto of our own that logs subscriptions, so the storm can wait for each listener's
    SUBSCRIBE before publishing (unlimited queues: QoS 1 messages are never dropped)."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        conf = workdir / "mosquitto.conf"
        conf.write_text(MOSQUITTO_CONF.format(port=self.port))
        self.process = Process("mosquitto", [mosquitto_binary(), "-c", str(conf)], dict(os.environ), workdir)

    def start(self) -> Broker:
        self.process.start()
        wait_for_port(self.port, alive=self.process.alive)
        return self

    def wait_subscribed(self, client_id: str, subscriber: Process, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            lines = self.process.output().splitlines()
            if any(f" {client_id} " in line and line.rstrip().endswith("/+/alarm") for line in lines):
                return
            if not subscriber.alive():
                raise BenchError(f"{subscriber.name} exited:\n{subscriber.tail()}")
            if time.monotonic() > deadline:
                raise BenchError(f"{client_id} did not subscribe within {timeout:.0f} s")
            time.sleep(0.1)


# ----------------------------------------------------------------------------------------------
# The telemetry publisher (a child process)


class Publisher:
    """The parent's handle on ``storm_support.py publish``."""

    def __init__(self, host: str, port: int, plants: int, interval: float, workdir: Path) -> None:
        cmd = [PYTHON, str(Path(__file__).resolve()), "publish", "--host", host, "--port", str(port),
               "--plants", str(plants), "--interval", str(interval)]  # fmt: skip
        self._err = open(workdir / "publisher.log", "w")  # noqa: SIM115  (the child keeps it)
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._err, text=True,
            start_new_session=True,
        )  # fmt: skip

    def finish(self, timeout: float = 120) -> dict:
        """Stop publishing; wait for the broker's acknowledgements; the publisher's counts."""
        try:
            out, _ = self.proc.communicate(timeout=timeout)  # closes its stdin: the signal to stop
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            raise BenchError("the publisher did not finish") from None
        finally:
            self._err.close()
        lines = [line for line in out.splitlines() if line.startswith("{")]
        if self.proc.returncode != 0 or not lines:
            raise BenchError(f"the publisher failed ({self.proc.returncode}): see publisher.log")
        return json.loads(lines[-1])

    name = "publisher"

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        """Cleanup after a failure (``finish`` is the orderly end)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        if not self._err.closed:
            self._err.close()


def telemetry_payload(seq: int, at: float) -> bytes:
    return json.dumps(
        {
            "ts": round(at, 3), "seq": seq, "active": True, "anomaly": False, "out_of_service": False,
            "alarm_code": 0,
            "measurements": {"inlet_pressure": {"value": 4.2, "unit": "bar"}, "flow": 120, "seq": seq},
        },
        separators=(",", ":"),
    ).encode()  # fmt: skip


def publish(host: str, port: int, plants: int, interval: float) -> int:
    import paho.mqtt.client as mqtt

    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    acked = 0
    lock = threading.Lock()
    connected = threading.Event()

    def on_publish(client, userdata, mid, reason_code, properties):
        nonlocal acked
        with lock:
            acked += 1

    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2, client_id=f"storm-publisher-{os.getpid()}", protocol=mqtt.MQTTv311
    )
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.on_publish = on_publish
    client.on_connect = lambda *a: connected.set()
    client.connect(host, port, keepalive=30)
    client.loop_start()
    if not connected.wait(10):
        raise SystemExit("the publisher could not connect")
    ticks = max(1, round(interval / TICK))
    topics = [f"{TOPIC_PREFIX}/{mqtt_code(i)}/telemetry" for i in range(plants)]
    published = rounds = reached = 0
    start = time.monotonic()
    tick_no = 0
    while not stop.is_set():
        seq, k = tick_no // ticks + 1, tick_no % ticks
        first, last = k * plants // ticks, (k + 1) * plants // ticks
        now = time.time()
        for i in range(first, last):
            client.publish(topics[i], telemetry_payload(seq, now), qos=1)
        published += last - first
        rounds, reached = (seq, 0) if k == ticks - 1 else (seq - 1, last)
        tick_no += 1
        delay = start + tick_no * TICK - time.monotonic()
        if delay > 0:
            stop.wait(delay)
    deadline = time.monotonic() + 60
    while acked < published and time.monotonic() < deadline:
        time.sleep(0.05)
    client.disconnect()
    client.loop_stop()
    print(
        json.dumps({"published": published, "acked": acked, "rounds": rounds, "reached": reached}), flush=True
    )
    return 0


def last_seq(index: int, summary: dict) -> int:
    """The ``seq`` of the last message plant ``index`` was sent (0: none)."""
    return summary["rounds"] + (1 if index < summary["reached"] else 0)


# ----------------------------------------------------------------------------------------------
# The storm's world in the database


def seed(*, mqtt_plants: int, modbus_plants: int, modbus_ports: list[int], technicians: int) -> dict:
    """Plants (MQTT and Modbus), technicians with an SMS contact point each, and an operator with
    an API token (the storm's dispatcher assigns the alarms' interventions as an operator would).
    No network nodes and no incident rules: each alarm opens a case of its own."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from benchmarks.telecontrol_support import bench_plants
    from dispatch.choices import Role
    from dispatch.services.api_tokens import api_token_issue
    from notifications.choices import Channel
    from notifications.models import ContactPoint
    from telecontrol.choices import Protocol

    mqtt = bench_plants(mqtt_plants, protocol=Protocol.MQTT, prefix=MQTT_CODE_PREFIX)
    modbus = bench_plants(
        modbus_plants, protocol=Protocol.MODBUS, ports=modbus_ports, prefix=MODBUS_CODE_PREFIX
    )
    users = get_user_model()
    technician_group, _ = Group.objects.get_or_create(name=Role.TECHNICIAN)
    operator_group, _ = Group.objects.get_or_create(name=Role.OPERATOR)
    techs = []
    for i in range(technicians):
        tech = users.objects.create(username=f"storm-tech-{i}", first_name="Tecnico", last_name=str(i))
        tech.groups.add(technician_group)
        ContactPoint.objects.create(user=tech, channel=Channel.SMS, address=f"+39333{i:07d}", position=0)
        techs.append(tech.username)
    operator = users.objects.create(username="storm-operator")
    operator.set_unusable_password()
    operator.save()
    operator.groups.add(operator_group)
    return {
        "mqtt_plant_ids": [p.pk for p in mqtt],
        "modbus_plant_ids": [p.pk for p in modbus],
        "technicians": techs,
        "token": api_token_issue(user=operator).token,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The storm's telemetry publisher")
    sub = parser.add_subparsers(dest="command", required=True)
    pub = sub.add_parser("publish", help="publish telemetry until stdin closes")
    pub.add_argument("--host", default=LOOPBACK)
    pub.add_argument("--port", type=int, required=True)
    pub.add_argument("--plants", type=int, required=True)
    pub.add_argument("--interval", type=float, default=10.0)
    args = parser.parse_args(argv)
    return publish(args.host, args.port, args.plants, args.interval)


if __name__ == "__main__":
    sys.exit(main())
