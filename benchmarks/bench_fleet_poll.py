#!/usr/bin/env python
"""Time of one sweep of the Modbus fleet poller (``telecontrol.poller.FleetPoller``) beside bare
concurrent pymodbus reads of the same plants.

Run from anywhere:  python benchmarks/bench_fleet_poll.py [--plants 1000] [--sweeps 20]

Telecontrol
-----------
1,000 Modbus plants are served by pymodbus 3.16 ``ModbusTcpServer`` instances in a separate
process (by default 1,000 servers, one per plant, on consecutive free loopback ports; with
``--servers N`` fewer servers, each reached by several plants' connections); 1,000 plants in a
fresh PostgreSQL database point at them (PlantTelecontrol protocol ``modbus``, gas-cabin
profile, default register map). Compared, over the same servers:

(a) bare: ``asyncio.gather`` of ``read_holding_registers(0, count=6)`` over kept
    ``AsyncModbusTcpClient`` connections (one per plant, opened before timing), at most
    ``--concurrency`` (100) in flight (a semaphore), on an event loop driven from synchronous
    code; nothing decoded, nothing stored;
(b) Pronto: ``FleetPoller(concurrency=100)``: ``load()``, one warm-up ``sweep(only_due=False)``
    (opens the kept connections and creates the 1,000 PlantState rows), then
    ``sweep(only_due=False)``: the same reads through ``PymodbusFleet`` (each bounded by the
    plant's timeout), decoding with the register map, and the batch write of the 1,000
    ``PlantState`` rows (``plant_states_apply``). The served values do not change between
    sweeps, so this is the poller's steady state: it knows what it stored last, and rows
    that nothing else wrote since (a guard on the stored stamp) only have their timestamps
    moved on, in one UPDATE;
(c) Pronto, every value changed: the same sweep with the poller's memory of what it stored
    cleared first (untimed), so every row goes through the full write (COPY into a temporary
    table and one upsert): what a sweep costs when every plant reports new values. Printed
    for information; the target is on (b).

Same process, same servers, same concurrency; (a) and (b) sweeps alternate, so drift of
the machine affects both alike, and a full garbage collection runs untimed before each sweep,
so each side pays only for the collections its own garbage triggers (without it, a full
collection of the ~130k objects alive here, ~70 ms, fell every other sweep, often into an (a)
sweep after a (b) one). The bare side does
strictly less work: the ratio is what reading *and storing* the fleet costs over the network
reads alone. Target: p50 of (b) within 1.5x of (a). Also printed: the split of (b) into
``poller.read`` and ``poller.store``, and the CPU time of this process per sweep (a cProfile
of (b) too when the target is missed, or with --profile). After the run every PlantState is
checked against the values its server holds, and against the stamp of the last sweep.

This is not a test: it prints figures and writes them as JSON to ``benchmarks/results/``.
The benchmark database is dropped and re-created on every run (dropped at the end unless --keep).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import platform
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.telecontrol_support import (  # noqa: E402
    LOOPBACK,
    BenchError,
    ModbusServers,
    bench_plants,
    db_drop_quietly,
    db_recreate,
    django_setup,
    expected_measurements,
    log,
    machine_line,
    pg_version,
    profile_text,
    reexec_in_venv,
    registers_for,
    summary_ms,
    verdict,
    write_results,
)

TARGET_RATIO = 1.5
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/pronto_bench_fleet"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plants", type=int, default=1000, help="Modbus plants (default 1000)")
    parser.add_argument(
        "--servers",
        type=int,
        default=0,
        help="pymodbus servers (default: one per plant); plant i uses i %% servers",
    )
    parser.add_argument("--concurrency", type=int, default=100, help="reads in flight (default 100)")
    parser.add_argument("--sweeps", type=int, default=20, help="timed sweeps of each (default 20)")
    parser.add_argument("--split-sweeps", type=int, default=5, help="sweeps timed for the split (default 5)")
    parser.add_argument(
        "--profile", action="store_true", help="print a cProfile of (b) even when the target holds"
    )
    parser.add_argument("--base-port", type=int, default=21000, help="first port tried for the servers")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_TELECONTROL_DATABASE_URL", DEFAULT_DB),
        help="PostgreSQL database to (re)create for the run",
    )
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
    args = parser.parse_args(argv)
    if not urlsplit(args.database_url).scheme.startswith("postgres"):
        parser.error("--database-url must be a PostgreSQL URL")
    servers_count = args.servers or args.plants

    machine = machine_line()
    log(f"recreating database {urlsplit(args.database_url).path.lstrip('/')}")
    db_recreate(args.database_url)
    try:
        django_setup(args.database_url, PRONTO_POLL_CONCURRENCY=str(args.concurrency))
        log(f"starting {servers_count} pymodbus servers in a separate process")
        with ModbusServers(servers_count, base_port=args.base_port) as servers:
            result = measure(args, servers)
    finally:
        if not args.keep:
            db_drop_quietly(args.database_url)

    bare, real = result["bare"], result["real"]
    ratio = real["p50_ms"] / bare["p50_ms"]
    holds = ratio <= TARGET_RATIO
    ports = result["ports"]
    print()
    print(f"Fleet poll of {args.plants} Modbus plants: FleetPoller.sweep() vs bare asyncio.gather of reads")
    print(
        f"  servers : {servers_count} pymodbus {result['pymodbus']} ModbusTcpServer instances "
        f"in one separate "
        f"process (ports {ports[0]}-{ports[-1]}), "
        + (
            "one per plant"
            if servers_count == args.plants
            else f"{args.plants / servers_count:g} plants each"
        )
    )
    print(f"  db      : PostgreSQL {result['pg_version']}, in-process Django (CONN_MAX_AGE=60)")
    print(
        f"  load    : concurrency {args.concurrency}, kept connections; "
        f"{args.sweeps} sweeps of each, alternating, "
        f"after 1 warm-up each; {machine} ({platform.machine()})"
    )
    print()
    print(f"  {'per sweep':<44}{'p50 ms':>9}{'p90 ms':>9}{'max ms':>9}{'CPU ms':>9}{'plants/s':>10}")
    for label, s, cpu in (
        ("(a) bare gather of reads", bare, result["bare_cpu_ms_p50"]),
        ("(b) FleetPoller.sweep(only_due=False)", real, result["real_cpu_ms_p50"]),
        ("(c) the same, every plant's values changed", result["full"], result["full_cpu_ms_p50"]),
    ):
        print(
            f"  {label:<44}{s['p50_ms']:>9.1f}{s['p90_ms']:>9.1f}{s['max_ms']:>9.1f}{cpu:>9.1f}"
            f"{args.plants / (s['p50_ms'] / 1000):>10.0f}"
        )
    split = result["split_p50_ms"]
    print(f"  {'  split: poller.read() of all plants':<44}{split['read']:>9.1f}")
    print(f"  {'  split: poller.store() of the sweep':<44}{split['write']:>9.1f}")
    print()
    print(f"  ratio (b)/(a) at p50 : {ratio:.2f}x")
    print(f"  target <= {TARGET_RATIO}x     : {'HOLDS' if holds else 'MISSED'}")
    print(f"  ratio (c)/(a) at p50 : {result['full']['p50_ms'] / bare['p50_ms']:.2f}x (information)")
    print(
        f"  checked              : bare replies {result['bare_ok']}/{args.plants} as served; "
        f"every sweep of (b) "
        f"updated {result['real_updated']}; PlantState rows ok with the served values: "
        f"{result['states_ok']}/{args.plants}, stamped by the last sweep: "
        f"{result['stamps_ok']}/{args.plants}; Modbus server process CPU during the run: "
        f"{result['server_cpu_s']:.1f} s"
    )
    if result.get("profile"):
        for title, text in result["profile"].items():
            print()
            print(f"  cProfile of {result['profile_sweeps']} x (b), {title}:")
            print("\n".join("    " + line for line in text.splitlines()))

    out = write_results(
        "bench_fleet_poll",
        {
            "config": {
                **{k: v for k, v in vars(args).items() if k != "database_url"},
                "servers": servers_count,
                "database": urlsplit(args.database_url).path.lstrip("/"),
                "cpus": os.cpu_count(),
                "target_ratio_at_most": TARGET_RATIO,
            },
            "machine": machine,
            **result,
            "ratio_p50": ratio,
            "target_holds": holds,
        },
    )
    print(f"  results              : {out.relative_to(ROOT)}")
    return verdict(target_holds=holds)


def measure(args, servers: ModbusServers) -> dict:
    import pymodbus
    from pymodbus.client import AsyncModbusTcpClient

    from telecontrol.choices import CheckOutcome, Protocol
    from telecontrol.models import PlantState
    from telecontrol.poller import FleetPoller

    ports = servers.ports
    plants = bench_plants(args.plants, protocol=Protocol.MODBUS, ports=ports)
    index_of = {plant.pk: i for i, plant in enumerate(plants)}
    server_cpu_before = servers.cpu_seconds()

    # (a) bare: one kept connection per plant, opened before timing.
    loop = asyncio.new_event_loop()
    targets = [ports[i % len(ports)] for i in range(args.plants)]

    async def connect_all() -> list[AsyncModbusTcpClient]:
        clients = [AsyncModbusTcpClient(LOOPBACK, port=port, timeout=3, retries=0) for port in targets]
        gate = asyncio.Semaphore(args.concurrency)

        async def one(client):
            async with gate:
                if not await client.connect():
                    raise BenchError(f"bare client could not connect to port {client.comm_params.port}")

        await asyncio.gather(*(one(c) for c in clients))
        return clients

    async def bare_sweep(clients) -> list:
        gate = asyncio.Semaphore(args.concurrency)

        async def one(client):
            async with gate:
                return await client.read_holding_registers(0, count=6, device_id=1)

        return await asyncio.gather(*(one(c) for c in clients))

    log(f"(a) connecting {args.plants} bare clients")
    clients = loop.run_until_complete(connect_all())
    replies = loop.run_until_complete(bare_sweep(clients))  # warm-up
    bare_ok = sum(
        1
        for i, r in enumerate(replies)
        if not r.isError() and list(r.registers) == registers_for(i % len(ports))
    )

    # (b) Pronto.
    poller = FleetPoller(concurrency=args.concurrency)
    poller.load()
    if len(poller.plants) != args.plants:
        raise BenchError(f"FleetPoller loaded {len(poller.plants)} plants, expected {args.plants}")
    log("(b) warm-up sweep (opens the connections, creates the PlantState rows)")
    report = poller.sweep(only_due=False)
    if report.updated != args.plants:
        raise BenchError(f"warm-up sweep updated {report.updated} plants, expected {args.plants}")

    def timed(fn):
        # Untimed: each side pays only the collections its own garbage triggers (without this,
        # a full collection due to (b)'s garbage often landed in the next (a) sweep).
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        value = fn()
        return time.perf_counter() - wall, time.process_time() - cpu, value

    bare_wall, bare_cpu, real_wall, real_cpu, full_wall, full_cpu = [], [], [], [], [], []
    real_updated = set()

    def forget_stored():
        for plant in poller.plants.values():
            plant.stored = plant.stored_at = None

    log(f"{args.sweeps} sweeps of each, alternating")
    for _ in range(args.sweeps):
        wall, cpu, _value = timed(lambda: loop.run_until_complete(bare_sweep(clients)))
        bare_wall.append(wall)
        bare_cpu.append(cpu)
        wall, cpu, report = timed(lambda: poller.sweep(only_due=False))
        real_wall.append(wall)
        real_cpu.append(cpu)
        real_updated.add(report.updated)
        if report.raised or report.cleared:
            raise BenchError(f"a sweep raised {len(report.raised)} / cleared {len(report.cleared)} alarms")
        forget_stored()
        wall, cpu, report = timed(lambda: poller.sweep(only_due=False))
        full_wall.append(wall)
        full_cpu.append(cpu)
        real_updated.add(report.updated)

    log(f"split of (b): {args.split_sweeps} x poller.read() and poller.store()")
    polled = list(poller.plants.values())
    read_times, write_times = [], []
    for _ in range(args.split_sweeps):
        wall, _cpu, readings = timed(lambda: poller.read(polled))
        read_times.append(wall)
        wall, _cpu, _report = timed(
            lambda readings=readings: poller.store(polled, readings, now_mono=time.monotonic())
        )
        write_times.append(wall)

    last_stamp = max(plant.stored_at for plant in poller.plants.values())
    stamps_ok = PlantState.objects.filter(plant_id__in=index_of, last_attempt_at=last_stamp).count()
    states_ok = 0
    for state in PlantState.objects.filter(plant_id__in=index_of):
        index = index_of[state.plant_id]
        if state.outcome == CheckOutcome.OK and state.measurements == expected_measurements(
            index % len(ports)
        ):
            states_ok += 1

    bare, real = summary_ms(bare_wall), summary_ms(real_wall)
    result = {
        "full": summary_ms(full_wall),
        "full_cpu_ms_p50": summary_ms(full_cpu)["p50_ms"],
        "stamps_ok": stamps_ok,
        "pymodbus": pymodbus.__version__,
        "pg_version": pg_version(),
        "ports": [ports[0], ports[-1]],
        "bare": bare,
        "real": real,
        "bare_cpu_ms_p50": summary_ms(bare_cpu)["p50_ms"],
        "real_cpu_ms_p50": summary_ms(real_cpu)["p50_ms"],
        "split_p50_ms": {
            "read": summary_ms(read_times)["p50_ms"],
            "write": summary_ms(write_times)["p50_ms"],
        },
        "bare_sweeps_ms": [round(x * 1000, 2) for x in bare_wall],
        "real_sweeps_ms": [round(x * 1000, 2) for x in real_wall],
        "bare_ok": bare_ok,
        "real_updated": sorted(real_updated),
        "states_ok": states_ok,
    }
    if args.profile or real["p50_ms"] / bare["p50_ms"] > TARGET_RATIO:
        n = 3
        log(f"profiling {n} sweeps of (b)")

        def sweeps():
            for _ in range(n):
                poller.sweep(only_due=False)

        result["profile_sweeps"] = n
        result["profile"] = {
            "by own time": profile_text(sweeps, top=25, sort="tottime"),
            "by cumulative time": profile_text(sweeps, top=35, sort="cumulative"),
        }

    for client in clients:
        client.close()
    loop.run_until_complete(asyncio.sleep(0))
    loop.close()
    poller.close()
    result["server_cpu_s"] = servers.cpu_seconds() - server_cpu_before
    return result


if __name__ == "__main__":
    reexec_in_venv(__file__)
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"bench_fleet_poll: FAILED: {exc}", file=sys.stderr)
        sys.exit(1)
