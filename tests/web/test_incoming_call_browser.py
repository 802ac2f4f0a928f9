"""A call rings at the operator: the phone system's webhook (signed, through the live server)
opens it on the operator's screen, the timer runs, and the recorded times arrive by themselves."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.web.phone_system import phone_system_post

pytestmark = [pytest.mark.real_component, pytest.mark.django_db(transaction=True)]

SECRET = "browser-test-telephony-secret-0123456789"


def test_a_ringing_call_opens_on_the_operators_screen_with_a_running_timer(
    signed_in, live_server, users, plant, settings
):
    settings.PRONTO_TELEPHONY_SECRET = SECRET
    page = signed_in("operator")
    expect(page.get_by_role("heading", name="Live board")).to_be_visible()
    start = timezone.now()

    assert phone_system_post(
        live_server,
        {"call_id": "pbx-77", "event": "ring", "timestamp": start.isoformat(), "caller": "347 765 4321",
         "line": "800-900-000", "agent": "operator"},
        secret=SECRET,
    ) == 201  # fmt: skip

    page.wait_for_url(re.compile(r"/calls/\d+/$"), timeout=10_000)
    expect(page.get_by_role("heading", name=re.compile(r"Call #\d+"))).to_be_visible()
    expect(page.get_by_role("link", name="+393477654321")).to_have_attribute("href", "tel:+393477654321")
    expect(page.locator(".call-state")).to_contain_text("Ringing")
    timer = page.get_by_role("timer", name="Call time")
    expect(timer).to_have_text(re.compile(r"^0:0[1-9]$"), timeout=4_000)

    answered = (start + timedelta(seconds=2)).isoformat()
    phone_system_post(
        live_server,
        {"call_id": "pbx-77", "event": "answer", "timestamp": answered, "agent": "operator"},
        secret=SECRET,
    )
    expect(page.locator(".call-state")).to_contain_text("In conversation", timeout=5_000)
    ended = (start + timedelta(seconds=64)).isoformat()
    phone_system_post(
        live_server, {"call_id": "pbx-77", "event": "hangup", "timestamp": ended}, secret=SECRET
    )

    expect(page.locator(".call-state")).to_contain_text("Ended", timeout=5_000)
    expect(page.locator("#call-status .duration")).to_have_text("64")
    expect(timer).to_have_text("64 s")
