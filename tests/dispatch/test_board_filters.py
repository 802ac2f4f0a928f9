"""The live board's filters and order, kept per user; each row's telecontrol badge; critical
interventions past their arrival target; and what it all costs in queries."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dispatch import selectors, services
from dispatch.board import BOARD_ORDERS, arrival_targets, board_for_user
from dispatch.choices import InterventionStatus, Priority
from dispatch.filters import BOARD_ORDER_LABELS, BoardFilter
from dispatch.models import Intervention, ServiceLevelProfile
from telecontrol.selectors import plant_check_settings_forget
from tests.telecontrol.test_badges import state

from .helpers import call_logged, intervention_in

pytestmark = pytest.mark.django_db

BOARD = reverse("dispatch:board")
ROWS = reverse("dispatch:board-rows")


def _open(users, plant, *, priority=Priority.NORMAL, summary="Gas smell", line="", minutes_ago=0, **call):
    received = timezone.now() - timedelta(minutes=minutes_ago)
    logged = call_logged(users, plant, line=line, received_at=received, **call)
    intervention = services.intervention_open(
        actor=users["operator"], call=logged, summary=summary, priority=priority
    )
    if minutes_ago:
        QuerySet.update(Intervention.objects.filter(pk=intervention.pk), opened_at=received)
    return intervention


def _listed(client, url=ROWS) -> list[str]:
    """The summaries of the board's rows, in order."""
    page = client.get(url).content.decode()
    table = page[page.index('class="board-interventions"') :]
    return [s for s in re.findall(r"<td>([^<]*)</td>\s*</tr>", table)]


@pytest.fixture
def world(users, plant, other_plant):
    """Open interventions that differ in every way the board filters by."""
    critical = _open(users, plant, priority=Priority.CRITICAL, summary="critical P1", line="800-111")
    high = _open(users, other_plant, priority=Priority.HIGH, summary="high P2", line="800-222")
    services.intervention_assign(actor=users["operator"], intervention=high, technician=users["technician"])
    low = _open(users, plant, priority=Priority.LOW, summary="low P1", line="800-222")
    return {"critical": critical, "high": high, "low": low}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["critical P1", "high P2", "low P1"]),
        ({"customer": "c1"}, ["critical P1", "low P1"]),
        ({"line": "800-222"}, ["high P2", "low P1"]),
        ({"priority": ["1", "4"]}, ["critical P1", "low P1"]),
        ({"state": ["assigned"]}, ["high P2"]),
        ({"technician": "technician"}, ["high P2"]),
        ({"technician": "null"}, ["critical P1", "low P1"]),
        ({"plant_state": ["anomaly"]}, ["critical P1", "low P1"]),
        ({"plant_state": ["unknown"]}, ["high P2"]),
        ({"customer": "c1", "priority": ["4"]}, ["low P1"]),
    ],
)
def test_each_filter_narrows_the_board_and_is_kept_for_the_next_visit_and_the_refresh(
    users, plant, world, browser, query, expected
):
    state(plant, anomaly=True, alarm_code="E42")  # other_plant has no telecontrol data
    ids = {"c1": str(plant.customer_id), "technician": str(users["technician"].pk)}
    query = {
        k: ([ids.get(x, x) for x in v] if isinstance(v, list) else ids.get(v, v)) for k, v in query.items()
    }
    client = browser("operator")

    response = client.post(BOARD, {**query})

    assert response.status_code == 302 and response.url == BOARD
    assert _listed(client, BOARD) == expected
    assert _listed(client, ROWS) == expected


