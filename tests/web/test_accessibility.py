"""Accessibility basics on every main page, in a real browser: axe-core's WCAG 2.1 A and AA rules
(every control labelled, contrast, landmarks, headings, names of links and images), and the
console driven by the keyboard alone."""

import re
import uuid

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dispatch import services
from dispatch.choices import InterventionStatus
from dispatch.models import ServiceLevelProfile
from tests.dispatch.helpers import call_logged, intervention_in
from tests.dispatch.test_phone_steps import photo_file

pytestmark = [pytest.mark.real_component, pytest.mark.django_db(transaction=True)]

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
SCRIPT = """[start] Do you smell gas right now?
  - Yes -> end ; type=gas_leak priority=1
  - No -> end ; type=information priority=4
"""


def axe_violations(page) -> list[str]:
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError as exc:
        pytest.skip(f"axe-playwright-python is not installed ({exc}): run scripts/setup.sh")
    results = Axe().run(page, options=WCAG)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(
            " ".join(node["target"]) + ": " + node["failureSummary"].replace("\n", " ")
            for node in v["nodes"][:5]
        )
        for v in results.response["violations"]
    ]


@pytest.fixture
def world(users, plant):
    # These tests run in transactions that are flushed, data migrations' rows included: the
    # shipped service-level profiles are put back the way migration 0012 writes them.
    import importlib

    from django.apps import apps

    importlib.import_module("dispatch.migrations.0012_service_level_profiles_shipped").ship(apps, None)
    services.call_script_save(actor=users["supervisor"], call_type="", name="Triage", source=SCRIPT)
    call = call_logged(users, plant, caller_number="+39 02 4444 5555")
    open_one = intervention_in(InterventionStatus.ON_SITE, users=users, plant=plant, call=call)
    done = intervention_in(InterventionStatus.COMPLETED, users=users, plant=plant)
    # The technician on duty (the shift controls show) and a photo from the site on each.
    services.technician_duty_set(actor=users["technician"], on_duty=True)
    for intervention in (open_one, done):
        services.intervention_step_apply(
            actor=users["technician"], intervention=intervention, step_id=uuid.uuid4(), action="photo",
            client_time=timezone.now(), photo=photo_file(),
        )  # fmt: skip
    # The escalation chains migration escalations/0002 ships (the chain editor's page).
    from escalations.models import EscalationChain
    from escalations.services import shipped_chains_restore

    shipped_chains_restore()
    chain = EscalationChain.objects.get(case_type__isnull=True, priority=1)
    return {
        "call": call, "open": open_one, "done": done, "customer": plant.customer_id, "chain": chain.pk,
        "plant": plant.pk,
    }  # fmt: skip


STAFF_PAGES = [
    ("operator", "/board/"),
    ("operator", "/calls/{call}/"),
    ("operator", "/calls/?q=gas"),
    ("operator", "/interventions/"),
    ("operator", "/interventions/{open}/"),
    ("operator", "/callbacks/"),
    ("operator", "/outbox/"),
    ("operator", "/scripts/"),
    ("supervisor", "/desk/"),
    ("supervisor", "/scripts/triage/edit/"),
    ("supervisor", "/interventions/{done}/"),
    ("utility", "/interventions/"),
    ("supervisor", "/reports/service-levels/?customer={customer}&date_from=2026-01-01&date_to=2026-12-31"),
    ("utility", "/reports/service-levels/?date_from=2026-01-01&date_to=2026-12-31"),
    ("supervisor", "/reports/standards/"),
    ("supervisor", "/reports/standards/{profile}/"),
    # Issue 18: the teams and who is on call (a team's own pages: tests/web/test_oncall_browser.py).
    ("supervisor", "/teams/"),
    ("operator", "/oncall/"),
    ("operator", "/oncall/feed/"),
    ("supervisor", "/escalations/chains/"),
    ("supervisor", "/escalations/chains/{chain}/"),
    ("supervisor", "/network/plants/{plant}/"),
    ("supervisor", "/network/import/"),
]
PHONE_PAGES = [("technician", "/m/"), ("technician", "/m/interventions/{open}/")]


