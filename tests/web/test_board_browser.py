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
