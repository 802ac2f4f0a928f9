"""Finding the plant from the call screen: what matches, in which order, for whom, and the
type-ahead endpoint that serves it."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from dispatch import services
from dispatch.models import Contact, KnownNumber
from dispatch.plant_search import PLANT_SEARCH_QUERY_MAX, PlantRank, plant_search
from telecontrol.choices import CheckOutcome, Protocol
from telecontrol.models import PlantState
from tests.dispatch.helpers import call_logged
from tests.factories import PlantFactory

pytestmark = pytest.mark.django_db

CALLER = "+39 02 4444 5555"


def codes(hits):
    return [hit.plant.code for hit in hits]


@pytest.fixture
def town(customer, other_customer):
    """Plants of two customers in two towns, named so that each field can be told apart."""
    return {
        "GC-100": PlantFactory(customer=customer, code="GC-100", name="Cabina Nord", address="Via Roma 1",
                               municipality="Milano"),
        "GC-101": PlantFactory(customer=customer, code="GC-101", name="Cabina Sud", address="Via Verdi 7",
                               municipality="Monza"),
        "LIFT-7": PlantFactory(customer=customer, code="LIFT-7", name="Ascensore scala B",
                               address="Corso Como 3", municipality="Milano", kind="lift"),
        "AGC-1": PlantFactory(customer=other_customer, code="AGC-1", name="Remi Adriatica",
                              address="Via Roma 9", municipality="Pescara"),
    }  # fmt: skip


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("gc-10", ["GC-100", "GC-101"]),  # code, any case
        ("cabina sud", ["GC-101"]),  # every word must match, in the name here
        ("via roma", ["AGC-1", "GC-100"]),  # address; then by code
        ("MONZA", ["GC-101"]),  # municipality
        ("scala milano", ["LIFT-7"]),  # words from different fields
        ("gc", ["GC-100", "GC-101", "AGC-1"]),  # codes starting with it before one containing it
        ("nothing like it", []),
    ],
)
def test_a_plant_is_found_by_code_name_address_or_town(users, town, query, expected):
    assert codes(plant_search(user=users["operator"], query=query)) == expected


def test_a_contacts_number_finds_its_customers_plants_in_any_written_form(users, town, customer):
    Contact.objects.create(customer=customer, name="Caretaker", phone_number="+390298765432")
    assert codes(plant_search(user=users["operator"], query="02 9876 5432")) == ["GC-100", "GC-101", "LIFT-7"]
    assert codes(plant_search(user=users["operator"], query="0039 02 98765432")) == [
        "GC-100",
        "GC-101",
        "LIFT-7",
    ]
    assert codes(plant_search(user=users["operator"], query="98765")) == ["GC-100", "GC-101", "LIFT-7"]
    assert codes(plant_search(user=users["operator"], query="987")) == []  # too few digits to mean one


def test_a_known_number_finds_its_plant(users, town):
    KnownNumber.objects.create(number="+390212121212", plant=town["LIFT-7"], label="lift alarm line")
    assert codes(plant_search(user=users["operator"], query="02 1212 1212")) == ["LIFT-7"]


def test_the_callers_plants_come_first_known_number_then_earlier_calls(users, town):
    # The caller's number is registered for two lifts (so the call does not pick one by itself),
    # and they called about GC-101 before.
    KnownNumber.objects.create(number="+390244445555", plant=town["LIFT-7"])
    KnownNumber.objects.create(number="+390244445555", plant=town["GC-100"])
    earlier = call_logged(
        users, town["GC-101"], caller_number=CALLER, received_at=timezone.now() - timedelta(days=3)
    )
    assert earlier.plant == town["GC-101"]

    hits = plant_search(user=users["operator"], query="", caller_number=CALLER)
    assert codes(hits) == ["GC-100", "LIFT-7", "GC-101"]
    assert [hit.rank for hit in hits] == [
        PlantRank.KNOWN_NUMBER,
        PlantRank.KNOWN_NUMBER,
        PlantRank.EARLIER_CALL,
    ]
    assert all(hit.callers_plant for hit in hits)

    # Typing narrows to what matches, the caller's plants still first, then the code that is the
    # query, then those it starts, then the rest.
    PlantFactory(customer=town["GC-100"].customer, code="MI", name="Milano centro", municipality="Milano")
    hits = plant_search(user=users["operator"], query="mi", caller_number=CALLER)
    assert codes(hits) == ["GC-100", "LIFT-7", "MI", "AGC-1"]  # "Remi Adriatica" contains "mi"
    assert [hit.rank for hit in hits] == [
        PlantRank.KNOWN_NUMBER,
        PlantRank.KNOWN_NUMBER,
        PlantRank.CODE_EXACT,
        PlantRank.OTHER,
    ]


def test_an_empty_query_without_a_known_caller_lists_nothing(users, town):
    assert plant_search(user=users["operator"], query="", caller_number="") == []
    assert plant_search(user=users["operator"], query="  ", caller_number="+39 02 0000 0001") == []


def test_a_utility_user_finds_only_its_customers_plants(users, town):
    assert codes(plant_search(user=users["utility"], query="via roma")) == ["GC-100"]
    assert codes(plant_search(user=users["utility_b"], query="via roma")) == ["AGC-1"]
    assert codes(plant_search(user=users["norole"], query="via roma")) == []


def test_the_results_are_bounded(users, customer):
    for n in range(12):
        PlantFactory(customer=customer, code=f"B-{n:02d}", name="Block")
    assert len(plant_search(user=users["operator"], query="block")) == 8
    assert codes(plant_search(user=users["operator"], query="block", limit=3)) == ["B-00", "B-01", "B-02"]


def test_a_query_too_long_is_refused(users, town):
    assert plant_search(user=users["operator"], query="x" * PLANT_SEARCH_QUERY_MAX) == []
    with pytest.raises(ValidationError) as refused:
        plant_search(user=users["operator"], query="x" * (PLANT_SEARCH_QUERY_MAX + 1))
    assert "q" in refused.value.message_dict


# ----------------------------------------------------------------------------------------------
# The type-ahead endpoint


def search_url(call):
    return reverse("dispatch:call-plant-search", args=[call.pk])


def test_the_type_ahead_lists_options_with_customer_and_badge(users, town, browser):
    KnownNumber.objects.create(number="+390244445555", plant=town["LIFT-7"])
    KnownNumber.objects.create(number="+390244445555", plant=town["GC-100"])
    PlantState.objects.create(
        plant=town["GC-100"], source=Protocol.MQTT, outcome=CheckOutcome.OK, active=True, anomaly=True,
        out_of_service=False, observed_at=timezone.now(), watched_since=timezone.now(),
    )  # fmt: skip
    call = services.call_log(actor=users["operator"], caller_number=CALLER)
    assert call.plant is None  # two plants for the number: the operator chooses

    response = browser("operator").get(search_url(call), {"q": ""})

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('role="option"') == 2
    first, second = page.index(f'plant-option-{town["GC-100"].pk}"'), page.index("plant-option-")
    assert first == second  # GC-100 comes first (known number, then by code)
    assert 'data-code="GC-100"' in page and "Via Roma 1, Milano" in page and "Customer One" in page
    assert 'class="badge badge-anomaly"' in page and 'class="badge badge-unknown"' in page
    assert page.count("caller's known number") == 2


def test_the_type_ahead_says_when_nothing_matches(users, town, browser):
    call = services.call_log(actor=users["operator"], caller_number=CALLER)
    page = browser("operator").get(search_url(call), {"q": "nowhere"}).content.decode()
    assert 'role="option"' not in page and "No plant matches." in page


def test_the_type_ahead_refuses_a_query_too_long_and_other_roles(users, town, browser):
    call = services.call_log(actor=users["operator"], caller_number=CALLER)
    too_long = browser("operator").get(search_url(call), {"q": "x" * 101})
    assert too_long.status_code == 400 and "at most 100 characters" in too_long.content.decode()
    for role in ("technician", "utility", "norole"):
        assert browser(role).get(search_url(call), {"q": "gc"}).status_code == 403
    assert browser("operator").get(reverse("dispatch:call-plant-search", args=[999999])).status_code == 404


def test_the_exact_code_form_still_works_without_javascript(users, town, browser):
    call = services.call_log(actor=users["operator"], caller_number=CALLER)
    client = browser("operator")
    page = client.get(reverse("dispatch:call-detail", args=[call.pk])).content.decode()
    assert 'role="combobox"' in page and 'name="plant_code"' in page
    client.post(reverse("dispatch:call-plant", args=[call.pk]), {"plant_code": "lift-7"})
    call.refresh_from_db()
    assert call.plant == town["LIFT-7"]