def test_the_filters_are_each_users_own_and_reset_forgets_them(users, world, browser):
    operator, supervisor = browser("operator"), browser("supervisor")
    operator.post(BOARD, {"priority": ["4"], "sort": "age"})

    assert _listed(operator) == ["low P1"]
    assert _listed(supervisor) == ["critical P1", "high P2", "low P1"]
    saved = selectors.workstation_preference_get(user=users["operator"])
    assert (saved.board_filters, saved.board_sort) == ({"priority": ["4"]}, "age")
    page = operator.get(BOARD).content.decode()
    assert "Filtered:" in page and "Priority: Low" in page  # the board says what it leaves out

    assert operator.post(BOARD, {"reset": "1"}).url == BOARD

    assert _listed(operator) == ["critical P1", "high P2", "low P1"]
    saved = selectors.workstation_preference_get(user=users["operator"])
    assert (saved.board_filters, saved.board_sort) == ({}, "")


def test_a_link_never_changes_the_saved_filters(users, world, browser):
    client = browser("operator")
    client.post(BOARD, {"priority": ["1"]})

    for query in ({"apply": "1", "priority": ["4"]}, {"reset": "1"}, {"order": "age"}):
        assert client.get(BOARD, query).status_code == 200

    saved = selectors.workstation_preference_get(user=users["operator"])
    assert (saved.board_filters, saved.board_sort) == ({"priority": ["1"]}, "priority")
    assert _listed(client) == ["critical P1"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"priority": ["9"]}, "Priority"),
        ({"state": ["closed"]}, "State"),
        ({"customer": "999999"}, "Customer"),
        ({"technician": "abc"}, "Technician"),
        ({"plant_state": ["on_fire"]}, "Plant state"),
        ({"sort": "random"}, "Order"),
        ({"line": "x" * 65}, "Line called"),
    ],
)
def test_a_value_not_offered_is_a_clear_400_and_nothing_is_saved(users, world, browser, query, field):
    client = browser("operator")
    client.post(BOARD, {"priority": ["1"]})

    response = client.post(BOARD, {**query})

    assert response.status_code == 400
    page = response.content.decode()
    assert "These filters cannot be applied" in page and f"<li>{field}: " in page
    assert 'id="board"' not in page  # no board rather than a board showing everything
    assert selectors.workstation_preference_get(user=users["operator"]).board_filters == {"priority": ["1"]}


def test_stale_saved_filters_are_dropped_and_named_and_the_rest_still_apply(users, world, browser):
    technician = users["technician"]
    services.workstation_preference_set(
        user=users["operator"],
        board_filters={"technician": [str(technician.pk)], "priority": ["2", "4"], "customer": ["424242"]},
        board_sort="no-longer-an-order",
    )
    technician.is_active = False  # left the company
    technician.save()
    client = browser("operator")

    response = client.get(BOARD)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Some saved filters no longer apply and are left out: Customer, Technician" in page
    assert _listed(client, BOARD) == ["high P2", "low P1"]
    assert _listed(client, ROWS) == ["high P2", "low P1"]


def test_the_customers_offered_are_those_the_user_may_see(users, customer, other_customer):
    request = RequestFactory().get(BOARD)
    request.user = users["utility"]
    offered = BoardFilter(queryset=Intervention.objects.all(), request=request).form.fields["customer"]
    assert [c.pk for c in offered.queryset] == [customer.pk]

    request.user = users["operator"]
    offered = BoardFilter(queryset=Intervention.objects.all(), request=request).form.fields["customer"]
    assert {c.pk for c in offered.queryset} == {customer.pk, other_customer.pk}


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("priority", ["critical new", "high old", "low oldest"]),
        ("age", ["low oldest", "high old", "critical new"]),
        ("plant", ["critical new", "low oldest", "high old"]),
        ("technician", ["critical new", "low oldest", "high old"]),
        ("state", ["critical new", "low oldest", "high old"]),
    ],
)
def test_each_order_sorts_the_rows_and_marks_its_column(users, plant, other_plant, browser, order, expected):
    _open(users, plant, priority=Priority.CRITICAL, summary="critical new")
    high = _open(users, other_plant, priority=Priority.HIGH, summary="high old", minutes_ago=60)
    services.intervention_assign(actor=users["operator"], intervention=high, technician=users["technician"])
    _open(users, plant, priority=Priority.LOW, summary="low oldest", minutes_ago=120)
    client = browser("operator")

    client.post(BOARD, {"sort": order})

    assert _listed(client) == expected
    page = client.get(BOARD).content.decode()
    sorted_headers = re.findall(r'<th scope="col" aria-sort="\w+"><button id="board-sort-(\w+)"', page)
    assert sorted_headers == [order]