@pytest.mark.parametrize(
    "role, path", STAFF_PAGES + PHONE_PAGES, ids=[p for _, p in STAFF_PAGES + PHONE_PAGES]
)
def test_the_page_passes_the_wcag_aa_checks(signed_in, world, role, path):
    url = path.format(
        call=world["call"].pk,
        open=world["open"].pk,
        done=world["done"].pk,
        customer=world["customer"],
        chain=world["chain"],
        plant=world["plant"],
        profile=ServiceLevelProfile.objects.get(customer__isnull=True, service="gas").pk,
    )
    page = signed_in(role, phone=(role, path) in PHONE_PAGES, path=url)
    expect(page).to_have_url(re.compile(re.escape(url.split("?")[0])))
    page.wait_for_load_state("networkidle")
    assert axe_violations(page) == []


def test_the_sign_in_page_passes_the_wcag_aa_checks(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, locale="en-GB")
    try:
        page = context.new_page()
        page.goto("/accounts/login/")
        assert axe_violations(page) == []
    finally:
        context.close()


def tab_to(page, selector: str, *, limit: int = 80) -> None:
    """Press Tab until the focus is on ``selector``, as a keyboard user would; the focus must
    show (an outline) wherever it lands on the way."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement === document.querySelector(s)", selector):
            outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
            assert outline not in ("", "none"), f"no visible focus on {selector}"
            return
    raise AssertionError(f"{selector} not reached with {limit} presses of Tab")


def test_the_console_works_from_the_keyboard_alone(signed_in, users, plant):
    services.call_script_save(actor=users["supervisor"], call_type="", name="Triage", source=SCRIPT)
    call = call_logged(users, plant, caller_number="+39 02 4444 5555", notes="")
    page = signed_in("operator", path=f"/calls/{call.pk}/")
    expect(page.get_by_role("heading", name=f"Call #{call.pk}")).to_be_visible()

    page.keyboard.press("Tab")  # the first stop skips the header's links
    assert page.evaluate("document.activeElement.textContent") == "Skip to the content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    tab_to(page, "#plant-check button")
    page.keyboard.press("Enter")
    expect(page.locator("#plant-check dl")).to_be_visible()
    expect(page.locator("#plant-check dl")).to_be_focused()  # the result is read next

    tab_to(page, "#call-script button[value='0']")
    page.keyboard.press("Enter")
    expect(page.locator("#call-script")).to_contain_text("Script completed.")
    expect(page.locator("#call-script [data-focus]")).to_be_focused()

    tab_to(page, "#iv-summary")
    page.keyboard.type("Gas smell in the stairwell")
    tab_to(page, "#iv-technician")
    page.keyboard.type("technician")  # a closed list picks the option typed
    assert page.evaluate("document.activeElement.value") == str(users["technician"].pk)
    tab_to(page, "#call-intervention form button[type=submit]")
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/(interventions|calls)/\d+/$"))
    intervention = call.interventions.get()
    assert (
        intervention.summary == "Gas smell in the stairwell"
        and intervention.technician == users["technician"]
    )


def test_the_board_gives_the_focus_back_after_refreshing(signed_in, users, plant, settings):
    settings.PRONTO_BOARD_REFRESH_SECONDS = 1
    call = call_logged(users, plant, caller_number="+39 02 4444 5555")
    intervention = services.intervention_open(actor=users["operator"], call=call, summary="Gas smell")
    page = signed_in("operator")
    tab_to(page, f"#board-iv-{intervention.pk}")
    stamp = page.locator("#board time").first.get_attribute("datetime")
    expect(page.locator("#board time").first).not_to_have_attribute("datetime", stamp, timeout=5_000)
    assert page.evaluate("document.activeElement.id") == f"board-iv-{intervention.pk}"
