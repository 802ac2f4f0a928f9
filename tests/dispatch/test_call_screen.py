"""The call screen as a page: what the operator sees of the plant and what is chosen for them."""

import pytest
from django.urls import reverse

from dispatch import services
from dispatch.choices import InterventionStatus
from tests.dispatch.helpers import call_logged, intervention_in

pytestmark = pytest.mark.django_db


def call_page(browser, call, role="operator") -> str:
    return browser(role).get(reverse("dispatch:call-detail", args=[call.pk])).content.decode()


def test_the_suggested_technician_is_chosen_when_on_duty(users, plant, browser):
    call = call_logged(users, plant)
    technician = users["technician"]
    assert f'<option value="{technician.pk}" selected>' not in call_page(browser, call)  # nobody on duty

    services.technician_duty_set(actor=technician, on_duty=True)
    page = call_page(browser, call)
    choices = page[page.index('<select id="iv-technician"') :]
    choices = choices[: choices.index("</select>")]
    assert f'<option value="{technician.pk}" selected>' in choices and choices.count(" selected") == 1


def test_the_plants_open_interventions_are_listed_not_the_finished(users, plant, browser):
    call = call_logged(users, plant)
    on_site = intervention_in(InterventionStatus.ON_SITE, users=users, plant=plant)
    closed = intervention_in(InterventionStatus.CLOSED, users=users, plant=plant)
    page = call_page(browser, call)
    section = page[
        page.index("Open interventions on this plant") : page.index("Earlier calls from this number")
    ]
    assert reverse("dispatch:intervention-detail", args=[on_site.pk]) in section
    assert reverse("dispatch:intervention-detail", args=[closed.pk]) not in section


def test_the_shortcuts_are_for_staff_only(users, plant, browser):
    call = call_logged(users, plant)
    staff_page = call_page(browser, call)
    assert "data-call-screen" in staff_page and '<dialog id="shortcuts-help"' in staff_page
    utility_page = call_page(browser, call, role="utility")
    assert "data-call-screen" not in utility_page and "shortcuts-help" not in utility_page
    assert 'role="combobox"' not in utility_page
