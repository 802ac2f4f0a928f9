"""The reach, the chain upward and the children, computed by recursive queries: these run on
SQLite and, with DATABASE_URL=postgres://..., on PostgreSQL (the same SQL)."""

import random

import pytest

from dispatch.models import Plant
from dispatch.roles import user_roles
from network import selectors
from network.models import SupplyNode
from tests.factories import PlantFactory

pytestmark = pytest.mark.django_db


def test_reach_of_a_cabin_is_every_node_below_it_and_their_supply_points(network, users):
    reach = selectors.reach(plant=network["CAB"], user=users["operator"])
    assert reach.nodes == 8
    assert reach.total_supply_points == 20 + 30 + 10 + 4 + 4
    assert reach.depth == 3
    assert [(lvl.depth, lvl.nodes, lvl.supply_points) for lvl in reach.levels] == [
        (0, 1, 0), (1, 2, 0), (2, 3, 60), (3, 2, 8)
    ]  # fmt: skip
    assert [(n.code, n.depth) for n in reach.listed] == [
        ("CAB", 0), ("REG1", 1), ("REG2", 1), ("B1", 2), ("B2", 2), ("B3", 2), ("L1", 3), ("L2", 3)
    ]  # fmt: skip
    assert not reach.truncated


def test_reach_of_a_building_is_itself_and_its_lifts(network, users):
    reach = selectors.reach(plant=network["B1"], user=users["technician"])
    assert (reach.nodes, reach.total_supply_points) == (3, 28)
    assert {n.code for n in reach.listed} == {"B1", "L1", "L2"}


def test_reach_of_a_leaf_and_of_a_plant_outside_the_network(network, users):
    assert selectors.reach(plant=network["L1"], user=users["operator"]).total_supply_points == 4
    alone = PlantFactory(code="ALONE")
    reach = selectors.reach(plant=alone, user=users["operator"])
    assert (reach.nodes, reach.total_supply_points, reach.depth) == (1, 0, 0)


def test_the_reach_list_is_capped_and_paged_while_the_figures_count_everything(network, users):
    first = selectors.reach(plant=network["CAB"], user=users["supervisor"], limit=3)
    assert [n.code for n in first.listed] == ["CAB", "REG1", "REG2"]
    assert first.truncated and first.nodes == 8 and first.total_supply_points == 68
    rest = selectors.reach(plant=network["CAB"], user=users["supervisor"], limit=10, offset=3)
    assert [n.code for n in rest.listed] == ["B1", "B2", "B3", "L1", "L2"]
    assert not rest.truncated
    assert selectors.reach(plant=network["CAB"], user=users["supervisor"], limit=0).listed == []


def test_a_utility_user_counts_and_lists_only_its_own_customers_nodes(network, users):
    mine = selectors.reach(plant=network["CAB"], user=users["utility"])
    assert mine.nodes == 7 and mine.total_supply_points == 38
    assert "B2" not in {n.code for n in mine.listed}
    theirs = selectors.reach(plant=network["CAB"], user=users["utility_b"])
    assert [n.code for n in theirs.listed] == ["B2"] and theirs.total_supply_points == 30
    assert selectors.reach(plant=network["CAB"], user=users["norole"]).nodes == 0
    assert selectors.reach(plant=network["CAB"], user=None, everything=True).nodes == 8


def test_the_chain_upward_nearest_first(network, users):
    assert selectors.upstream_ids(plant=network["L2"]) == [network[c].pk for c in ("B1", "REG1", "CAB")]
    assert selectors.upstream_ids(plant=network["CAB"]) == []
    assert [p.code for p in selectors.feeders(plant=network["L1"], user=users["operator"])] == [
        "B1",
        "REG1",
        "CAB",
    ]
    # Customer 2's utility user does not see customer 1's feeders of its building.
    assert selectors.feeders(plant=network["B2"], user=users["utility_b"]) == []


