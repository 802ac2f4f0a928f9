"""The network's pages: the plant's panel (on the intervention's page), the supervisors' editor
and the CSV import (errors by line, the text kept)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dispatch.choices import InterventionStatus as S
from network.models import SupplyNode
from tests.dispatch.helpers import intervention_in

pytestmark = pytest.mark.django_db


def test_the_panel_shows_feeders_children_and_reach(network, browser):
    page = browser("operator").get(f"/network/plants/{network['B1'].pk}/panel/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "REG1" in text and "CAB" in text and "L1" in text and "L2" in text
    assert "3 nodes" in text and "28 supply points" in text
    assert "Edit this plant" not in text


def test_the_intervention_page_loads_the_panel(network, users, browser):
    intervention = intervention_in(S.OPEN, users=users, plant=network["B1"])
    page = browser("operator").get(f"/interventions/{intervention.pk}/")
    assert f'hx-get="/network/plants/{network["B1"].pk}/panel/"' in page.content.decode()


def test_a_utility_user_meets_another_customers_plant_as_not_found(network, browser):
    assert browser("utility").get(f"/network/plants/{network['B2'].pk}/panel/").status_code == 404
    text = browser("utility").get(f"/network/plants/{network['REG1'].pk}/panel/").content.decode()
    assert "B1" in text and "B2" not in text


def test_a_supervisor_sets_a_feeder_and_a_ring_is_shown_on_the_field(network, browser):
    page = browser("supervisor")
    url = f"/network/plants/{network['B3'].pk}/"
    assert page.get(url).status_code == 200
    answer = page.post(url, {"feeder": "REG1", "supply_points": "12"})
    assert answer.status_code == 302
    assert SupplyNode.objects.get(plant=network["B3"]).feeder == network["REG1"]
    log = page.get(url).content.decode()
    assert "fed by REG2, 10 supply points → fed by REG1, 12 supply points" in log
    answer = page.post(f"/network/plants/{network['CAB'].pk}/", {"feeder": "L1", "supply_points": "0"})
    assert answer.status_code == 200 and "a ring" in answer.content.decode()
    answer = page.post(url, {"feeder": "NOPE", "supply_points": "1"})
    assert "No plant has the code" in answer.content.decode()


def test_the_import_page_lists_errors_by_line_and_keeps_the_text(network, browser):
    page = browser("supervisor")
    upload = SimpleUploadedFile("n.csv", b"code,parent_code,supply_points\nB3,REG1,1\nB1,NOPE,2\n")
    answer = page.post("/network/import/", {"file": upload})
    text = answer.content.decode()
    assert answer.status_code == 200 and "Line 3, parent_code" in text
    assert "B3,REG1,1" in text  # back in the box, to correct
    assert SupplyNode.objects.get(plant=network["B3"]).feeder == network["REG2"]
    answer = page.post("/network/import/", {"text": "code,parent_code,supply_points\nB3,REG1,1\n"})
    assert answer.status_code == 302
    assert SupplyNode.objects.get(plant=network["B3"]).feeder == network["REG1"]
