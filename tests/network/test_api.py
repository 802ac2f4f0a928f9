"""The network over the API: a plant's node for whoever sees the plant, writes and the import
for supervisors, 400 keyed by field."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from network.models import SupplyNode

pytestmark = pytest.mark.django_db


def url(plant):
    return f"/api/plants/{plant.pk}/network/"


def test_a_plants_node_its_chain_children_and_reach(network, client_for):
    answer = client_for("operator").get(url(network["REG1"]))
    assert answer.status_code == 200
    data = answer.json()
    assert data["plant"]["code"] == "REG1" and data["feeder"]["code"] == "CAB"
    assert [p["code"] for p in data["feeders"]] == ["CAB"]
    assert [(c["code"], c["supply_points"]) for c in data["children"]] == [("B1", 20), ("B2", 30)]
    reach = data["reach"]
    assert (reach["nodes"], reach["total_supply_points"], reach["depth"], reach["truncated"]) == (
        5,
        58,
        2,
        False,
    )
    assert [n["code"] for n in reach["listed"]] == ["REG1", "B1", "B2", "L1", "L2"]


def test_the_reach_list_is_capped_and_says_so(network, client_for):
    data = client_for("technician").get(url(network["CAB"]), {"reach_limit": 2, "reach_offset": 1}).json()
    reach = data["reach"]
    assert [n["code"] for n in reach["listed"]] == ["REG1", "REG2"]
    assert reach["truncated"] and reach["nodes"] == 8 and (reach["limit"], reach["offset"]) == (2, 1)
    assert client_for("technician").get(url(network["CAB"]), {"reach_limit": 5000}).status_code == 400


def test_a_utility_user_sees_only_its_customers_plants(network, client_for):
    mine = client_for("utility").get(url(network["CAB"])).json()
    assert "B2" not in {n["code"] for n in mine["reach"]["listed"]}
    assert mine["reach"]["total_supply_points"] == 38
    assert client_for("utility").get(url(network["B2"])).status_code == 404
    theirs = client_for("utility_b").get(url(network["B2"])).json()
    assert theirs["feeder"] is None and theirs["feeders"] == []
    assert client_for("utility_b").get(url(network["CAB"])).status_code == 404


def test_supervisors_put_and_patch(network, client_for):
    api = client_for("supervisor")
    answer = api.put(url(network["B3"]), {"feeder": "REG1", "supply_points": 12}, format="json")
    assert answer.status_code == 200 and answer.json()["feeder"]["code"] == "REG1"
    answer = api.patch(url(network["B3"]), {"supply_points": 15}, format="json")
    assert answer.status_code == 200
    node = SupplyNode.objects.get(plant=network["B3"])
    assert (node.feeder_id, node.supply_points) == (network["REG1"].pk, 15)
    assert api.patch(url(network["B3"]), {"feeder": None}, format="json").json()["feeder"] is None


def test_a_ring_or_a_bad_value_is_400_keyed_by_field(network, client_for):
    api = client_for("supervisor")
    answer = api.patch(url(network["CAB"]), {"feeder": network["L1"].pk}, format="json")
    assert answer.status_code == 400 and "feeder" in answer.json()
    answer = api.patch(url(network["CAB"]), {"feeder": network["CAB"].code}, format="json")
    assert answer.status_code == 400 and "feeder" in answer.json()
    assert api.patch(url(network["B1"]), {"supply_points": -1}, format="json").json().keys() == {
        "supply_points"
    }
    assert api.put(url(network["B1"]), {"supply_points": 1}, format="json").json().keys() == {"feeder"}
    assert api.patch(url(network["B1"]), {"feeder": "NOPE"}, format="json").status_code == 400


@pytest.mark.parametrize("role", ["operator", "technician", "utility"])
def test_others_may_not_write(network, client_for, role):
    answer = client_for(role).patch(url(network["B1"]), {"supply_points": 1}, format="json")
    assert answer.status_code == 403


def test_the_import_multipart(network, client_for):
    api = client_for("supervisor")
    good = SimpleUploadedFile("n.csv", b"code,parent_code,supply_points\nB3,REG1,11\nL1,B1,4\n")
    answer = api.post("/api/network/import/", {"file": good}, format="multipart")
    assert answer.status_code == 200
    assert answer.json() == {"rows": 2, "created": 0, "changed": 1, "unchanged": 1}
    bad = SimpleUploadedFile("n.csv", b"code,parent_code,supply_points\nB3,NOPE,1\nCAB,L2,0\n")
    answer = api.post("/api/network/import/", {"file": bad}, format="multipart")
    assert answer.status_code == 400
    assert [m.split(",")[0] for m in answer.json()["file"]] == ["Line 2"]
    assert SupplyNode.objects.get(plant=network["B3"]).supply_points == 11
    assert (
        client_for("operator").post("/api/network/import/", {"file": good}, format="multipart").status_code
        == 403
    )
