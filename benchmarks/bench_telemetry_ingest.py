#!/usr/bin/env python
"""MQTT telemetry ingest rate of Pronto's listener (``telecontrol.listener.TelemetryListener``)
beside a bare paho-mqtt subscriber that only counts.

Run from anywhere:  python benchmarks/bench_telemetry_ingest.py [--plants 200] [--messages 1000]

Telecontrol
-----------
200 plants x 1,000 telemetry messages (200,000; valid JSON per ``telecontrol/payloads.py``:
``ts``, ``seq``, the three flags, ``alarm_code`` and four measurements, one of them ``seq``) are
published at QoS 1 by one ``mosquitto_pub -l -q 1`` process per plant topic
(``plants/<code>/telemetry``), each reading its 1,000 lines from a file, to a private Mosquitto
(temp config on a free port: unlimited queues and in-flight window, so nothing is dropped; the
machine's broker is never touched). The plants exist in a fresh PostgreSQL database with
PlantTelecontrol protocol ``mqtt``. Compared, with the same publishers:

(a) bare: a paho-mqtt 2.2 client (MQTT 3.1.1, ``clean_session=False``, QoS 1 subscriptions to
    the same two topic filters, network thread via ``loop_start``) whose ``on_message`` counts;
    rate = messages / (last received - first received);
(b) Pronto: ``TelemetryListener`` with its real ``PahoMqttSubscriber`` (same client settings)
    and its flush loop in the main thread as ``listener.run`` has it (``stop.wait(flush)`` then
    ``flush()``, every ``PRONTO_TELEMETRY_FLUSH_SECONDS``, default 0.25 s): validation of every
    message on the network thread, the latest message per plant batched, one bulk upsert of
    PlantState per flush; rate = messages / (first received - last *applied*), so (b) also pays
    the wait for its last flush.

Two ways of publishing, each run for (a) then (b), every run on a fresh broker:

- ``live``: the subscriber connects and subscribes, then the 200 publishers start; the rate
  is bounded by whichever side is slower, publishers and subscriber sharing the CPUs;
- ``backlog``: the subscriber subscribes (persistent session) and disconnects, the publishers
  run to completion (the broker queues the 200,000 messages for the session), then the
  subscriber reconnects and drains the queue: only broker and subscriber run while timed, so
  this is the subscriber's own ceiling.

Target: (b) >= 50% of (a) (the ``live`` figure is the headline; ``backlog`` is printed beside
it). "lost" must be 0: received vs published for both, applied + rejected vs received for (b);
and each plant's PlantState must hold its last message (``seq`` 1000, its ``ts``, its values).
No alarms are raised (all plants normal): this is the steady-state path.

This is not a test: it prints figures and writes them as JSON to ``benchmarks/results/``.
The benchmark database is dropped and re-created on every run (dropped at the end unless --keep).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.telecontrol_support import (  # noqa: E402
    LOOPBACK,
    BenchError,
    Mosquitto,
    bench_plants,
    db_drop_quietly,
    db_recreate,
    django_setup,
    ensure_mosquitto_clients,
    log,
    machine_line,
    pg_version,
    reexec_in_venv,
    verdict,
    write_results,
)

TARGET_RATIO = 0.50
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/pronto_bench_ingest"
PREFIX = "plants"
TOPIC_FILTERS = [f"{PREFIX}/+/telemetry", f"{PREFIX}/+/alarm"]


# ----------------------------------------------------------------------------------------------
# Messages and publishers


def payload(seq: int, ts: datetime) -> str:
    """One telemetry line; values are a function of ``seq`` so the last one can be checked."""
    return json.dumps(
        {
            "ts": ts.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "seq": seq,
            "active": True,
            "anomaly": False,
            "out_of_service": False,
            "alarm_code": 0,
            "measurements": {
                "inlet_pressure": {"value": round(4 + (seq % 100) / 100, 2), "unit": "bar"},
                "outlet_pressure": {"value": 20 + seq % 10, "unit": "mbar"},
                "flow": 100 + seq % 50,
                "seq": seq,
            },
        },
        separators=(",", ":"),
    )


def expected_last(messages: int, base: datetime) -> tuple[datetime, dict]:
    ts = base + timedelta(seconds=messages)
    return ts, {
        "inlet_pressure": {"value": round(4 + (messages % 100) / 100, 2), "unit": "bar"},
        "outlet_pressure": {"value": 20 + messages % 10, "unit": "mbar"},
        "flow": {"value": 100 + messages % 50, "unit": ""},
        "seq": {"value": messages, "unit": ""},
    }


def write_payload_files(directory: Path, codes: list[str], messages: int, base: datetime) -> list[Path]:
    """One file per plant: line ``n`` (1-based) is message ``seq=n`` with ``ts = base + n s``."""
    lines = "\n".join(payload(seq, base + timedelta(seconds=seq)) for seq in range(1, messages + 1)) + "\n"
    files = []
    for code in codes:
        path = directory / f"{code}.jsonl"
        path.write_text(lines)  # same content for every plant: the topic tells them apart
        files.append(path)
    return files


class Publishers:
    """One ``mosquitto_pub -l -q 1`` per plant topic, reading its file on stdin."""

    def __init__(self, mosquitto_pub: str, port: int, codes: list[str], files: list[Path], run_id: str):
        self.cmds = [
            (
                [
                    mosquitto_pub,
                    "-h",
                    LOOPBACK,
                    "-p",
                    str(port),
                    "-q",
                    "1",
                    "-l",
                    "-t",
                    f"{PREFIX}/{code}/telemetry",
                    "-i",
                    f"bench-pub-{run_id}-{i}",
                ],
                path,
            )
            for i, (code, path) in enumerate(zip(codes, files, strict=True))
        ]
        self.procs: list[subprocess.Popen] = []
        self._stdins = []
        self.started_at = self.done_at = None

    def start(self) -> None:
        self.started_at = time.perf_counter()
        for cmd, path in self.cmds:
            stdin = open(path, "rb")
            self._stdins.append(stdin)
            self.procs.append(
                subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            )

    def wait(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        failures = []
        for proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                failures.append(f"pid {proc.pid}: still running after {timeout:.0f}s")
                continue
            if proc.returncode != 0:
                failures.append(
                    f"pid {proc.pid}: exit {proc.returncode}: {proc.stderr.read().decode()[:300]}"
                )
        self.done_at = time.perf_counter()
        for stdin in self._stdins:
            stdin.close()
        for proc in self.procs:
            if proc.stderr:
                proc.stderr.close()
        if failures:
            raise BenchError("mosquitto_pub failed:\n" + "\n".join(failures[:5]))

    def kill(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


# ----------------------------------------------------------------------------------------------
# Subscribers


class Stamps:
    __slots__ = ("first",)

    def __init__(self) -> None:
        self.first = None


class BareSubscriber:
    """Counts messages; nothing else. Same client settings as PahoMqttSubscriber."""

    def __init__(self, port: int, expected: int) -> None:
        import paho.mqtt.client as mqtt

        self.port, self.expected = port, expected
        self.count = 0
        self.stamps = Stamps()
        self.last = None
        self.done = threading.Event()
        self.subscribed = threading.Event()
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id="bench-bare",
            clean_session=False,
            protocol=mqtt.MQTTv311,
        )
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = lambda *a: self.subscribed.set()
        self.client.on_message = self._on_message

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        client.subscribe([(topic, 1) for topic in TOPIC_FILTERS])

    def _on_message(self, client, userdata, message) -> None:
        if self.stamps.first is None:
            self.stamps.first = time.perf_counter()
        self.count += 1
        if self.count == self.expected:
            self.last = time.perf_counter()
            self.done.set()

    def start(self) -> None:
        self.subscribed.clear()
        self.client.connect_async(LOOPBACK, self.port, keepalive=30)
        self.client.loop_start()

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def make_listener(port: int, flush_seconds: float):
    """A TelemetryListener whose first message is time-stamped (one attribute test per message,
    as the bare subscriber does) and whose SUBACK is observable."""
    from telecontrol.listener import TelemetryListener

    # Its "disconnected" warning on our own stop() is expected here.
    logging.getLogger("telecontrol.backends.mqtt").setLevel(logging.ERROR)
    listener = TelemetryListener(host=LOOPBACK, port=port, client_id="bench-pronto", prefix=PREFIX)
    stamps = Stamps()
    inner = listener.subscriber.on_message

    def on_message(topic, payload, ack=None):
        if stamps.first is None:
            stamps.first = time.perf_counter()
        inner(topic, payload, ack)

    listener.subscriber.on_message = on_message
    subscribed = threading.Event()
    client = getattr(listener.subscriber, "_client", None)
    if client is not None:
        client.on_subscribe = lambda *a: subscribed.set()
    return listener, stamps, subscribed


# ----------------------------------------------------------------------------------------------
# Runs


def run_bare(mode: str, *, publish, expected: int, timeout: float) -> dict:
    with Mosquitto() as broker:
        cpu0 = time.process_time()
        sub = BareSubscriber(broker.port, expected)
        sub.start()
        publishers = None
        try:
            if not sub.subscribed.wait(10):
                raise BenchError(f"bare subscriber not subscribed:\n{broker.log_tail()}")
            if mode == "backlog":
                sub.stop()
            publishers = publish(broker.port, "bare")
            if mode == "backlog":
                publishers.wait(timeout)
                cpu0 = time.process_time()
                sub.start()
            broker_cpu0 = broker.cpu_seconds()
            sub.done.wait(timeout)
            last = sub.last or time.perf_counter()  # incomplete: up to the end of the wait
            if mode == "live":
                publishers.wait(timeout)
            time.sleep(0.2)  # anything beyond the expected count (duplicates) shows up here
            cpu = time.process_time() - cpu0
            broker_cpu = broker.cpu_seconds() - broker_cpu0
        finally:
            sub.stop()
            if publishers is not None:
                publishers.kill()
        received, first = sub.count, sub.stamps.first
    if first is None:
        raise BenchError(f"bare subscriber received nothing of {expected} within {timeout:.0f}s")
    seconds = last - first
    return {
        "complete": sub.last is not None,
        "received": received,
        "lost": expected - received,
        "seconds": seconds,
        "rate": (min(received, expected) - 1) / seconds if seconds > 0 else float("inf"),
        "subscriber_cpu_s": cpu,
        "broker_cpu_s": broker_cpu,
        "publishers_done_after_first_s": (publishers.done_at - first) if mode == "live" else None,
        "publish_seconds": publishers.done_at - publishers.started_at,
    }


def run_pronto(mode: str, *, publish, expected: int, timeout: float, flush_seconds: float) -> dict:
    with Mosquitto() as broker:
        listener, stamps, subscribed = make_listener(broker.port, flush_seconds)
        listener.subscriber.start()
        publishers = None
        try:
            if not subscribed.wait(10):
                raise BenchError(f"TelemetryListener not subscribed:\n{broker.log_tail()}")
            if mode == "backlog":
                listener.subscriber.stop()
            publishers = publish(broker.port, "pronto")
            cpu0 = time.process_time()
            if mode == "backlog":
                publishers.wait(timeout)
                cpu0 = time.process_time()
                listener.subscriber.start()
            broker_cpu0 = broker.cpu_seconds()
            # The flush loop of TelemetryListener.run (its comms sweep is due every 30 s: not here).
            stop = threading.Event()
            deadline = time.monotonic() + timeout
            last = None
            flushes = flush_durations = 0
            flush_longest = 0.0
            while not stop.wait(flush_seconds):
                started = time.perf_counter()
                listener.flush()
                took = time.perf_counter() - started
                flushes += 1
                flush_durations += took
                flush_longest = max(flush_longest, took)
                if listener.applied + listener.rejected >= expected:
                    last = time.perf_counter()
                    break
                if time.monotonic() > deadline:
                    break
            complete = last is not None
            last = last or time.perf_counter()  # incomplete: up to the end of the wait
            if mode == "live":
                publishers.wait(timeout)
            time.sleep(0.2)
            listener.flush()  # anything beyond the expected count (duplicates) shows up here
            cpu = time.process_time() - cpu0
            broker_cpu = broker.cpu_seconds() - broker_cpu0
        finally:
            listener.subscriber.stop()
            if publishers is not None:
                publishers.kill()
        first = stamps.first
    if first is None:
        raise BenchError(f"TelemetryListener received nothing of {expected} within {timeout:.0f}s")
    seconds = last - first
    done = min(listener.applied + listener.rejected, expected)
    return {
        "complete": complete,
        "received": listener.received,
        "applied": listener.applied,
        "rejected": listener.rejected,
        "lost": expected - listener.received,
        "lost_in_listener": listener.received - listener.applied - listener.rejected,
        "seconds": seconds,
        "rate": (done - 1) / seconds if seconds > 0 else float("inf"),
        "flushes": flushes,
        "flush_mean_ms": flush_durations / max(1, flushes) * 1000,
        "flush_max_ms": flush_longest * 1000,
        "subscriber_cpu_s": cpu,
        "broker_cpu_s": broker_cpu,
        "publishers_done_after_first_s": (publishers.done_at - first) if mode == "live" else None,
        "publish_seconds": publishers.done_at - publishers.started_at,
    }


def verify_states(plants, messages: int, base: datetime) -> dict:
    """Every plant's PlantState holds its last message: seq, ts and values."""
    from telecontrol.models import PlantState

    ts, measurements = expected_last(messages, base)
    states = PlantState.objects.in_bulk([p.pk for p in plants])
    bad = []
    for plant in plants:
        state = states.get(plant.pk)
        if state is None:
            bad.append(f"{plant.code}: no PlantState")
        elif state.observed_at != ts or state.measurements != measurements or state.outcome != "ok":
            bad.append(
                f"{plant.code}: seq {state.measurements.get('seq')}, observed_at {state.observed_at} "
                f"(expected {ts}), outcome {state.outcome}"
            )
    return {"ok": len(plants) - len(bad), "of": len(plants), "examples": bad[:5]}


