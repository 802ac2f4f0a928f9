"""The CSV import: every row checked first, every error by line, nothing imported when any row
is wrong, the same file twice changes nothing, a parent may come later in the file."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from network import csv_import
from network.models import NetworkChange, SupplyNode
from network.services import network_import
from tests.factories import PlantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def plants(customer):
    return {code: PlantFactory(code=code, customer=customer) for code in ("C1", "R1", "R2", "E1", "E2", "A1")}


def feeders():
    return {
        n.plant.code: (n.feeder.code if n.feeder else None, n.supply_points)
        for n in SupplyNode.objects.select_related("plant", "feeder")
    }


GOOD = "code,parent_code,supply_points\nE1,R1,20\nE2,R1,30\nA1,E1,4\nR1,C1,0\nR2,C1,\nC1,,0\n"


def test_a_good_file_with_parents_later_in_it(plants, users):
    result = network_import(actor=users["supervisor"], content=GOOD)
    assert (result.rows, result.created, result.changed, result.unchanged) == (6, 5, 0, 1)
    assert feeders() == {
        "E1": ("R1", 20),
        "E2": ("R1", 30),
        "A1": ("E1", 4),
        "R1": ("C1", 0),
        "R2": ("C1", 0),
    }
    assert NetworkChange.objects.filter(kind="imported").count() == 5


def test_importing_the_same_file_again_changes_nothing(plants, users):
    network_import(actor=users["supervisor"], content=GOOD)
    kept = NetworkChange.objects.count()
    result = network_import(actor=users["supervisor"], content=GOOD.encode())
    assert (result.created, result.changed, result.unchanged) == (0, 0, 6)
    assert NetworkChange.objects.count() == kept


def test_a_second_file_moves_nodes_and_leaves_the_others(plants, users):
    network_import(actor=users["supervisor"], content=GOOD)
    result = network_import(actor=users["supervisor"], content="code,parent_code,supply_points\nE2,R2,31\n")
    assert (result.created, result.changed) == (0, 1)
    assert feeders()["E2"] == ("R2", 31) and feeders()["E1"] == ("R1", 20)


def test_bad_rows_are_all_told_by_line_and_nothing_is_imported(plants, users):
    content = (
        "code,parent_code,supply_points\n"
        "E1,R1,20\n"  # line 2: fine
        "XX,R1,1\n"  # line 3: unknown plant
        "E2,YY,2\n"  # line 4: unknown parent
        "A1,E1,-4\n"  # line 5: negative
        "E1,R2,3\n"  # line 6: twice
        "R2,R2,0\n"  # line 7: feeds itself
        "C1,,lots\n"  # line 8: not a number
    )
    with pytest.raises(ValidationError) as refused:
        network_import(actor=users["supervisor"], content=content)
    messages = refused.value.message_dict["file"]
    assert [m.split(",")[0] for m in messages] == ["Line 3", "Line 4", "Line 5", "Line 6", "Line 7", "Line 8"]
    assert "code" in messages[0] and "parent_code" in messages[1] and "supply_points" in messages[2]
    assert "line 2" in messages[3]
    assert SupplyNode.objects.count() == 0 and NetworkChange.objects.count() == 0


def test_a_ring_in_the_file_is_refused_on_its_first_line(plants, users):
    content = "code,parent_code,supply_points\nC1,,0\nR1,E1,0\nE1,A1,0\nA1,R1,0\n"
    with pytest.raises(ValidationError) as refused:
        network_import(actor=users["supervisor"], content=content)
    (message,) = refused.value.message_dict["file"]
    assert message.startswith("Line 3, parent_code") and "R1" in message and "A1" in message
    assert SupplyNode.objects.count() == 0


def test_a_ring_through_the_stored_network_is_refused(plants, users):
    network_import(actor=users["supervisor"], content=GOOD)
    with pytest.raises(ValidationError) as refused:
        network_import(actor=users["supervisor"], content="code,parent_code,supply_points\nC1,A1,0\n")
    assert "ring" in refused.value.message_dict["file"][0]
    assert feeders()["A1"] == ("E1", 4) and "C1" not in feeders()


@pytest.mark.parametrize(
    "content, expected",
    [
        ("", "empty"),
        ("E1,R1,20\n", "header"),
        ("code,parent,supply_points\nE1,R1,2\n", "header"),
        (b"code,parent_code,supply_points\n\xff\xfe,,1\n", "UTF-8"),
        ("code,parent_code,supply_points\nE1,R1\n", "columns"),
    ],
)
def test_unreadable_files_are_refused(plants, users, content, expected):
    with pytest.raises(ValidationError) as refused:
        network_import(actor=users["supervisor"], content=content)
    assert expected in refused.value.message_dict["file"][0]


def test_semicolons_spaced_headers_and_a_bom_are_read(plants, users):
    content = "\ufeffCode;Parent code;Supply points\nE1;R1;7\n"
    network_import(actor=users["supervisor"], content=content.encode())
    assert feeders() == {"E1": ("R1", 7)}


def test_size_limits(plants, users, monkeypatch):
    monkeypatch.setattr(csv_import, "IMPORT_MAX_BYTES", 40)
    with pytest.raises(ValidationError, match="larger"):
        network_import(actor=users["supervisor"], content=GOOD)
    monkeypatch.setattr(csv_import, "IMPORT_MAX_BYTES", 10_000)
    monkeypatch.setattr(csv_import, "IMPORT_MAX_ROWS", 3)
    with pytest.raises(ValidationError, match="More than 3 rows"):
        network_import(actor=users["supervisor"], content=GOOD)


def test_only_supervisors_import(plants, users):
    with pytest.raises(PermissionDenied):
        network_import(actor=users["operator"], content=GOOD)
    assert SupplyNode.objects.count() == 0
