"""Setting a plant's feeder and supply points: supervisors only, never a ring, every change kept."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from network.models import NetworkChange, SupplyNode
from network.services import supply_node_clear, supply_node_set
from tests.factories import PlantFactory

pytestmark = pytest.mark.django_db


def test_a_plant_cannot_feed_itself(network, users):
    with pytest.raises(ValidationError) as refused:
        supply_node_set(actor=users["supervisor"], plant=network["B1"], feeder=network["B1"], supply_points=1)
    assert "feeder" in refused.value.message_dict


@pytest.mark.parametrize("downstream", ["REG1", "B1", "L1"])
def test_a_plant_cannot_be_fed_by_one_it_feeds(network, users, downstream):
    with pytest.raises(ValidationError) as refused:
        supply_node_set(
            actor=users["supervisor"], plant=network["CAB"], feeder=network[downstream], supply_points=0
        )
    assert "ring" in refused.value.message_dict["feeder"][0]
    assert SupplyNode.objects.filter(plant=network["CAB"]).first() is None


def test_moving_a_subtree_elsewhere_is_fine_and_kept_in_the_log(network, users):
    node = supply_node_set(
        actor=users["supervisor"], plant=network["B1"], feeder=network["REG2"], supply_points=25
    )
    assert (node.feeder_id, node.supply_points) == (network["REG2"].pk, 25)
    change = NetworkChange.objects.filter(plant=network["B1"]).first()
    assert change.actor == users["supervisor"] and change.kind == "set"
    assert change.before == {"feeder": network["REG1"].pk, "supply_points": 20}
    assert change.after == {"feeder": network["REG2"].pk, "supply_points": 25}


def test_setting_the_same_values_again_writes_nothing(network, users):
    before = NetworkChange.objects.count()
    supply_node_set(actor=users["supervisor"], plant=network["B1"], feeder=network["REG1"], supply_points=20)
    assert NetworkChange.objects.count() == before


def test_negative_supply_points_are_refused(network, users):
    with pytest.raises(ValidationError) as refused:
        supply_node_set(actor=users["supervisor"], plant=network["B1"], feeder=None, supply_points=-1)
    assert "supply_points" in refused.value.message_dict


@pytest.mark.parametrize("role", ["operator", "technician", "utility", "norole"])
def test_only_supervisors_change_the_network(network, users, role):
    with pytest.raises(PermissionDenied):
        supply_node_set(actor=users[role], plant=network["B1"], feeder=None, supply_points=0)
    with pytest.raises(PermissionDenied):
        supply_node_clear(actor=users[role], plant=network["B1"])


def test_clearing_a_node_keeps_what_it_feeds_under_it(network, users):
    supply_node_clear(actor=users["supervisor"], plant=network["B1"])
    assert not SupplyNode.objects.filter(plant=network["B1"]).exists()
    assert SupplyNode.objects.get(plant=network["L1"]).feeder == network["B1"]
    assert NetworkChange.objects.filter(plant=network["B1"], kind="cleared").exists()
    supply_node_clear(actor=users["supervisor"], plant=network["B1"])  # nothing left: no error


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_supervisors_closing_a_ring_at_once_one_is_refused(users):
    """A → B and B → A at the same instant: the network's lock makes the second check see the
    first change, so exactly one of them is made."""
    a, b = PlantFactory(code="RING-A"), PlantFactory(code="RING-B")
    barrier = threading.Barrier(2)
    outcomes = []

    def make(plant, feeder):
        try:
            barrier.wait()
            supply_node_set(actor=users["supervisor"], plant=plant, feeder=feeder, supply_points=0)
            outcomes.append("made")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=make, args=args) for args in ((a, b), (b, a))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["made", "refused"]
    assert SupplyNode.objects.exclude(feeder=None).count() == 1