def test_every_order_has_a_label():
    assert set(BOARD_ORDER_LABELS) == set(BOARD_ORDERS)


def test_a_column_header_keeps_the_filters_and_changes_the_order(users, world, browser):
    client = browser("operator")
    client.post(BOARD, {"priority": ["2", "4"]})
    page = client.get(BOARD).content.decode()
    button = re.search(
        r'<button id="board-sort-age" type="submit" form="board-filter-form" name="order" value="age"', page
    )
    assert button is not None
    # The button submits the filter form as the page shows it (the saved filters) with its order.
    client.post(BOARD, {"priority": ["2", "4"], "sort": "priority", "order": "age"})

    saved = selectors.workstation_preference_get(user=users["operator"])
    assert (saved.board_filters, saved.board_sort) == ({"priority": ["2", "4"]}, "age")


def test_each_row_shows_its_plants_telecontrol_badge(users, plant, other_plant, browser):
    state(plant, out_of_service=True, alarm_code="E7")
    on_plant = _open(users, plant, summary="on the cabin")
    elsewhere = _open(users, other_plant, summary="elsewhere")

    page = browser("operator").get(BOARD).content.decode()

    def row(intervention):
        return re.search(rf'<tr [^>]*>\s*<td><a id="board-iv-{intervention.pk}".*?</tr>', page, re.S).group(0)

    assert 'class="badge badge-out_of_service"' in row(on_plant) and "Out of service" in row(on_plant)
    assert "E7" in row(on_plant)  # the alarm code, in the badge's title
    assert 'class="badge badge-unknown"' in row(elsewhere) and "No telecontrol data" in row(elsewhere)


def test_a_critical_intervention_past_its_arrival_target_stands_out_and_is_counted(
    users, plant, other_plant, browser
):
    default = ServiceLevelProfile.objects.get(customer__isnull=True, service="gas")
    assert default.arrival_target_minutes == 60 and "gas_leak" in default.call_types
    late = _open(users, plant, priority=Priority.CRITICAL, summary="late", minutes_ago=75)
    in_time = _open(users, plant, priority=Priority.CRITICAL, summary="in time", minutes_ago=20)
    not_critical = _open(users, plant, priority=Priority.HIGH, summary="high", minutes_ago=120)
    on_site = intervention_in(
        InterventionStatus.ON_SITE, users=users, plant=plant,
        call=call_logged(users, plant, received_at=timezone.now() - timedelta(minutes=90)),
    )  # fmt: skip
    QuerySet.update(Intervention.objects.filter(pk=on_site.pk), priority=Priority.CRITICAL)
    # Another customer's own gas standard allows three hours: 75 minutes is not late there.
    ServiceLevelProfile.objects.create(
        customer=other_plant.customer, service="gas", name="Contract", arrival_target_minutes=180,
        call_types=default.call_types, changed_at=timezone.now(),
    )  # fmt: skip
    own_standard = _open(users, other_plant, priority=Priority.CRITICAL, summary="own target", minutes_ago=75)

    page = browser("operator").get(BOARD).content.decode()

    overdue = re.findall(r'<tr class="[^"]*\boverdue\b[^"]*">\s*<td><a id="board-iv-(\d+)"', page)
    assert overdue == [str(late.pk)]
    assert "1 critical intervention past its arrival target" in page
    late_row = page[page.index(f'id="board-iv-{late.pk}"') :].split("</tr>")[0]
    assert "Overdue" in late_row  # in words, not colour alone
    for calm in (in_time, not_critical, on_site, own_standard):
        row = page[page.index(f'id="board-iv-{calm.pk}"') :].split("</tr>")[0]
        assert "Overdue" not in row