def test_children_with_their_supply_points(network, users):
    fed = selectors.children(plant=network["REG1"], user=users["operator"])
    assert [(p.code, p.supply_points) for p in fed] == [("B1", 20), ("B2", 30)]
    assert [p.code for p in selectors.children(plant=network["REG1"], user=users["utility"])] == ["B1"]


def test_within_reach_and_reach_ids_for_the_major_incidents(network):
    assert selectors.within_reach(plant=network["L1"], of=network["CAB"])
    assert selectors.within_reach(plant=network["L1"], of=network["L1"])
    assert not selectors.within_reach(plant=network["B3"], of=network["REG1"])
    assert not selectors.within_reach(plant=network["CAB"], of=network["L1"])
    ids = selectors.reach_ids(plant_ids=[network["REG2"].pk, network["B1"].pk, network["L1"].pk])
    assert ids == {network[c].pk for c in ("REG2", "B3", "B1", "L1", "L2")}
    assert selectors.reach_ids(plant_ids=[]) == set()


def test_reach_takes_a_constant_number_of_queries(network, users, django_assert_num_queries):
    deep = network["L1"]
    for n in range(30):  # a long chain under L1
        child = PlantFactory(code=f"DEEP{n}")
        SupplyNode.objects.create(plant=child, feeder=deep, supply_points=1)
        deep = child
    user_roles(users["operator"])  # read once per request, as the pages and the API do
    with django_assert_num_queries(1):
        reach = selectors.reach(plant=network["CAB"], user=users["operator"], limit=5)
    assert reach.nodes == 38 and reach.depth == 33
    with django_assert_num_queries(1):
        assert len(selectors.upstream_ids(plant=deep)) == 33


def test_a_ring_written_past_the_services_does_not_run_forever(network):
    """The services refuse rings; a ring written straight into the table is still walked to a
    bound, not for ever."""
    SupplyNode.objects.filter(plant=network["CAB"]).update_or_create(
        plant=network["CAB"], defaults={"feeder": network["L1"]}
    )
    assert len(selectors.upstream_ids(plant=network["B1"])) == selectors.MAX_DEPTH
    assert selectors.reach_ids(plant_ids=[network["CAB"].pk]) == set(
        Plant.objects.filter(code__in=["CAB", "REG1", "REG2", "B1", "B2", "B3", "L1", "L2"]).values_list(
            "pk", flat=True
        )
    )


def test_the_reach_matches_a_walk_of_a_random_tree(users, customer):
    """500 plants in random trees (each fed by an earlier one, or a root): every node's reach and
    chain as the database computes them equal a walk in Python."""
    rng = random.Random(19)
    plants = [PlantFactory(code=f"R{n:03d}", customer=customer) for n in range(500)]
    feeder_of: dict[int, int | None] = {}
    nodes = []
    for n, plant in enumerate(plants):
        feeder = plants[rng.randrange(n)] if n and rng.random() > 0.02 else None
        feeder_of[plant.pk] = feeder.pk if feeder else None
        nodes.append(SupplyNode(plant=plant, feeder=feeder, supply_points=n % 7))
    SupplyNode.objects.bulk_create(nodes)
    points = {plant.pk: n % 7 for n, plant in enumerate(plants)}
    below: dict[int, list[int]] = {}
    for pk, feeder in feeder_of.items():
        if feeder:
            below.setdefault(feeder, []).append(pk)

    def walk(pk):
        found, todo = [], [pk]
        while todo:
            found.append(todo.pop())
            todo.extend(below.get(found[-1], []))
        return found

    for plant in rng.sample(plants, 40):
        reach = selectors.reach(plant=plant, user=users["supervisor"], limit=0)
        expected = walk(plant.pk)
        assert (reach.nodes, reach.total_supply_points) == (len(expected), sum(points[pk] for pk in expected))
        assert selectors.reach_ids(plant_ids=[plant.pk]) == set(expected)
        chain, current = [], feeder_of[plant.pk]
        while current:
            chain.append(current)
            current = feeder_of[current]
        assert selectors.upstream_ids(plant=plant) == chain
