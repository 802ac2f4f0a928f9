"""Major incidents in a real browser (issue 19): an operator on the call screen sees the banner
of the incident covering the caller's plant, reads out its message, ticks that the caller wants
the updates and attaches the call with one click; the supervisor reads the incident's page and
posts an update from it; anybody, signed out, reads the public status page.

With ``PRONTO_SCREENSHOTS=<folder>`` the screens are saved there (docs/screenshots):
``incident-call-banner.png``, ``incident-page.png``, ``incident-status-page.png``."""

import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from clocks.services import shipped_setup_restore
from dispatch.choices import PlantKind
from dispatch.services import call_log
from escalations.services import shipped_chains_restore
from incidents.models import IncidentMember, IncidentSubscriber, IncidentUpdate
from incidents.services import call_attach, incident_declare
from network.services import supply_node_set
from routing.classify import caller_classes_shipped
from shifts.services import shipped_patterns_restore
from tests.factories import PlantFactory
from tests.web.test_accessibility import axe_violations

pytestmark = [pytest.mark.real_component, pytest.mark.django_db(transaction=True)]

SCREEN = {"width": 1366, "height": 768}
CALLER = "+390245566771"
MESSAGE = "Gas supply is interrupted in Niguarda after a fault at the reduction cabin. Crews are on site."


def shoot(page, name: str, *, full_page: bool = False) -> None:
    folder = os.environ.get("PRONTO_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=full_page)


@pytest.fixture
def outage(users, customer):
    """A cabin feeding a building and its lift, an incident declared on the cabin, and two calls
    already attached (one of them subscribed)."""
    # The browser tests before these flushed the database, data migrations' rows included.
    import importlib

    from django.apps import apps

    importlib.import_module("dispatch.migrations.0012_service_level_profiles_shipped").ship(apps, None)
    shipped_setup_restore()
    caller_classes_shipped()
    shipped_chains_restore()
    shipped_patterns_restore()
    boss = users["supervisor"]
    cabin = PlantFactory(customer=customer, code="REMI-MI-001", name="Cabina REMI Niguarda",
                         kind=PlantKind.GAS_CABIN, municipality="Milano",
                         latitude=Decimal("45.52"), longitude=Decimal("9.19"))  # fmt: skip
    building = PlantFactory(customer=customer, code="EDI-MI-201", name="Condominio Viale Sarca 210",
                            kind=PlantKind.BUILDING, municipality="Milano")  # fmt: skip
    lift = PlantFactory(customer=customer, code="ASC-MI-201A", name="Ascensore scala A, Viale Sarca 210",
                        kind=PlantKind.LIFT, municipality="Milano")  # fmt: skip
    supply_node_set(actor=boss, plant=cabin, feeder=None, supply_points=0)
    supply_node_set(actor=boss, plant=building, feeder=cabin, supply_points=48)
    supply_node_set(actor=boss, plant=lift, feeder=building, supply_points=24)
    incident = incident_declare(
        actor=boss, node=cabin, title="Niguarda reduction cabin out of service", public_message=MESSAGE,
        cause="Pressure regulator failure", eta=timezone.now() + timedelta(hours=3),
    )  # fmt: skip
    for n, number in enumerate(("+390245566001", "+390245566002")):
        earlier = call_log(actor=users["operator"], caller_number=number, plant=building,
                           received_at=timezone.now() - timedelta(minutes=12 - n))  # fmt: skip
        call_attach(actor=users["operator"], incident=incident, call=earlier, subscribe=n == 0, number=number)
    # A call from the lift nobody has attached yet: the incident's page proposes it.
    proposed = call_log(actor=users["operator"], caller_number="+390245566003", plant=lift,
                        received_at=timezone.now() - timedelta(minutes=6))  # fmt: skip
    return {"incident": incident, "lift": lift, "proposed": proposed}


def test_the_operator_reads_the_banner_out_and_attaches_the_call_and_subscribes_the_caller(
    signed_in, users, outage
):
    incident = outage["incident"]
    call = call_log(actor=users["operator"], caller_number=CALLER, plant=outage["lift"])
    page = signed_in("operator", path=f"/calls/{call.pk}/")
    page.set_viewport_size(SCREEN)
    banner = page.locator("#incident-banner")
    expect(banner).to_contain_text("Niguarda reduction cabin out of service")
    expect(banner.locator("#incident-banner-message")).to_have_text(MESSAGE)
    expect(banner.locator("#incident-number")).to_have_value(CALLER)
    banner.get_by_label("The caller wants the updates by SMS (ask first)").check()
    assert axe_violations(page) == []
    shoot(page, "incident-call-banner")
    banner.get_by_role("button", name="Attach the call to the incident").click()
    expect(banner).to_contain_text("This call is attached to the incident.")
    expect(banner).to_contain_text("receives the updates by SMS")
    assert IncidentMember.objects.filter(incident=incident, call=call).exists()
    assert IncidentSubscriber.objects.filter(incident=incident, number=CALLER, call=call).exists()
    # Loaded again (the operator comes back to the call), the banner says so and offers nothing.
    page.reload()
    expect(banner).to_contain_text("This call is attached to the incident.")
    expect(banner.get_by_role("button", name="Attach the call to the incident")).to_have_count(0)


def test_the_supervisor_reads_the_incident_page_and_posts_an_update(signed_in, outage):
    incident = outage["incident"]
    page = signed_in("supervisor", path=f"/incidents/{incident.pk}/")
    page.set_viewport_size(SCREEN)
    expect(page.get_by_role("heading", level=1)).to_contain_text(incident.title)
    expect(page.locator("#incident-counts")).to_contain_text("2 calls")
    expect(page.locator("#incident-counts")).to_contain_text("1 subscriber")
    page.get_by_label("New public message").fill(
        "The regulator is being replaced; gas back within three hours."
    )
    page.get_by_role("button", name="Post the update").click()
    expect(page.locator(".incident-updates")).to_contain_text("The regulator is being replaced")
    assert IncidentUpdate.objects.filter(incident=incident).count() == 2
    proposal = page.locator(f"#proposal-call-{outage['proposed'].pk}")
    expect(proposal).to_contain_text("ASC-MI-201A")
    assert axe_violations(page) == []
    shoot(page, "incident-page", full_page=True)
    # One click: the proposal is attached in place (htmx), the page not reloaded.
    proposal.get_by_role("button", name="Attach").click()
    expect(proposal).to_contain_text("Attached")
    assert IncidentMember.objects.filter(incident=incident, call=outage["proposed"]).exists()


def test_the_status_page_is_read_signed_out_without_personal_data(chromium, live_server, outage):
    incident = outage["incident"]
    context = chromium.new_context(
        base_url=live_server.url, locale="en-GB", viewport={"width": 420, "height": 860}
    )
    try:
        page = context.new_page()
        response = page.goto(f"/status/{incident.public_token}/")
        assert response is not None and response.status == 200
        assert (
            "public" in response.headers["cache-control"]
            and "max-age=30" in response.headers["cache-control"]
        )
        expect(page.get_by_role("heading", level=1)).to_have_text(incident.title)
        expect(page.locator("#status-message")).to_have_text(MESSAGE)
        text = page.locator("body").inner_text()
        for personal in ("+390245566001", "245566001", "supervisor", "operator", "Pressure regulator"):
            assert personal not in text
        assert axe_violations(page) == []
        shoot(page, "incident-status-page", full_page=True)
    finally:
        context.close()
