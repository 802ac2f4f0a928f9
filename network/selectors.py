"""Reads of the supply network: a node, what feeds it (up to the root), what it feeds, and the
reach of a fault there (the node and every node downstream, with their supply points).

The walks are recursive queries (``WITH RECURSIVE``, the same SQL on SQLite and PostgreSQL) over
``network_supplynode`` by its feeder index: one statement for a reach (its figures and the first
rows of its list), one for the chain upward, whatever the depth. Each walk stops at
``MAX_DEPTH`` levels: the services keep the network a tree, and the bound keeps a ring someone
wrote past them (by hand in the database) from running forever.

What a user sees goes through the access layer (``dispatch.access.restrict`` on ``Plant``): a
utility user's lists and figures hold only its own customer's plants. The ``*_ids`` helpers
(for the major incidents, which work for everybody) are not restricted: their callers are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models.expressions import RawSQL

from dispatch.access import restrict, visibility_of
from dispatch.choices import PlantKind
from dispatch.models import Plant
from dispatch.roles import AnyUser, user_roles

from .models import NetworkChange, SupplyNode

# Deeper than any real network (cabin, regulator, street, building, riser, lift: six or seven);
# a bound on the walks, not a rule the services enforce.
MAX_DEPTH = 1000
# How many of a reach's nodes a page or the API lists at most (the figures cover all of them).
REACH_LIST_DEFAULT = 200
REACH_LIST_MAX = 1000

NODE = SupplyNode._meta.db_table
PLANT = Plant._meta.db_table


@dataclass(frozen=True)
class ReachNode:
    """A node in a reach: the plant, how many steps below the fault, the supply points it serves."""

    plant_id: int
    code: str
    name: str
    kind: str
    depth: int
    supply_points: int

    @property
    def kind_label(self) -> str:
        return str(PlantKind(self.kind).label) if self.kind in PlantKind.values else self.kind


@dataclass(frozen=True)
class ReachLevel:
    depth: int
    nodes: int
    supply_points: int


@dataclass
class Reach:
    """The reach of a fault at ``plant_id``: the plant itself (depth 0) and every node downstream.
    ``nodes`` and ``total_supply_points`` count all of them (that the reader may see);
    ``listed`` holds the first ``limit`` of them by depth then code, from ``offset``."""

    plant_id: int
    nodes: int = 0
    total_supply_points: int = 0
    depth: int = 0
    levels: list[ReachLevel] = field(default_factory=list)
    listed: list[ReachNode] = field(default_factory=list)
    limit: int = REACH_LIST_DEFAULT
    offset: int = 0

    @property
    def truncated(self) -> bool:
        return self.offset + len(self.listed) < self.nodes


def _downstream_cte(roots: Sequence[int]) -> tuple[str, list[Any]]:
    """``down(plant_id, depth, points)``: the roots at depth 0 and everything they feed."""
    marks = ", ".join(["%s"] * len(roots))
    base = " UNION ALL ".join(
        [f"SELECT CAST(%s AS BIGINT), 0, COALESCE((SELECT supply_points FROM {NODE} WHERE plant_id = %s), 0)"]
        * len(roots)
    )
    sql = (
        f"WITH RECURSIVE down(plant_id, depth, points) AS ({base} "
        f"UNION ALL SELECT n.plant_id, d.depth + 1, n.supply_points FROM {NODE} n "
        f"JOIN down d ON n.feeder_id = d.plant_id WHERE d.depth < %s AND n.plant_id NOT IN ({marks})) "
    )
    params: list[Any] = [value for root in roots for value in (root, root)]
    return sql, [*params, MAX_DEPTH, *roots]


def _visible_condition(user: AnyUser) -> tuple[str, list[Any]] | None:
    """A SQL condition on ``d.plant_id`` keeping the plants ``user`` may see (the access layer's
    own filter, correlated: one index probe per node reached, not a scan of every plant the
    user sees): "TRUE" for a role that sees every plant, None for one that sees none."""
    if user_roles(user) & visibility_of(Plant).everyone:
        return "1 = 1", []
    visible = restrict(Plant.objects.filter(pk=RawSQL("d.plant_id", ())), user).values("pk")
    try:
        sql, params = visible.query.sql_with_params()
    except EmptyResultSet:
        return None
    return f"EXISTS ({sql})", list(params)


def reach(
    *,
    plant: Plant,
    user: AnyUser = None,
    limit: int = REACH_LIST_DEFAULT,
    offset: int = 0,
    everything: bool = False,
) -> Reach:
    """The reach of a fault at ``plant`` as ``user`` sees it (``everything=True``: unrestricted,
    for code that works for everybody): the figures per depth, and ``limit`` nodes (by depth,
    then code) from ``offset`` (``limit=0``: none). One statement, the walk made once: the list
    joins and sorts only the levels it needs (those up to where ``offset + limit`` nodes are
    reached), not every node of a root's reach."""
    result = Reach(plant_id=plant.pk, limit=limit, offset=offset)
    visible = ("1 = 1", []) if everything else _visible_condition(user)
    if visible is None:
        return result
    condition, condition_params = visible
    cte, params = _downstream_cte([plant.pk])
    sql = (
        f"{cte}, levels AS (SELECT d.depth, COUNT(*) AS nodes, SUM(d.points) AS points FROM down d "
        f"WHERE {condition} GROUP BY d.depth), "
        "cut AS (SELECT COALESCE(MIN(depth), %s) AS depth FROM "
        "(SELECT depth, SUM(nodes) OVER (ORDER BY depth) AS upto FROM levels) c WHERE upto >= %s) "
        "SELECT 0, depth, nodes, points, NULL, NULL, NULL FROM levels"
    )
    args = [*params, *condition_params, MAX_DEPTH, offset + limit]
    if limit > 0:
        sql += (
            " UNION ALL SELECT 1, depth, plant_id, points, code, name, kind FROM ("
            f"SELECT d.depth, d.plant_id, d.points, p.code, p.name, p.kind FROM down d JOIN {PLANT} p "
            f"ON p.id = d.plant_id WHERE d.depth <= (SELECT depth FROM cut) AND {condition} "
            "ORDER BY d.depth, p.code LIMIT %s OFFSET %s) listed"
        )
        args += [*condition_params, limit, offset]
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        rows = cursor.fetchall()
    result.levels = sorted(
        (ReachLevel(depth, count, int(points or 0)) for part, depth, count, points, *_ in rows if part == 0),
        key=lambda level: level.depth,
    )
    result.listed = sorted(
        (ReachNode(pk, code, name, kind, depth, points) for part, depth, pk, points, code, name, kind in rows
         if part == 1),
        key=lambda node: (node.depth, node.code),
    )  # fmt: skip
    result.nodes = sum(level.nodes for level in result.levels)
    result.total_supply_points = sum(level.supply_points for level in result.levels)
    result.depth = max((level.depth for level in result.levels), default=0)
    return result