# ----------------------------------------------------------------------------------------------
# Main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plants", type=int, default=200, help="plants, one publisher each (default 200)")
    parser.add_argument("--messages", type=int, default=1000, help="messages per plant (default 1000)")
    parser.add_argument(
        "--modes", default="live,backlog", help="comma-separated: live, backlog (default both)"
    )
    parser.add_argument(
        "--flush-seconds",
        type=float,
        default=None,
        help="flush interval of (b) (default: PRONTO_TELEMETRY_FLUSH_SECONDS, 0.25)",
    )
    parser.add_argument("--timeout", type=float, default=120, help="seconds to wait per run (default 120)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_TELECONTROL_DATABASE_URL", DEFAULT_DB),
        help="PostgreSQL database to (re)create for the run",
    )
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
    args = parser.parse_args(argv)
    if not urlsplit(args.database_url).scheme.startswith("postgres"):
        parser.error("--database-url must be a PostgreSQL URL")
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not modes or set(modes) - {"live", "backlog"}:
        parser.error("--modes takes live and/or backlog")

    mosquitto_pub = ensure_mosquitto_clients()
    machine = machine_line()
    expected = args.plants * args.messages
    tmp = Path(tempfile.mkdtemp(prefix="pronto-bench-ingest-"))
    results: dict[str, dict] = {}
    log(f"recreating database {urlsplit(args.database_url).path.lstrip('/')}")
    db_recreate(args.database_url)
    try:
        django_setup(args.database_url)
        import paho.mqtt
        from django.conf import settings

        flush_seconds = args.flush_seconds or settings.PRONTO_TELEMETRY_FLUSH_SECONDS
        plants = bench_plants(args.plants, protocol="mqtt")
        codes = [p.code for p in plants]
        # Later runs carry later timestamps: data older than what is stored would be skipped.
        base0 = datetime.now(UTC).replace(microsecond=0) - timedelta(
            seconds=(2 * len(modes) + 1) * (args.messages + 10)
        )
        run_no = 0
        for mode in modes:
            results[mode] = {}
            for side in ("bare", "pronto"):
                base = base0 + timedelta(seconds=run_no * (args.messages + 10))
                run_no += 1
                run_dir = tmp / f"{mode}-{side}"
                run_dir.mkdir()
                files = write_payload_files(run_dir, codes, args.messages, base)

                def publish(port, run_id, files=files):
                    publishers = Publishers(mosquitto_pub, port, codes, files, run_id)
                    publishers.start()
                    return publishers

                log(f"{mode}: {side}, {expected} messages from {args.plants} mosquitto_pub processes")
                if side == "bare":
                    result = run_bare(mode, publish=publish, expected=expected, timeout=args.timeout)
                else:
                    result = run_pronto(
                        mode,
                        publish=publish,
                        expected=expected,
                        timeout=args.timeout,
                        flush_seconds=flush_seconds,
                    )
                    result["states"] = verify_states(plants, args.messages, base)
                results[mode][side] = result
        postgres = pg_version()
    finally:
        if not args.keep:
            db_drop_quietly(args.database_url)
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)

    print()
    print(f"Telemetry ingest: TelemetryListener vs a bare paho subscriber, {expected} messages at QoS 1")
    print(
        f"  broker  : private Mosquitto (fresh per run), max_queued_messages 0, max_inflight_messages 0; "
        f"paho-mqtt {paho.mqtt.__version__}"
    )
    print(
        f"  load    : {args.plants} x mosquitto_pub -l -q 1 (one per plant topic), "
        f"{args.messages} lines each; "
        f"flush every {flush_seconds:g} s"
    )
    print(f"  db      : PostgreSQL {postgres}, in-process Django; {machine} ({platform.machine()})")
    summary = {}
    for mode in modes:
        bare, real = results[mode]["bare"], results[mode]["pronto"]
        ratio = real["rate"] / bare["rate"]
        summary[mode] = ratio
        print()
        print(f"  [{mode}]{'':<37}{'msg/s':>9}{'seconds':>9}{'sub CPU s':>10}{'broker CPU s':>13}")
        for label, r in (
            ("(a) bare paho subscriber, counts", bare),
            ("(b) TelemetryListener, received+applied", real),
        ):
            print(
                f"  {label:<44}{r['rate']:>9.0f}{r['seconds']:>9.2f}{r['subscriber_cpu_s']:>10.2f}"
                f"{r['broker_cpu_s']:>13.2f}"
            )
        print(
            f"  ratio (b)/(a)           : {ratio:.1%}  target >= {TARGET_RATIO:.0%}: "
            f"{'HOLDS' if ratio >= TARGET_RATIO else 'MISSED'}"
        )
        if mode == "live":
            print(
                f"  publishers done         : {bare['publishers_done_after_first_s']:.2f} s (a) / "
                f"{real['publishers_done_after_first_s']:.2f} s (b) after the first message"
            )
        else:
            print(
                f"  publishing beforehand   : {bare['publish_seconds']:.2f} s (a) / "
                f"{real['publish_seconds']:.2f} s (b)"
                " (untimed; the broker queues for the offline session)"
            )
        print(
            f"  lost (a)                : {bare['lost']}  "
            f"(received {bare['received']} of {expected} published)"
        )
        print(
            f"  lost (b)                : {real['lost']}  "
            f"(received {real['received']} of {expected} published); "
            f"lost in listener: {real['lost_in_listener']}  (applied {real['applied']} + rejected "
            f"{real['rejected']} of {real['received']} received)"
        )
        print(
            f"  flushes (b)             : {real['flushes']}, mean {real['flush_mean_ms']:.1f} ms, "
            f"longest {real['flush_max_ms']:.1f} ms"
        )
        for label, r in (("(a)", bare), ("(b)", real)):
            if not r["complete"]:
                print(
                    f"  WARNING: {label} did not get all {expected} messages within --timeout: partial rate"
                )
        states = real["states"]
        print(
            f"  PlantState (b)          : {states['ok']}/{states['of']} plants hold their last message "
            f"(seq {args.messages}, its ts and values)"
            + (f"; e.g. {states['examples']}" if states["examples"] else "")
        )
    all_ok = all(
        results[m]["bare"]["lost"] == 0
        and results[m]["pronto"]["lost"] == 0
        and results[m]["pronto"]["lost_in_listener"] == 0
        and results[m]["pronto"]["states"]["ok"] == results[m]["pronto"]["states"]["of"]
        for m in modes
    )
    print()
    print(f"  nothing lost, states right : {'YES' if all_ok else 'NO'}")

    out = write_results(
        "bench_telemetry_ingest",
        {
            "config": {
                **{k: v for k, v in vars(args).items() if k != "database_url"},
                "flush_seconds": flush_seconds,
                "messages_total": expected,
                "database": urlsplit(args.database_url).path.lstrip("/"),
                "cpus": os.cpu_count(),
                "target_ratio": TARGET_RATIO,
            },
            "machine": machine,
            "pg_version": postgres,
            "results": results,
            "ratio": summary,
            "target_holds": {m: r >= TARGET_RATIO for m, r in summary.items()},
            "nothing_lost": all_ok,
        },
    )
    print(f"  results                    : {out.relative_to(ROOT)}")
    return verdict(target_holds=all(r >= TARGET_RATIO for r in summary.values()), results_right=all_ok)


if __name__ == "__main__":
    reexec_in_venv(__file__)
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"bench_telemetry_ingest: FAILED: {exc}", file=sys.stderr)
        sys.exit(1)