def test_the_overdue_count_covers_critical_ones_beyond_the_rows_shown(users, plant, browser, monkeypatch):
    from dispatch import board as board_module

    monkeypatch.setattr(board_module, "BOARD_INTERVENTIONS", 1)
    for _ in range(3):
        _open(users, plant, priority=Priority.CRITICAL, minutes_ago=90)

    page = browser("operator").get(BOARD).content.decode()

    assert "3 critical interventions past their arrival target" in page


FILTERS_ON = {"priority": ["1", "2", "3"], "state": ["open", "assigned"]}


@pytest.mark.parametrize("plant_state", [[], ["active", "anomaly"]], ids=["badges", "badges+plant-state"])
def test_the_board_costs_the_same_queries_for_4_or_40_rows_with_filters_and_badges(
    users, plant, other_plant, browser, django_assert_num_queries, plant_state
):
    state(plant, anomaly=True)
    state(other_plant)
    client = browser("operator")
    client.post(BOARD, {**FILTERS_ON, "customer": str(plant.customer_id), "plant_state": plant_state})
    client.post(BOARD, {**FILTERS_ON, "plant_state": plant_state})

    def queries(url):
        plant_check_settings_forget()  # the profiles read in both cases (cached between)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    for i in range(4):
        _open(users, plant if i % 2 else other_plant, priority=Priority.CRITICAL, minutes_ago=90)
    few = (queries(BOARD), queries(ROWS))
    assert len(_listed(client)) == 4
    for i in range(36):
        opened = _open(users, plant if i % 2 else other_plant, priority=1 + i % 3, minutes_ago=i)
        if i % 3 == 0:
            services.intervention_assign(
                actor=users["operator"], intervention=opened, technician=users["technician"]
            )
    for url, count in zip((BOARD, ROWS), few, strict=True):
        plant_check_settings_forget()
        with django_assert_num_queries(count):
            assert client.get(url).status_code == 200
    assert len(_listed(client)) == 40


def test_the_overdue_count_in_sql_agrees_with_each_rows_deadline_listed_or_not(users, plant, other_plant):
    """The count comes from the counting query (``ArrivalTargets.overdue_condition``), the rows'
    flags from ``ArrivalTargets.deadline``: both must say the same of every intervention, for a
    customer with its own standard and one without, every call type, and none."""
    default = ServiceLevelProfile.objects.get(customer__isnull=True, service="gas")
    ServiceLevelProfile.objects.create(
        customer=other_plant.customer, service="gas", name="Contract", arrival_target_minutes=180,
        call_types=default.call_types[:1], changed_at=timezone.now(),
    )  # fmt: skip
    for where in (plant, other_plant):
        for call_type in ["", *default.call_types[:2], "information"]:
            for minutes_ago in (30, 90, 240):
                _open(users, where, priority=Priority.CRITICAL, minutes_ago=minutes_ago, call_type=call_type)

    everything = board_for_user(user=users["operator"], limit=500)
    first_few = board_for_user(user=users["operator"], limit=3)

    targets = arrival_targets()
    expected = 0
    for intervention in Intervention.objects.select_related("call", "plant").filter(
        priority=Priority.CRITICAL
    ):
        deadline = targets.deadline(
            customer_id=intervention.plant.customer_id,
            call_type=intervention.call.call_type or "",
            started_at=intervention.call.received_at,
        )
        expected += deadline is not None and deadline < everything.now
    assert expected >= 4  # the data has late ones on both customers' standards
    assert everything.overdue_critical == expected == first_few.overdue_critical
    assert sum(1 for d in everything.deadlines.values() if d < everything.now) == expected
