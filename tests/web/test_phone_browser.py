"""The technician's phone page in a real browser: the step valid next comes first, worked out on
the phone from the steps still queued (offline too); the dark theme follows the phone's setting
and keeps WCAG AA. With ``PRONTO_SCREENSHOTS=<folder>`` the dark page is saved there as
``phone-dark.png`` (docs/screenshots)."""

import os
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dispatch import services
from dispatch.choices import InterventionStatus
from dispatch.models import Intervention
from tests.dispatch.helpers import call_logged, intervention_in
from tests.dispatch.test_phone_steps import photo_file
from tests.web.test_accessibility import axe_violations

pytestmark = [pytest.mark.real_component, pytest.mark.django_db(transaction=True)]

# The state-changing steps the page shows, in the page's order (hidden ones left out).
SHOWN_STEPS = (
    "[...document.querySelectorAll('[data-next-steps] form:not([hidden])')].map(f => f.dataset.step)"
)
FIRST_STEP = "document.querySelector('[data-next-steps] form').dataset.step"


def test_queued_offline_acknowledge_makes_arrived_on_site_the_next_step(signed_in, users, plant):
    intervention = intervention_in(InterventionStatus.ASSIGNED, users=users, plant=plant)
    page = signed_in("technician", phone=True, path=f"/m/interventions/{intervention.pk}/")
    expect(page.get_by_role("button", name="Acknowledge")).to_be_visible()
    assert page.evaluate(SHOWN_STEPS) == ["acknowledge", "arrive"]
    assert page.get_by_role("button", name="Acknowledge").bounding_box()["height"] >= 48

    page.context.set_offline(True)
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.locator("#queue")).to_have_text("1 to send")
    expect(page.get_by_role("button", name="Acknowledge")).to_be_hidden()
    assert page.evaluate(SHOWN_STEPS) == ["arrive"] and page.evaluate(FIRST_STEP) == "arrive"

    page.get_by_role("button", name="Arrived on site").click()
    expect(page.locator("#queue")).to_have_text("2 to send")
    # Both still on the phone: what comes after them is the completion, first and alone.
    expect(page.get_by_label("Closing reason")).to_be_visible()
    assert page.evaluate(SHOWN_STEPS) == ["complete"] and page.evaluate(FIRST_STEP) == "complete"
    assert Intervention.objects.get(pk=intervention.pk).status == InterventionStatus.ASSIGNED

    page.context.set_offline(False)
    expect(page.locator("#queue")).to_have_text("", timeout=15_000)
    expect(page.locator("#steps-log li.sent")).to_have_count(2)
    assert page.evaluate(SHOWN_STEPS) == ["complete"]
    assert Intervention.objects.get(pk=intervention.pk).status == InterventionStatus.ON_SITE
    page.reload()  # the server now renders the same order from the status
    expect(page.get_by_label("Closing reason")).to_be_visible()
    assert page.evaluate(SHOWN_STEPS) == ["complete"] and page.evaluate(FIRST_STEP) == "complete"


def test_a_step_the_server_refuses_gives_its_place_back(signed_in, users, plant):
    intervention = intervention_in(InterventionStatus.ASSIGNED, users=users, plant=plant)
    page = signed_in("technician", phone=True, path=f"/m/interventions/{intervention.pk}/")
    expect(page.get_by_role("button", name="Acknowledge")).to_be_visible()
    page.context.set_offline(True)
    page.get_by_role("button", name="Arrived on site").click()
    expect(page.get_by_label("Closing reason")).to_be_visible()
    # Meanwhile the control room gives the case to someone else: the phone's step is refused.
    services.intervention_assign(
        actor=users["operator"], intervention=intervention, technician=users["technician2"]
    )
    page.context.set_offline(False)
    expect(page.locator("#steps-log li.refused")).to_have_count(1, timeout=15_000)
    assert page.evaluate(SHOWN_STEPS) == ["acknowledge", "arrive"]


@pytest.fixture
def site(users, plant):
    plant.latitude, plant.longitude = Decimal("45.464211"), Decimal("9.191383")
    plant.name, plant.address, plant.municipality = "Cabina REMI Via Roma", "Via Roma 1", "Milano"
    plant.save()
    call = call_logged(users, plant, caller_number="+39 02 4444 5555")
    intervention = intervention_in(InterventionStatus.ACKNOWLEDGED, users=users, plant=plant, call=call)
    services.intervention_step_apply(
        actor=users["technician"], intervention=intervention, step_id=uuid.uuid4(), action="photo",
        client_time=timezone.now(), photo=photo_file(),
    )  # fmt: skip
    return intervention


def test_the_dark_theme_follows_the_phone_and_passes_the_wcag_aa_checks(signed_in, site):
    page = signed_in("technician", phone=True, path=f"/m/interventions/{site.pk}/")
    expect(page.get_by_role("button", name="Arrived on site")).to_be_visible()
    light = page.evaluate("getComputedStyle(document.body).backgroundColor")

    page.emulate_media(color_scheme="dark")
    assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
    dark = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert (light, dark) == ("rgb(255, 255, 255)", "rgb(18, 20, 24)")
    page.wait_for_load_state("networkidle")
    assert axe_violations(page) == []
    folder = os.environ.get("PRONTO_SCREENSHOTS")
    if folder:
        page.set_viewport_size({"width": 412, "height": 915})
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / "phone-dark.png"))
    page.get_by_role("button", name="Arrived on site").click()  # the completion form, in the dark
    expect(page.get_by_label("Closing reason")).to_be_visible()
    assert axe_violations(page) == []
