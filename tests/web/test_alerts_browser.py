"""The alert banner and its tone in a real browser: a call ringing at the operator shows and
rings until answered, unless their sound is off; a critical intervention's alert sounds once and
is dismissed with Escape; a sound the browser holds back is said so, and plays at the first click.
The tones started are counted in window.prontoAlertTones (pronto.js)."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dispatch import services
from dispatch.choices import Priority
from telephony import services as telephony_services

from .conftest import chromium_binary, wait_until
from .test_accessibility import axe_violations

pytestmark = [pytest.mark.real_component, pytest.mark.django_db(transaction=True)]

TONES = "window.prontoAlertTones"

# The autoplay policy this test is about, made certain. Chromium's --autoplay-policy flag holds
# Web Audio back only while the page does not count as used, and now and then it counts a page
# opened by the screen pop as used before any input (navigator.userActivation.hasBeenActive was
# true, the tone played, the notice never showed: one run in ten). Here an AudioContext stays
# suspended until the first real click or key in the page, as the policy says.
HOLD_AUDIO_UNTIL_INPUT = """
(() => {
  let used = false;
  const mark = (event) => { if (event.isTrusted) { used = true; } };
  window.addEventListener("pointerdown", mark, true);
  window.addEventListener("keydown", mark, true);
  const Real = window.AudioContext;
  window.AudioContext = class extends Real {
    get state() { return used ? super.state : "suspended"; }
    resume() { return used ? super.resume() : new Promise(() => {}); }
  };
})();
"""


def ring(call_id="pbx-5", agent="operator"):
    call, _created = telephony_services.telephony_event_apply(
        call_id=call_id, event="ring", occurred_at=timezone.now(), caller_number="347 765 4321",
        line="800-900-000", agent=agent,
    )  # fmt: skip
    return call


def test_a_ringing_call_shows_and_rings_until_answered(signed_in, users, plant):
    page = signed_in("operator")
    expect(page.get_by_role("heading", name="Live board")).to_be_visible()
    assert page.evaluate(TONES) == 0

    call = ring()

    page.wait_for_url(re.compile(rf"/calls/{call.pk}/$"), timeout=10_000)
    alert = page.get_by_role("alert").filter(has_text="Call ringing")
    expect(alert).to_have_text(
        re.compile(r"Call ringing from \+393477654321 on line 800-900-000\s+Open call #\d+")
    )
    expect(alert.get_by_role("link", name=f"Open call #{call.pk}")).to_be_visible()
    wait_until(page, f"{TONES} >= 1")
    assert axe_violations(page) == []
    wait_until(page, f"{TONES} >= 2")  # again, while it rings

    telephony_services.telephony_event_apply(call_id="pbx-5", event="answer", occurred_at=timezone.now())

    expect(page.locator("#alerts")).to_be_empty(timeout=5_000)
    rung = page.evaluate(TONES)
    page.wait_for_timeout(4_500)
    assert page.evaluate(TONES) == rung


def test_with_the_sound_off_the_banner_shows_and_nothing_sounds(signed_in, users, plant):
    page = signed_in("operator", path="/calls/")
    switch = page.get_by_role("button", name="Alert sound")
    expect(switch).to_have_attribute("aria-pressed", "true")
    switch.click()
    expect(page.get_by_role("button", name="Alert sound")).to_have_attribute("aria-pressed", "false")

    call = ring()

    page.wait_for_url(re.compile(rf"/calls/{call.pk}/$"), timeout=10_000)
    expect(page.get_by_role("alert").filter(has_text="Call ringing from +393477654321")).to_be_visible()
    expect(page.get_by_role("button", name="Alert sound")).to_have_attribute("aria-pressed", "false")
    page.wait_for_timeout(4_500)
    assert page.evaluate(TONES) == 0
    expect(page.locator("#alert-sound-blocked")).to_be_hidden()


def test_a_critical_intervention_sounds_once_shows_once_and_escape_dismisses_it(signed_in, users, plant):
    page = signed_in("operator")
    expect(page.get_by_role("heading", name="Live board")).to_be_visible()

    opened = services.intervention_open(
        actor=users["supervisor"], plant=plant, summary="Gas smell in the cellar", priority=Priority.CRITICAL
    )

    alert = page.get_by_role("alert").filter(has_text=f"Critical intervention #{opened.pk} opened: plant P1")
    expect(alert).to_be_visible()
    expect(alert.get_by_role("link")).to_have_attribute("href", f"/interventions/{opened.pk}/")
    wait_until(page, f"{TONES} == 1")
    assert axe_violations(page) == []
    # The polls that follow leave the same element in place: not read out again, not rung again.
    page.evaluate("document.querySelector('#alerts .alert-critical').dataset.kept = 'yes'")
    page.wait_for_timeout(4_500)
    assert page.evaluate(TONES) == 1
    expect(page.locator("#alerts .alert-critical[data-kept]")).to_have_count(1)
    # On the next page of this tab it is still there, quietly (no role="alert", no tone).
    page.get_by_role("link", name="Calls", exact=True).click()
    expect(page.locator("#alerts .alert-critical")).to_contain_text(f"#{opened.pk}")
    expect(page.get_by_role("alert")).to_have_count(0)
    assert page.evaluate(TONES) == 0

    page.keyboard.press("Escape")

    expect(page.locator("#alerts")).to_be_empty()
    page.reload()
    page.wait_for_timeout(2_500)
    expect(page.locator("#alerts")).to_be_empty()


def test_a_sound_the_browser_holds_back_is_said_and_plays_at_the_first_click(
    signed_in, chromium, live_server, users, plant
):
    # The test browser lets pages play sound at once; the ordinary policy waits for a click.
    session = signed_in("operator").context
    signed_in_state = session.storage_state()
    session.close()
    strict = chromium.browser_type.launch(
        executable_path=chromium_binary(),
        args=["--no-sandbox", "--autoplay-policy=document-user-activation-required"],
    )
    try:
        context = strict.new_context(base_url=live_server.url, storage_state=signed_in_state)
        context.add_init_script(HOLD_AUDIO_UNTIL_INPUT)
        page = context.new_page()
        page.goto("/calls/")
        ring()
        page.wait_for_url(re.compile(r"/calls/\d+/$"), timeout=10_000)
        expect(page.get_by_role("alert").filter(has_text="Call ringing")).to_be_visible()
        expect(page.locator("#alert-sound-blocked")).to_be_visible()
        expect(page.locator("#alert-sound-blocked")).to_contain_text("click anywhere or press a key")

        page.get_by_role("heading", name=re.compile(r"Call #\d+")).click()

        expect(page.locator("#alert-sound-blocked")).to_be_hidden()
        wait_until(page, f"{TONES} >= 1")
    finally:
        strict.close()


def test_a_held_sound_plays_at_the_first_click_when_the_context_already_runs_by_then(signed_in, users, plant):
    # The other order of the same race: by the first input the browser has let the context run
    # (it counted the page as used, or the tone's own resume() went through), so there is
    # nothing left to resume; what was held back must play and the notice go all the same.
    page = signed_in("operator")
    page.context.add_init_script(HOLD_AUDIO_UNTIL_INPUT)
    page.goto("/calls/")
    ring()
    page.wait_for_url(re.compile(r"/calls/\d+/$"), timeout=10_000)
    expect(page.locator("#alert-sound-blocked")).to_be_visible()
    assert page.evaluate(TONES) == 0

    page.get_by_role("heading", name=re.compile(r"Call #\d+")).click()

    expect(page.locator("#alert-sound-blocked")).to_be_hidden()
    wait_until(page, f"{TONES} >= 1")
