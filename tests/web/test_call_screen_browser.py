"""The operator's call screen at 1366 x 768, in a real browser: the main path from the ringing call
to the assigned intervention, counted in the operator's actions, with the mouse and with the
keyboard alone; the plant finder's combobox; the shortcuts' help; axe on the new parts.

With ``PRONTO_SCREENSHOTS=<folder>`` the screen is saved there as PNG
(``call-screen-1366x768.png``, ``call-screen-plant-search-1366x768.png``; docs/screenshots).
Run with ``-s`` to see the counts printed."""

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from dispatch import services
from dispatch.choices import InterventionStatus
from dispatch.models import Intervention, KnownNumber, UserProfile
from telecontrol.backends.base import Reading
from telecontrol.choices import CheckOutcome, Protocol
from telecontrol.models import PlantState, PlantTelecontrol
from tests.factories import PlantFactory
from tests.web.phone_system import ring
from tests.web.test_accessibility import axe_violations

pytestmark = [pytest.mark.real_component, pytest.mark.django_db(transaction=True)]

SECRET = "call-screen-telephony-secret-0123456789"
SCREEN = {"width": 1366, "height": 768}
CALLER = "02 4455 6677"
MAX_ACTIONS = 8
# The screen carries the call's script too (its first question stays open on the main path).
TRIAGE = """[start] Is anyone trapped or hurt?
  ? Ask calmly; keep the caller on the line.
  - Yes -> end ; type=lift_trapped priority=1
  - No -> end ; type=lift_fault priority=3
"""


class Operator:
    """The operator's hands on one page, counted: each click, each key press and each text fill
    (``fill`` or ``type`` of a whole text) is one action; waiting for the page is none.

    Before each action the element acted on (for a key, the element that has the focus, if any)
    must be wholly inside the viewport and the page unscrolled (``window.scrollY == 0``); after
    it, the page must still be unscrolled. So a path that passes needed no scrolling."""

    def __init__(self, page):
        self.page = page
        self.actions: list[str] = []

    @property
    def count(self) -> int:
        return len(self.actions)

    def _unscrolled(self, when: str) -> None:
        scrolled = None
        for _ in range(3):
            try:
                scrolled = self.page.evaluate("window.scrollY")
                break
            except PlaywrightError:  # the action navigated: ask the page it led to
                self.page.wait_for_load_state()
        assert scrolled == 0, f"the page scrolled {when}"

    def _in_view(self, locator, what: str) -> None:
        self._unscrolled(f"before {what}")
        box = locator.bounding_box()
        assert box is not None, f"{what}: not rendered"
        width, height = self.page.viewport_size["width"], self.page.viewport_size["height"]
        assert box["x"] >= 0 and box["y"] >= 0, f"{what}: above or left of the viewport ({box})"
        assert box["x"] + box["width"] <= width and box["y"] + box["height"] <= height, (
            f"{what}: below or right of the fold at {width}x{height} ({box})"
        )

    def _done(self, what: str) -> None:
        self.actions.append(what)
        self._unscrolled(f"after {what}")

    def click(self, locator, what: str) -> None:
        self._in_view(locator, what)
        locator.click(no_wait_after=True)
        self._done(f"click {what}")

    def fill(self, locator, text: str, what: str) -> None:
        self._in_view(locator, what)
        locator.fill(text)
        self._done(f"fill {what}")

    def press(self, key: str) -> None:
        focused = self.page.locator(":focus")
        if focused.count() and self.page.evaluate("document.activeElement !== document.body"):
            self._in_view(focused.first, f"the focus, for {key}")
        else:
            self._unscrolled(f"before {key}")
        self.page.keyboard.press(key)
        self._done(f"key {key}")

    def type(self, text: str) -> None:
        self._in_view(self.page.locator(":focus").first, "the field typed in")
        self.page.keyboard.type(text)
        self._done("type a text")