def reach_ids(*, plant_ids: Iterable[int]) -> set[int]:
    """Every plant within the reach of any of ``plant_ids`` (themselves included), unrestricted:
    for the major incidents ("which plants does this outage cover")."""
    roots = sorted(set(plant_ids))
    if not roots:
        return set()
    cte, params = _downstream_cte(roots)
    with connection.cursor() as cursor:
        cursor.execute(f"{cte}SELECT plant_id FROM down", params)
        return {row[0] for row in cursor.fetchall()}


def upstream_ids(*, plant: Plant | int) -> list[int]:
    """The plants that feed ``plant``, nearest first, up to the root (one statement),
    unrestricted: a call on a plant finds the incidents declared on any of these."""
    plant_id = plant if isinstance(plant, int) else plant.pk
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH RECURSIVE up(plant_id, depth) AS ("
            f"SELECT feeder_id, 1 FROM {NODE} WHERE plant_id = %s AND feeder_id IS NOT NULL "
            f"UNION ALL SELECT n.feeder_id, u.depth + 1 FROM {NODE} n JOIN up u ON n.plant_id = u.plant_id "
            f"WHERE n.feeder_id IS NOT NULL AND u.depth < %s) "
            f"SELECT plant_id FROM up ORDER BY depth",
            [plant_id, MAX_DEPTH],
        )
        return [row[0] for row in cursor.fetchall()]


