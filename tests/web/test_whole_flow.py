"""One whole case through every role's pages, in real browsers: the phone system rings at the
operator, who follows the script, opens the intervention and sends the suggested technician;
the technician works it on the phone; only the supervisor closes it. With
``PRONTO_SCREENSHOTS=<folder>`` the main pages are saved there as PNG (docs/screenshots)."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from dispatch import services
from dispatch.choices import InterventionStatus
from dispatch.models import Intervention, UserProfile
from tests.web.phone_system import ring

pytestmark = [pytest.mark.real_component, pytest.mark.django_db(transaction=True)]

SECRET = "whole-flow-telephony-secret-0123456789"
TRIAGE = """[start] Do you smell gas right now?
  ? Ask calmly; keep the caller on the line.
  - Yes, strongly -> evacuate ; type=gas_leak priority=1
  - No -> end ; type=information priority=4
[evacuate] No switches, no flames, open the windows, leave the building. Are they out?
  - Yes -> end
  - No -> end ; priority=1
"""


def shoot(page, name: str) -> None:
    folder = os.environ.get("PRONTO_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_from_the_ringing_call_to_the_supervisors_close(
    signed_in, live_server, users, plant, reachable, settings
):
    settings.PRONTO_TELEPHONY_SECRET = SECRET
    settings.PRONTO_BOARD_REFRESH_SECONDS = 2
    services.call_script_save(actor=users["supervisor"], call_type="", name="Triage", source=TRIAGE)
    UserProfile.objects.update_or_create(
        user=users["technician"], defaults={"on_duty": True, "skills": [plant.kind]}
    )
    services.intervention_open(actor=users["operator"], plant=plant, summary="Earlier: meter check")

    # The operator's console: the board, then the ringing call opens by itself.
    operator = signed_in("operator")
    expect(operator.get_by_role("heading", name="Live board")).to_be_visible()
    shoot(operator, "console-board")
    ring(live_server, secret=SECRET, call_id="pbx-flow-1", caller="02 4455 6677", agent="operator")
    operator.wait_for_url(re.compile(r"/calls/\d+/$"), timeout=10_000)
    call_url = operator.url

    # The script, one answer at a time, in place; the suggested type applied.
    operator.get_by_role("button", name="Yes, strongly").click()
    expect(operator.locator("#call-script")).to_contain_text("Are they out?")
    operator.get_by_role("button", name="Yes", exact=True).click()
    expect(operator.locator("#call-script")).to_contain_text("Script completed.")
    expect(operator.locator("#call-script")).to_contain_text("Critical")
    operator.get_by_role("button", name="Set this call type").click()
    expect(operator.get_by_text("Call type set as the script suggested.")).to_be_visible()
    shoot(operator, "call-screen")

    # The number is unknown: the operator sets the plant from its code, then opens the
    # intervention with the suggested technician.
    operator.get_by_label("Find the plant").fill(plant.code.lower())
    operator.get_by_role("button", name="Set the plant").click()
    expect(operator.get_by_text(f"Plant set: {plant}")).to_be_visible()
    call_pk = int(call_url.rstrip("/").rsplit("/", 1)[-1])
    technician_choice = operator.get_by_label(re.compile("Technician \\(suggested first"))
    expect(technician_choice.locator("option").nth(1)).to_contain_text("technician")
    technician_choice.select_option(index=1)
    expect(operator.get_by_label("Priority")).to_have_value("1")
    operator.get_by_label("Summary for the technician").fill("Strong gas smell in the stairwell")
    operator.get_by_role("button", name="Open the intervention").click()
    operator.wait_for_url(re.compile(r"/interventions/\d+/$"))
    intervention = Intervention.objects.get(call_id=call_pk)
    assert (
        intervention.status == InterventionStatus.ASSIGNED and intervention.technician == users["technician"]
    )
    expect(operator.locator("#notifications")).to_contain_text("+393331234567")
    expect(operator.locator("#notifications")).to_contain_text("Delivered")

    # The technician's phone: the SMS link, the steps.
    phone = signed_in("technician", phone=True, path=f"/m/interventions/{intervention.pk}/")
    expect(phone.get_by_text("Strong gas smell in the stairwell", exact=True)).to_be_visible()
    shoot(phone, "technician-phone")
    phone.get_by_role("button", name="Acknowledge").click()
    phone.get_by_role("button", name="Arrived on site").click()
    phone.get_by_label("Closing reason").fill("Loose fitting on the riser tightened; no gas detected after")
    phone.get_by_role("button", name="Work completed").click()
    expect(phone.locator("#steps-log li.sent")).to_have_count(3, timeout=10_000)

    # The technician has no close control, and a forged close is refused.
    desktop = phone.context.new_page()
    desktop.goto(f"/interventions/{intervention.pk}/")
    expect(desktop.get_by_role("button", name="Close")).to_have_count(0)
    token = next(c["value"] for c in phone.context.cookies() if c["name"] == "csrftoken")
    forged = desktop.request.post(
        f"{live_server.url}/interventions/{intervention.pk}/close/",
        form={"csrfmiddlewaretoken": token}, headers={"Referer": live_server.url + "/"},
    )  # fmt: skip
    assert forged.status == 403
    intervention.refresh_from_db()
    assert intervention.status == InterventionStatus.COMPLETED

    # The supervisor's desk: the reason beside the case, and the close.
    supervisor = signed_in("supervisor", path="/desk/")
    row = supervisor.locator("table.awaiting tbody tr", has_text=f"{intervention.pk}")
    expect(row).to_contain_text("Loose fitting on the riser tightened")
    shoot(supervisor, "supervisor-desk")
    row.get_by_role("button", name=f"Close #{intervention.pk}").click()
    expect(supervisor.get_by_text("Nothing waits for your close.")).to_be_visible()
    intervention.refresh_from_db()
    assert intervention.status == InterventionStatus.CLOSED and intervention.closed_by == users["supervisor"]

    # The intervention's history reads as a log book, from the call to the close.
    supervisor.goto(f"/interventions/{intervention.pk}/")
    history = supervisor.locator(".timeline")
    expect(history).to_contain_text("Closed by the supervisor")
    expect(history).to_contain_text("Loose fitting on the riser tightened")
    shoot(supervisor, "intervention-history")
