"""The technician goes on duty on the phone and shares its position; the operator's suggestion
of whom to send then ranks them by it."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from dispatch import selectors
from dispatch.models import UserProfile

pytestmark = [pytest.mark.real_component, pytest.mark.django_db(transaction=True)]


def test_on_duty_with_the_position_shared_the_nearest_technician_comes_first(signed_in, users, plant):
    plant.latitude, plant.longitude = Decimal("45.4642"), Decimal("9.19")
    plant.save()
    page = signed_in("technician", phone=True, path="/m/")
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 45.4654219, "longitude": 9.1859243, "accuracy": 20})

    page.get_by_role("button", name="Go on duty").click()
    expect(page.get_by_text("You are on duty.")).to_be_visible()
    page.get_by_label("Share my position while on duty", exact=False).check()
    expect(page.locator("#position-status")).to_contain_text("Position shared at", timeout=15_000)

    profile = UserProfile.objects.get(user=users["technician"])
    assert profile.on_duty and profile.latitude == Decimal("45.465422")
    assert profile.longitude == Decimal("9.185924") and profile.position_accuracy_m == 20
    first = selectors.technicians_suggested(plant=plant)[0]
    assert first.technician == users["technician"] and first.distance_km < 1

    # The choice is remembered on the phone: the next page keeps sharing.
    page.reload()
    expect(page.get_by_label("Share my position while on duty", exact=False)).to_be_checked()
