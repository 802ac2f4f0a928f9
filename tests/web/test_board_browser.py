"""The live board in a real browser: it updates itself, with no reload."""

import re

import pytest
from playwright.sync_api import expect

from dispatch import services
from tests.dispatch.helpers import call_logged

pytestmark = [pytest.mark.real_component, pytest.mark.django_db(transaction=True)]


def test_a_new_intervention_appears_on_the_operators_board_without_a_reload(
    signed_in, users, plant, settings
):
    settings.PRONTO_BOARD_REFRESH_SECONDS = 1
    page = signed_in("operator")
    expect(page).to_have_url(re.compile(r"/board/$"))
    expect(page.get_by_role("heading", name="Live board")).to_be_visible()
    expect(page.locator("#board")).to_contain_text("No open interventions.")
    page.evaluate("window.boardLoads = performance.getEntriesByType('navigation').length")

    call = call_logged(users, plant, caller_number="+39 02 4444 5555")
    intervention = services.intervention_open(
        actor=users["operator"], call=call, summary="Smell of gas in the boiler room"
    )

    row = page.locator("table.board-interventions tbody tr").first
    expect(row).to_contain_text("Smell of gas in the boiler room", timeout=5_000)
    expect(row).to_contain_text(str(intervention.pk))
    expect(row.get_by_role("link", name="Call +390244445555")).to_have_attribute("href", "tel:+390244445555")
    # Same document: the row came by the board's own refresh, not by navigating.
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    assert page.evaluate("window.boardLoads") == 1


def test_a_callback_coming_due_alerts_the_operator_on_the_page_they_are_on(signed_in, users, plant, settings):
    from datetime import timedelta

    from django.utils import timezone

    from dispatch.models import Callback

    settings.PRONTO_CALLBACKS_POLL_SECONDS = 1
    call = call_logged(users, plant, caller_number="+39 02 4444 5555")
    callback = services.callback_schedule(
        actor=users["operator"], call=call, due_at=timezone.now() + timedelta(minutes=5), note="Valve shut?"
    )
    page = signed_in("operator", path=f"/calls/{call.pk}/")
    expect(page.get_by_role("link", name="Callbacks", exact=True)).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)

    Callback.objects.filter(pk=callback.pk).update(due_at=timezone.now())  # the clock reaches it

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("A callback is due", timeout=5_000)
    expect(alert).to_contain_text("Valve shut?")
    expect(alert.get_by_role("link", name="+390244445555")).to_have_attribute("href", "tel:+390244445555")
    expect(page.get_by_role("link", name="Callbacks (1)")).to_be_visible()
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1


def test_the_filters_are_kept_across_a_reload_and_the_board_passes_the_wcag_checks_with_them_open(
    signed_in, users, plant, other_plant
):
    """Also the screenshot docs/screenshots/board.png (with PRONTO_SCREENSHOTS=docs/screenshots):
    badges, an overdue critical intervention, the filters open."""
    import importlib
    from datetime import timedelta

    from django.apps import apps
    from django.utils import timezone

    from dispatch.choices import Priority
    from tests.telecontrol.test_badges import state
    from tests.web.test_accessibility import axe_violations
    from tests.web.test_whole_flow import shoot

    # Transactional tests flush the shipped service-level profiles (the arrival targets).
    importlib.import_module("dispatch.migrations.0012_service_level_profiles_shipped").ship(apps, None)
    state(plant, anomaly=True, alarm_code="E42")
    state(other_plant)
    late_call = call_logged(
        users, plant, caller_number="+39 02 4444 5555", received_at=timezone.now() - timedelta(minutes=80)
    )
    late = services.intervention_open(
        actor=users["operator"], call=late_call, summary="Strong smell of gas in the stairwell",
        priority=Priority.CRITICAL,
    )  # fmt: skip
    calm = services.intervention_open(
        actor=users["operator"], call=call_logged(users, other_plant, caller_number="+39 02 7777 1111"),
        summary="Lift stuck between floors, nobody inside", priority=Priority.NORMAL,
    )  # fmt: skip
    services.intervention_assign(actor=users["operator"], intervention=calm, technician=users["technician"])

    page = signed_in("operator")
    board = page.locator("#board")
    expect(board).to_contain_text("1 critical intervention past its arrival target")
    late_row = page.locator("table.board-interventions tr.overdue")
    expect(late_row).to_have_count(1)
    expect(late_row).to_contain_text("Overdue")
    expect(late_row.locator(".badge-anomaly")).to_have_text("Anomaly")
    page.get_by_text("Filters", exact=True).click()
    expect(page.get_by_role("checkbox", name="Critical")).to_be_visible()
    shoot(page, "board")

    page.get_by_role("checkbox", name="Critical").check()
    page.get_by_role("button", name="Apply and keep").click()
    page.wait_for_url(re.compile(r"/board/$"))
    page.reload()

    rows = page.locator("table.board-interventions tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(str(late.pk))
    expect(board).to_contain_text("Filtered: Priority: Critical")
    page.get_by_text("Filters (1)", exact=True).click()
    expect(page.get_by_role("checkbox", name="Critical")).to_be_checked()
    page.wait_for_load_state("networkidle")
    assert axe_violations(page) == []