def shoot(page, name: str) -> None:
    folder = os.environ.get("PRONTO_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


@pytest.fixture
def world(users, plant, settings):
    """The caller is the caretaker of two buildings (their number is known for both, so the call
    cannot pick one by itself); the first is a Modbus plant that last read fine and now answers
    out of service. A technician is on duty and skilled for it; the plant has an open
    intervention already and the caretaker called before about something else."""
    from tests.telecontrol.fakes import FakeModbusBackend

    settings.PRONTO_TELEPHONY_SECRET = SECRET
    services.call_script_save(actor=users["supervisor"], call_type="", name="Triage", source=TRIAGE)
    settings.PRONTO_MODBUS_BACKEND = "tests.telecontrol.fakes.FakeModbusBackend"
    FakeModbusBackend.reading = Reading(
        CheckOutcome.OK, active=True, anomaly=False, out_of_service=True, alarm_code="OOS-3"
    )
    second = PlantFactory(customer=plant.customer, code="P1-B", name="Garage", address="Via Po 2")
    for each in (plant, second):
        KnownNumber.objects.create(number="+390244556677", plant=each, label="caretaker")
    PlantTelecontrol.objects.create(plant=plant, protocol=Protocol.MODBUS, host="127.0.0.1", port=15999)
    observed = timezone.now() - timedelta(seconds=20)
    PlantState.objects.create(
        plant=plant, source=Protocol.MODBUS, outcome=CheckOutcome.OK, active=True, anomaly=False,
        out_of_service=False, observed_at=observed, watched_since=observed - timedelta(days=1),
    )  # fmt: skip
    UserProfile.objects.update_or_create(
        user=users["technician"], defaults={"on_duty": True, "skills": [plant.kind]}
    )
    services.intervention_open(actor=users["operator"], plant=plant, summary="Earlier: meter check")
    return {"plant": plant, "second": second}


def ringing_call_screen(signed_in, live_server, call_id: str):
    page = signed_in("operator")
    page.set_viewport_size(SCREEN)
    expect(page.get_by_role("heading", name="Live board")).to_be_visible()
    ring(live_server, secret=SECRET, call_id=call_id, caller=CALLER, agent="operator")
    page.wait_for_url(re.compile(r"/calls/\d+/$"), timeout=10_000)
    expect(page.locator(".call-state")).to_contain_text("Ringing")
    page.wait_for_load_state("networkidle")
    return page, int(page.url.rstrip("/").rsplit("/", 1)[-1])


def assert_assigned(page, call_pk: int, users) -> Intervention:
    page.wait_for_url(re.compile(r"/interventions/\d+/$"))
    intervention = Intervention.objects.get(call_id=call_pk)
    assert intervention.status == InterventionStatus.ASSIGNED
    assert intervention.technician == users["technician"]
    assert intervention.plant.code == "P1"
    return intervention


def test_the_main_path_with_the_mouse_fits_the_screen(signed_in, live_server, users, world):
    page, call_pk = ringing_call_screen(signed_in, live_server, "pbx-screen-1")
    operator = Operator(page)
    search = page.get_by_role("combobox", name=re.compile("Find the plant"))

    # Focusing the finder lists the caller's plants at once.
    operator.click(search, "the plant finder")
    options = page.locator("#plant-listbox").get_by_role("option")
    expect(options).to_have_count(2)
    expect(options.first).to_contain_text("P1")
    expect(options.first).to_contain_text("caller's known number")
    shoot(page, "call-screen-plant-search-1366x768")
    operator.click(options.first, "the first plant found")
    expect(page.get_by_text("Plant set: P1")).to_be_visible()
    expect(page.locator("#plant-badge")).to_have_text("Active")

    operator.click(page.get_by_role("button", name="Check the plant now"), "check the plant")
    expect(page.locator("#plant-badge")).to_have_text("Out of service")  # the check is fresher
    expect(page.locator("#plant-check")).to_contain_text("OOS-3")
    technician = page.get_by_label(re.compile(r"Technician \(suggested first"))
    expect(technician).to_have_value(str(users["technician"].pk))  # the suggestion, already chosen
    shoot(page, "call-screen-1366x768")

    operator.fill(page.get_by_label("Summary for the technician"), "Lift out of service, caretaker on site",
                  "the summary")  # fmt: skip
    operator.click(page.get_by_role("button", name="Open the intervention"), "open the intervention")
    assert_assigned(page, call_pk, users)

    print(f"main path: {operator.count} actions ({', '.join(operator.actions)})")
    assert operator.count <= MAX_ACTIONS


def test_the_main_path_from_the_keyboard_alone(signed_in, live_server, users, world):
    page, call_pk = ringing_call_screen(signed_in, live_server, "pbx-screen-2")
    operator = Operator(page)

    operator.press("/")  # find the plant: the caller's plants, the first one active
    search = page.locator("#plant-code")
    expect(search).to_be_focused()
    expect(search).to_have_attribute("aria-expanded", "true")
    active = page.locator("#plant-listbox [role=option][aria-selected=true]")
    expect(active).to_contain_text("P1")
    expect(search).to_have_attribute("aria-activedescendant", active.get_attribute("id"))
    operator.press("Enter")
    expect(page.get_by_text("Plant set: P1")).to_be_visible()

    operator.press("c")  # check the plant
    expect(page.locator("#plant-badge")).to_have_text("Out of service")
    operator.press("i")  # the intervention's summary, the suggested technician chosen
    expect(page.locator("#iv-summary")).to_be_focused()
    operator.type("Lift out of service, caretaker on site")
    operator.press("Control+Enter")
    intervention = assert_assigned(page, call_pk, users)
    assert intervention.summary == "Lift out of service, caretaker on site"

    print(f"main path, keyboard only: {operator.count} actions ({', '.join(operator.actions)})")
    assert operator.count <= MAX_ACTIONS


def test_the_finder_moves_with_the_arrows_and_closes_with_escape(signed_in, live_server, users, world):
    page, call_pk = ringing_call_screen(signed_in, live_server, "pbx-screen-3")
    page.keyboard.press("p")
    search = page.locator("#plant-code")
    expect(search).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("ArrowDown")  # from the first to the second
    expect(page.locator("#plant-listbox [aria-selected=true]")).to_contain_text("P1-B")
    page.keyboard.press("ArrowDown")  # round to the first
    expect(page.locator("#plant-listbox [aria-selected=true]")).to_contain_text("Via Roma")
    page.keyboard.press("Escape")
    expect(search).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#plant-listbox")).to_be_hidden()

    # Typing narrows; a shortcut's letter typed in the field is text, not a shortcut.
    search.press_sequentially("garage")
    expect(page.locator("#plant-listbox").get_by_role("option")).to_have_count(1)
    expect(page.locator("#plant-listbox").get_by_role("option")).to_contain_text("P1-B")
    expect(page.locator("#plant-search-status")).to_have_text("1 plant found.")
    assert page.evaluate("document.querySelector('#shortcuts-help').open") is False
    page.keyboard.press("Enter")
    expect(page.get_by_text("Plant set: P1-B Garage")).to_be_visible()


def test_the_help_lists_the_shortcuts_and_closes_with_escape(signed_in, live_server, users, world):
    page, _ = ringing_call_screen(signed_in, live_server, "pbx-screen-4")
    help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts on the call screen")
    page.keyboard.press("?")
    expect(help_dialog).to_be_visible()
    for key in ("/", "c", "i", "b", "t", "?"):
        expect(help_dialog.locator("kbd", has_text=key).first).to_be_visible()
    assert axe_violations(page) == []
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()

    page.keyboard.press("b")  # schedule a callback: the form opens, the time field has the focus
    expect(page.locator("#due_at")).to_be_focused()


def test_the_call_screen_with_results_open_passes_the_wcag_aa_checks(signed_in, live_server, users, world):
    page, _ = ringing_call_screen(signed_in, live_server, "pbx-screen-5")
    page.keyboard.press("/")
    expect(page.locator("#plant-listbox").get_by_role("option")).to_have_count(2)
    assert axe_violations(page) == []
    page.keyboard.press("Enter")
    expect(page.get_by_text("Plant set: P1")).to_be_visible()
    page.get_by_role("button", name="Check the plant now").click()
    expect(page.locator("#plant-badge")).to_have_text("Out of service")
    assert axe_violations(page) == []