def upstream_chains(*, plant_ids: Iterable[int]) -> dict[int, list[int]]:
    """For each of ``plant_ids``, its feeders nearest first up to the root (``upstream_ids`` for
    many plants in one statement), unrestricted: the incident rules' sweep groups the calls and
    alarms of hundreds of plants by the nodes above them."""
    starts = sorted(set(plant_ids))
    chains: dict[int, list[int]] = {start: [] for start in starts}
    if not starts:
        return chains
    marks = ", ".join(["%s"] * len(starts))
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH RECURSIVE up(start, plant_id, depth) AS ("
            f"SELECT plant_id, feeder_id, 1 FROM {NODE} "
            f"WHERE plant_id IN ({marks}) AND feeder_id IS NOT NULL "
            f"UNION ALL SELECT u.start, n.feeder_id, u.depth + 1 FROM {NODE} n "
            f"JOIN up u ON n.plant_id = u.plant_id "
            f"WHERE n.feeder_id IS NOT NULL AND u.depth < %s) "
            f"SELECT start, plant_id FROM up ORDER BY start, depth",
            [*starts, MAX_DEPTH],
        )
        for start, feeder in cursor.fetchall():
            chains[start].append(feeder)
    return chains


def within_reach(*, plant: Plant | int, of: Plant | int) -> bool:
    """Whether a fault at ``of`` reaches ``plant``: the same plant, or one of its feeders."""
    plant_id = plant if isinstance(plant, int) else plant.pk
    of_id = of if isinstance(of, int) else of.pk
    return plant_id == of_id or of_id in upstream_ids(plant=plant_id)


def node_get(*, plant: Plant) -> SupplyNode | None:
    """The plant's node, or None (a root serving nobody by itself)."""
    return SupplyNode.objects.filter(plant=plant).select_related("feeder").first()


def feeders(*, plant: Plant, user: AnyUser) -> list[Plant]:
    """The chain upward, nearest feeder first, as ``user`` sees it (a feeder of another customer
    is left out for a utility user)."""
    ids = upstream_ids(plant=plant)
    found = restrict(Plant.objects.filter(pk__in=ids), user).in_bulk()
    return [found[pk] for pk in ids if pk in found]


@dataclass(frozen=True)
class FedPlant:
    """A plant fed directly by another, with the supply points it serves itself."""

    id: int
    code: str
    name: str
    kind: str
    supply_points: int


def children(*, plant: Plant, user: AnyUser) -> list[FedPlant]:
    """The plants ``plant`` feeds directly, as ``user`` sees them, by code."""
    fed = restrict(Plant.objects.filter(supply_node__feeder=plant), user).order_by("code")
    rows = fed.values_list("id", "code", "name", "kind", "supply_node__supply_points")
    return [FedPlant(*row) for row in rows]


@dataclass(frozen=True)
class ChangeEntry:
    """A change to a node as the supervisors' page shows it: the feeder by its code."""

    change: NetworkChange
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def changes(*, plant: Plant, limit: int = 20) -> list[ChangeEntry]:
    """The latest changes to the plant's node, newest first (supervisors' pages); each state
    ``{"feeder": code or None, "supply_points": n}``, or None where the node had no row."""
    rows = list(NetworkChange.objects.filter(plant=plant).select_related("actor")[:limit])
    ids = {
        state["feeder"] for row in rows for state in (row.before, row.after) if state and state.get("feeder")
    }
    codes = dict(Plant.objects.filter(pk__in=ids).values_list("id", "code"))

    def named(state: dict[str, Any] | None) -> dict[str, Any] | None:
        if state is None:
            return None
        feeder = state.get("feeder")
        return {
            "feeder": codes.get(feeder, feeder) if feeder else None,
            "supply_points": state.get("supply_points"),
        }

    return [ChangeEntry(row, named(row.before), named(row.after)) for row in rows]
