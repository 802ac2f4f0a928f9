#!/usr/bin/env python
"""The reach of a fault in a supply network of 100,000 nodes, on PostgreSQL.

Run from anywhere:  python benchmarks/bench_network_reach.py [--nodes 100000] [--samples 200]
                    [--database-url postgres://...] [--keep]

A fresh database (dropped and made again) gets ``--nodes`` plants of one customer, bulk-inserted,
and their network: 4 roots (gas cabins, water mains), then district regulators, sections,
buildings, risers and lifts, 6 levels down; a node that feeds others feeds 5 to 20 of them,
and from level 3 on most nodes feed nothing (a leaf), so that the levels hold 4, 48, 480,
4,000, 15,000, 35,000 and the rest (about 45,000) nodes, each root with about a quarter of the
network below it. Supply points: 1 to 50 on every leaf, 0 to 5 on the others.

Timed, after ANALYZE, each call as the pages and the API make it:

- ``network.selectors.reach`` (the figures per level over every node downstream, then the first
  200 nodes listed: two statements) for ``--samples`` nodes of each level, as a supervisor; and
  for nodes picked at random from the whole network (what "the reach of a node" is, mostly a
  leaf or nearly), and for a utility user (its customer's plants only: a filter on each row);
- ``network.selectors.reach_ids`` of all the roots at once, and ``reach`` of a plant put above
  every root at the end (the whole network: honest about what a fault at the top costs);
- ``network.selectors.upstream_ids`` of random nodes (the chain to the root: a call on a plant
  finds the incidents declared above it).

Printed: p50 / p90 / p99 per band, with the nodes reached. Target (issue 19): p50 under 50 ms
for the reach of a random node and for the upstream lookup (exit 1 when missed); the roots' and
the whole network's figures are printed beside it, measured the same way, and judged against
the target too in the ``per band`` column, without deciding the exit status. The reach counts
must match a walk of the tree in Python (exit 2 otherwise). The database is dropped at the end
unless --keep.
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.telecontrol_support import (  # noqa: E402
    database_arguments,
    db_drop_quietly,
    db_recreate,
    django_setup,
    log,
    machine_line,
    pg_version,
    reexec_in_venv,
    summary_ms,
    verdict,
    write_results,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/pronto_bench_network"
TARGET_MS = 50.0
# Nodes per level for 100,000 (scaled for --nodes); the last level takes the rest.
LEVELS = [4, 48, 480, 4_000, 15_000, 35_000]
FAN_OUT = (5, 20)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=200, help="timed calls per band")
    parser.add_argument("--seed", type=int, default=19)
    database_arguments(parser, DEFAULT_DATABASE_URL)
    return parser.parse_args(argv)


def shape(nodes: int, rng: random.Random) -> list[list[int | None]]:
    """Per level, each node's parent index in the level above (None for the roots): parents
    taken in random order, each given 5 to 20 children until the level is full."""
    scale = nodes / 100_000
    counts = [max(1, round(n * scale)) for n in LEVELS]
    counts.append(nodes - sum(counts))
    levels: list[list[int | None]] = [[None] * counts[0]]
    for count in counts[1:]:
        above = len(levels[-1])
        parents = list(range(above))
        rng.shuffle(parents)
        level: list[int | None] = []
        for parent in parents:
            if len(level) >= count:
                break
            level.extend([parent] * rng.randint(*FAN_OUT))
        while len(level) < count:  # more children than 20 per parent would be needed
            level.extend([rng.randrange(above)] * rng.randint(*FAN_OUT))
        levels.append(level[:count])
    return levels


def seed(nodes: int, rng: random.Random) -> tuple[list[list[int]], dict[int, int | None]]:
    """The plants and the network in bulk; per level the plants' ids, and each id's feeder."""
    from dispatch.models import Customer, Plant
    from network.models import SupplyNode

    customer = Customer.objects.create(code="bench", name="Bench")
    levels = shape(nodes, rng)
    kinds = ["gas_cabin", "gas_network", "gas_network", "building", "building", "other", "lift"]
    ids: list[list[int]] = []
    feeder_of: dict[int, int | None] = {}
    for depth, parents in enumerate(levels):
        plants = Plant.objects.bulk_create(
            [
                Plant(customer=customer, code=f"N{depth}-{n:06d}", name=f"Node {depth}.{n}",
                      kind=kinds[min(depth, len(kinds) - 1)])
                for n in range(len(parents))
            ],
            batch_size=5000,
        )  # fmt: skip
        level_ids = [p.pk for p in plants]
        leaf = depth == len(levels) - 1
        rows = []
        for pk, parent in zip(level_ids, parents, strict=True):
            feeder = ids[-1][parent] if parent is not None else None
            feeder_of[pk] = feeder
            points = rng.randint(1, 50) if leaf else rng.randint(0, 5)
            rows.append(SupplyNode(plant_id=pk, feeder_id=feeder, supply_points=points))
        SupplyNode.objects.bulk_create(rows, batch_size=5000)
        ids.append(level_ids)
        log(f"level {depth}: {len(level_ids):,} nodes")
    return ids, feeder_of


def timed(fn, samples):
    seconds, results = [], []
    for sample in samples:
        started = time.perf_counter()
        results.append(fn(sample))
        seconds.append(time.perf_counter() - started)
    return summary_ms(seconds), results


def main(argv=None) -> int:
    args = parse_args(argv)
    reexec_in_venv(__file__)
    log(machine_line())
    db_recreate(args.database_url)
    try:
        django_setup(args.database_url)
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.db import connection

        from dispatch.choices import Role
        from dispatch.models import Customer, Plant, UserProfile
        from dispatch.roles import user_customer_id, user_roles
        from network import selectors
        from network.models import SupplyNode

        rng = random.Random(args.seed)
        log(f"seeding {args.nodes:,} nodes")
        started = time.perf_counter()
        levels, feeder_of = seed(args.nodes, rng)
        seeded = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        supervisor = get_user_model().objects.create(username="bench-supervisor")
        supervisor.groups.add(Group.objects.get_or_create(name=Role.SUPERVISOR)[0])
        utility = get_user_model().objects.create(username="bench-utility")
        utility.groups.add(Group.objects.get_or_create(name=Role.UTILITY)[0])
        UserProfile.objects.update_or_create(
            user=utility, defaults={"customer": Customer.objects.get(code="bench")}
        )
        for user in (supervisor, utility):  # read once per request, as the pages and the API do
            user_roles(user), user_customer_id(user)

        children: dict[int, list[int]] = {}
        for pk, feeder in feeder_of.items():
            if feeder is not None:
                children.setdefault(feeder, []).append(pk)

        def below(pk: int) -> int:
            count, todo = 0, [pk]
            while todo:
                count += 1
                todo.extend(children.get(todo.pop(), []))
            return count

        plants = Plant.objects.in_bulk([pk for level in levels for pk in level])
        all_ids = list(plants)
        bands = []
        right = True

        def reach_band(label, ids, user):
            nonlocal right
            summary, results = timed(lambda pk: selectors.reach(plant=plants[pk], user=user), ids)
            reached = [r.nodes for r in results]
            if user is supervisor:
                right = right and all(r.nodes == below(pk) for pk, r in zip(ids, results, strict=True))
            bands.append(
                {"band": label, **summary, "nodes_reached_median": sorted(reached)[len(reached) // 2]}
            )

        for depth, ids in enumerate(levels):
            sample = ids if len(ids) <= args.samples else rng.sample(ids, args.samples)
            reach_band(f"reach, a node at level {depth}", sample, supervisor)
        random_nodes = rng.sample(all_ids, args.samples)
        reach_band("reach, a random node", random_nodes, supervisor)
        reach_band("reach, a random node (utility user)", random_nodes, utility)
        level_one = rng.sample(levels[1], min(args.samples, len(levels[1])))
        reach_band("reach, a level-1 node (utility user)", level_one, utility)
        summary, results = timed(
            lambda _: selectors.reach_ids(plant_ids=levels[0]), range(max(5, args.samples // 20))
        )
        right = right and all(len(r) == args.nodes for r in results)
        bands.append({"band": "reach_ids, every root (the whole network)", **summary,
                      "nodes_reached_median": len(results[0])})  # fmt: skip
        summary, results = timed(lambda pk: selectors.upstream_ids(plant=pk), random_nodes)
        chains = sorted(len(r) for r in results)
        bands.append(
            {
                "band": "upstream_ids, a random node",
                **summary,
                "nodes_reached_median": chains[len(chains) // 2],
            }
        )
        for pk, chain in zip(random_nodes, results, strict=True):
            expected, current = [], feeder_of[pk]
            while current is not None:
                expected.append(current)
                current = feeder_of[current]
            right = right and chain == expected

        # Last, one plant above the roots (a transmission station feeding every cabin): the reach
        # of a fault there is the whole network, through the same selector as the pages.
        top = Plant.objects.create(
            customer=Customer.objects.get(code="bench"), code="TOP", name="Top", kind="other"
        )
        SupplyNode.objects.filter(plant_id__in=levels[0]).update(feeder=top)
        summary, results = timed(lambda _: selectors.reach(plant=top, user=supervisor), range(10))
        right = right and all(r.nodes == args.nodes + 1 for r in results)
        bands.append({"band": "reach, a plant above every root (everything)", **summary,
                      "nodes_reached_median": results[0].nodes})  # fmt: skip
        judged = {b["band"]: b for b in bands}
        ok = (
            judged["reach, a random node"]["p50_ms"] < TARGET_MS
            and judged["upstream_ids, a random node"]["p50_ms"] < TARGET_MS
        )
        print()
        print(
            f"Reach in a supply network of {args.nodes:,} nodes, depth {len(levels) - 1} "
            f"(PostgreSQL {pg_version()}; Python {platform.python_version()})"
        )
        print(f"  {machine_line()}; seeded in {seeded:.1f} s; {args.samples} calls per band")
        print(
            f"  {'band':<44} {'reached':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8}  p50 < {TARGET_MS:g} ms"
        )
        for b in bands:
            mark = "yes" if b["p50_ms"] < TARGET_MS else "NO"
            figures = f"{b['p50_ms']:>8.1f} {b['p90_ms']:>8.1f} {b['p99_ms']:>8.1f}"
            print(f"  {b['band']:<44} {b['nodes_reached_median']:>8,} {figures}  {mark}")
        print(f"  target: p50 < {TARGET_MS:g} ms for a random node's reach and its upstream -> "
              f"{'holds' if ok else 'MISSED'}")  # fmt: skip
        if not right:
            print("  RESULTS WRONG: a reach or a chain differs from the walk of the tree in Python")
        out = write_results(
            "network_reach",
            {"nodes": args.nodes, "engine": f"PostgreSQL {pg_version()}", "bands": bands, "target_holds": ok,
             "results_right": right},
        )  # fmt: skip
        log(f"results written to {out}")
        return verdict(target_holds=ok, results_right=right)
    finally:
        if not args.keep:
            db_drop_quietly(args.database_url)


if __name__ == "__main__":
    sys.exit(main())
