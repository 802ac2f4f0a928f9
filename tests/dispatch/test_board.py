"""The operator's live board: what it lists, in which order, for whom, and at what cost."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dispatch import board as board_module
from dispatch import services
from dispatch.board import board_for_user
from dispatch.choices import Priority
from dispatch.models import Intervention
from telecontrol.selectors import plant_check_settings_forget

from .helpers import call_logged, intervention_in

pytestmark = pytest.mark.django_db

BOARD = reverse("dispatch:board")
ROWS = reverse("dispatch:board-rows")


def _open(users, plant, *, priority=Priority.NORMAL, summary="Gas smell", opened_minutes_ago=0):
    call = call_logged(users, plant, caller_number="+39 02 1111 2222")
    intervention = services.intervention_open(
        actor=users["operator"], call=call, summary=summary, priority=priority
    )
    if opened_minutes_ago:
        # The board orders by age: backdate past the queryset's guard (services never do this).
        QuerySet.update(
            Intervention.objects.filter(pk=intervention.pk),
            opened_at=timezone.now() - timedelta(minutes=opened_minutes_ago),
        )
    return intervention


def test_open_interventions_come_by_priority_then_age_and_final_ones_not_at_all(users, plant, browser):
    low_old = _open(users, plant, priority=Priority.LOW, summary="low, old", opened_minutes_ago=90)
    critical_new = _open(users, plant, priority=Priority.CRITICAL, summary="critical, new")
    critical_old = _open(
        users, plant, priority=Priority.CRITICAL, summary="critical, old", opened_minutes_ago=30
    )
    cancelled = intervention_in("cancelled", users=users, plant=plant)

    board = board_for_user(user=users["operator"])

    assert [i.pk for i in board.interventions] == [critical_old.pk, critical_new.pk, low_old.pk]
    assert cancelled.pk not in {i.pk for i in board.interventions}
    assert board.total == 3 and board.counts == {"open": 3}
    page = browser("operator").get(BOARD).content.decode()
    assert page.index("critical, old") < page.index("critical, new") < page.index("low, old")


def test_calls_in_progress_show_with_a_tel_link_and_ended_or_stale_ones_do_not(users, plant, browser):
    now = timezone.now()
    ringing = call_logged(users, plant, caller_number="+39 02 3333 4444")
    call_logged(
        users, plant, caller_number="+39 02 5555 6666", received_at=now - timedelta(minutes=5), ended_at=now
    )
    call_logged(users, plant, caller_number="+39 02 7777 8888", received_at=now - timedelta(hours=30))

    board = board_for_user(user=users["operator"])

    assert [c.pk for c in board.calls] == [ringing.pk]
    page = browser("operator").get(BOARD).content.decode()
    assert f'href="tel:{ringing.caller_number}"' in page
    assert "+390255556666" not in page and "+390277778888" not in page


def test_the_board_refreshes_itself_from_its_rows_endpoint(users, plant, browser, settings):
    settings.PRONTO_BOARD_REFRESH_SECONDS = 7
    client = browser("supervisor")
    page = client.get(BOARD).content.decode()
    assert f'hx-get="{ROWS}"' in page and 'hx-trigger="every 7s"' in page and "htmx" in page

    _open(users, plant, summary="appeared later")
    rows = client.get(ROWS)

    assert rows.status_code == 200 and "appeared later" in rows.content.decode()
    assert "<html" not in rows.content.decode()  # the fragment alone, swapped in place


def test_more_than_the_board_holds_is_counted_and_linked(users, plant, browser, monkeypatch):
    monkeypatch.setattr(board_module, "BOARD_INTERVENTIONS", 2)
    for _ in range(3):
        _open(users, plant)

    page = browser("operator").get(BOARD).content.decode()

    assert "and 1 more, less urgent" in page and reverse("dispatch:intervention-list") in page


@pytest.mark.parametrize("name", ["technician", "utility", "norole"])
def test_other_roles_are_refused(users, browser, name):
    client = browser(name)
    assert client.get(BOARD).status_code == 403
    assert client.get(ROWS).status_code == 403


def test_anonymous_is_sent_to_sign_in(db, client):
    assert client.get(BOARD).status_code == 302
    assert client.get(ROWS).status_code == 302


def test_home_takes_each_role_to_its_page(users, browser):
    assert browser("operator").get("/").url == BOARD
    assert browser("technician").get("/").url == reverse("dispatch:m-list")
    assert browser("utility").get("/").url == reverse("reports:service-levels")


def _queries_for(client, url) -> int:
    """Queries of one request, with the telecontrol profiles read (as every
    PRONTO_TELECONTROL_SETTINGS_CACHE_SECONDS): the same case every time."""
    plant_check_settings_forget()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_board_costs_the_same_number_of_queries_for_3_or_40_rows(users, plant, other_plant, browser):
    client = browser("operator")
    for _ in range(3):
        _open(users, plant)
    few = (_queries_for(client, BOARD), _queries_for(client, ROWS))
    for i in range(37):
        intervention = _open(users, plant if i % 2 else other_plant)
        if i % 3 == 0:
            services.intervention_assign(
                actor=users["operator"], intervention=intervention, technician=users["technician"]
            )

    many = (_queries_for(client, BOARD), _queries_for(client, ROWS))

    assert many == few
    assert board_for_user(user=users["operator"]).total == 40
