"""Looking calls up on the calls page: by number, plant, day, type and text."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from .helpers import call_logged

pytestmark = pytest.mark.django_db

URL = reverse("dispatch:call-list")


def found(client, **params) -> set[int]:
    response = client.get(URL, params)
    assert response.status_code == 200
    return {call.pk for call in response.context["page"]}


@pytest.fixture
def calls(users, plant, other_plant):
    now = timezone.now()
    return {
        "leak": call_logged(
            users, plant, caller_number="+39 02 1111 1111", notes="Smell of gas in the cellar"
        ),
        "lift": call_logged(
            users, other_plant, caller_number="347 222 2222", call_type="lift_trapped", notes="Two inside"
        ),
        "old": call_logged(
            users, plant, caller_number="+39 02 1111 1111", received_at=now - timedelta(days=10),
            ended_at=now - timedelta(days=10),
        ),
    }  # fmt: skip


def test_by_number_in_any_written_form(browser, calls):
    client = browser("operator")
    assert found(client, number="02 1111 1111") == {calls["leak"].pk, calls["old"].pk}
    assert found(client, number="+39 347 2222222") == {calls["lift"].pk}


def test_by_plant_code_or_name(browser, calls, plant, other_plant):
    client = browser("operator")
    assert found(client, plant=other_plant.code.lower()) == {calls["lift"].pk}
    assert found(client, plant=plant.name[2:]) == {calls["leak"].pk, calls["old"].pk}


def test_by_day_type_and_text(browser, calls):
    client = browser("supervisor")
    today = timezone.localdate().isoformat()
    assert found(client, date_from=today) == {calls["leak"].pk, calls["lift"].pk}
    old_day = timezone.localtime(calls["old"].received_at).date().isoformat()
    assert found(client, date_from=old_day, date_to=old_day) == {calls["old"].pk}
    assert found(client, call_type="lift_trapped") == {calls["lift"].pk}
    assert found(client, q="CELLAR") == {calls["leak"].pk}
    assert found(client, q="cellar", number="347 222 2222") == set()


def test_a_wrong_number_or_date_says_so_and_finds_nothing(browser, calls):
    response = browser("operator").get(URL, {"number": "not a number", "date_from": "31/31/2026"})
    assert list(response.context["page"]) == []
    page = response.content.decode()
    assert 'role="alert"' in page and "Enter a valid date." in page


def test_a_utility_user_searches_only_its_customers_calls(browser, calls):
    assert found(browser("utility"), number="347 222 2222") == set()  # another customer's plant
    assert found(browser("utility"), number="02 1111 1111") == {calls["leak"].pk, calls["old"].pk}


def test_the_next_page_keeps_the_search(browser, users, plant, monkeypatch):
    monkeypatch.setattr("dispatch.views.calls.CALLS_PER_PAGE", 2)
    for i in range(3):
        call_logged(users, plant, caller_number="+39 02 9999 9999", notes=f"n{i}")
    call_logged(users, plant, caller_number="+39 02 8888 8888")

    page = browser("operator").get(URL, {"number": "02 9999 9999"}).content.decode()
    assert 'href="?page=2&amp;number=02+9999+9999"' in page
    second = browser("operator").get(URL, {"number": "02 9999 9999", "page": 2})
    assert len(second.context["page"]) == 1
