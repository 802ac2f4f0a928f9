"""The technician's phone page (/m/interventions/<pk>/): the steps valid now come first and the
others are hidden, per status; the map opens the phone's own maps app."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from dispatch.choices import InterventionStatus as S

from .helpers import intervention_in

pytestmark = pytest.mark.django_db

STEP_FORM = re.compile(r'<form data-step="(\w+)"[^>]*data-sources="[^"]*"[^>]*?( hidden)?>')


def phone_page(browser, intervention):
    response = browser("technician").get(reverse("dispatch:m-intervention", args=[intervention.pk]))
    assert response.status_code == 200
    return response


@pytest.mark.parametrize(
    "status, shown, hidden",
    [
        (S.ASSIGNED, ["acknowledge", "arrive"], ["complete"]),
        (S.ACKNOWLEDGED, ["arrive"], ["acknowledge", "complete"]),
        (S.ON_SITE, ["complete"], ["acknowledge", "arrive"]),
    ],
)
def test_the_steps_valid_now_come_first_and_the_others_are_hidden(
    users, plant, browser, status, shown, hidden
):
    intervention = intervention_in(status, users=users, plant=plant)
    response = phone_page(browser, intervention)

    steps = response.context["steps"]
    assert [step.action for step in steps if step.valid] == shown
    assert [step.action for step in steps] == shown + hidden  # valid first, each group in step order
    forms = STEP_FORM.findall(response.content.decode())
    assert forms == [(action, "") for action in shown] + [(action, " hidden") for action in hidden]
    page = response.content.decode()
    # The next steps come before the plant's details; notes and photos stay available below.
    assert page.index("data-next-steps") < page.index(f"<h2>{plant.code} ") < page.index('data-step="note"')


def test_the_forms_carry_the_state_machine_for_the_phone_to_work_out_the_next_step(users, plant, browser):
    intervention = intervention_in(S.ASSIGNED, users=users, plant=plant)
    page = phone_page(browser, intervention).content.decode()
    assert f'data-next-steps data-intervention="{intervention.pk}" data-status="assigned"' in page
    assert 'data-step="acknowledge"' in page and 'data-sources="assigned" data-target="acknowledged"' in page
    assert 'data-sources="acknowledged assigned" data-target="on_site"' in page
    assert 'data-sources="on_site" data-target="completed"' in page


@pytest.mark.parametrize("status", [S.COMPLETED, S.CLOSED])
def test_a_finished_intervention_offers_no_steps(users, plant, browser, status):
    intervention = intervention_in(status, users=users, plant=plant)
    page = phone_page(browser, intervention).content.decode()
    assert "data-next-steps" not in page and "data-step=" not in page


def test_the_map_opens_the_phones_maps_app_at_the_plants_coordinates(users, plant, browser):
    plant.latitude, plant.longitude = Decimal("45.464211"), Decimal("9.191383")
    plant.name = "Cabina Via Roma"
    plant.save()
    intervention = intervention_in(S.ASSIGNED, users=users, plant=plant)
    page = phone_page(browser, intervention).content.decode()
    assert 'href="geo:45.464211,9.191383?q=45.464211,9.191383(P1%20Cabina%20Via%20Roma)"' in page
    # The web map there was before stays, for a phone with no app for geo: links.
    assert (
        'href="https://www.openstreetmap.org/?mlat=45.464211&amp;mlon=9.191383#map=17/45.464211/9.191383"'
        in page
    )


def test_without_coordinates_the_maps_app_searches_the_address(users, plant, browser):
    plant.latitude = plant.longitude = None
    plant.address, plant.municipality = "Via Roma 1", "Milano"
    plant.save()
    intervention = intervention_in(S.ASSIGNED, users=users, plant=plant)
    page = phone_page(browser, intervention).content.decode()
    assert 'href="geo:0,0?q=Via%20Roma%201%2C%20Milano"' in page
    assert "openstreetmap" not in page


def test_without_coordinates_or_address_there_is_no_map_link(users, plant, browser):
    plant.latitude = plant.longitude = None
    plant.address = plant.municipality = ""
    plant.save()
    page = phone_page(browser, intervention_in(S.ASSIGNED, users=users, plant=plant)).content.decode()
    assert "geo:" not in page and "openstreetmap" not in page
