"""The demo's supply network: a cabin feeding regulators feeding buildings with lifts; seeding
again changes nothing."""

import io

import pytest
from django.core.management import call_command

from dispatch.models import Plant
from network import selectors
from network.models import NetworkChange, SupplyNode

pytestmark = pytest.mark.django_db


def test_the_demo_network_and_seeding_again_is_harmless():
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_network_demo", stdout=io.StringIO())
    cabin = Plant.objects.get(code="REMI-MI-001")
    reach = selectors.reach(plant=cabin, user=None, everything=True)
    assert reach.nodes == 10 and reach.depth == 3
    assert reach.total_supply_points == 850 + 48 + 36 + 60 + 24 + 24 + 36
    lift = Plant.objects.get(code="ASC-MI-201A")
    codes = Plant.objects.in_bulk(selectors.upstream_ids(plant=lift))
    assert [codes[pk].code for pk in selectors.upstream_ids(plant=lift)] == [
        "EDI-MI-201",
        "GRF-MI-002",
        "REMI-MI-001",
    ]
    nodes, changes = SupplyNode.objects.count(), NetworkChange.objects.count()
    out = io.StringIO()
    call_command("seed_network_demo", stdout=out)
    assert "0 added, 0 changed" in out.getvalue()
    assert (SupplyNode.objects.count(), NetworkChange.objects.count()) == (nodes, changes)
