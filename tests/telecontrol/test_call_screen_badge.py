"""The plant's badge on the call screen: the stored state's, until the operator's check, which is
fresher; and what a check's outcome reads as."""

from datetime import timedelta

import pytest
from django.utils import timezone

from telecontrol import services
from telecontrol.backends.base import Reading
from telecontrol.choices import BadgeState, CheckOutcome, Protocol
from telecontrol.models import PlantCheck, PlantState
from telecontrol.selectors import plant_badge_for_check
from tests.dispatch.helpers import call_logged

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("reading", "expected"),
    [
        (Reading(CheckOutcome.OK, active=True, anomaly=False, out_of_service=False), BadgeState.ACTIVE),
        (Reading(CheckOutcome.OK, active=False, anomaly=False, out_of_service=False), BadgeState.INACTIVE),
        (Reading(CheckOutcome.OK, active=True, anomaly=True, out_of_service=False, alarm_code="E7"),
         BadgeState.ANOMALY),
        (Reading(CheckOutcome.OK, active=True, anomaly=True, out_of_service=True), BadgeState.OUT_OF_SERVICE),
        (Reading(CheckOutcome.TIMEOUT, error="no answer in 2 s"), BadgeState.UNREACHABLE),
        (Reading(CheckOutcome.REFUSED, error="refused"), BadgeState.UNREACHABLE),
    ],
)  # fmt: skip
def test_a_checks_outcome_reads_as_a_badge(users, modbus_plant, fake_modbus, reading, expected):
    fake_modbus.reading = reading
    call = call_logged(users, modbus_plant)
    services.plant_check(actor=users["operator"], plant=modbus_plant, call=call)
    badge = plant_badge_for_check(PlantCheck.objects.get(call=call))
    assert badge.state == expected
    if expected == BadgeState.ANOMALY:
        assert badge.detail == "E7"
    if expected == BadgeState.UNREACHABLE:
        assert badge.detail == reading.error


def test_a_plant_without_telecontrol_checks_as_unknown(users, plant):
    call = call_logged(users, plant)
    services.plant_check(actor=users["operator"], plant=plant, call=call)
    assert plant_badge_for_check(PlantCheck.objects.get(call=call)).state == BadgeState.UNKNOWN


def stored_state(plant, *, observed_at, **flags):
    values = {"active": True, "anomaly": False, "out_of_service": False, **flags}
    PlantState.objects.update_or_create(
        plant=plant,
        defaults={"source": Protocol.MODBUS, "outcome": CheckOutcome.OK, "observed_at": observed_at,
                  "watched_since": observed_at - timedelta(days=1), **values},
    )  # fmt: skip


def test_the_check_updates_the_badge_and_stays_until_fresher_data(client, users, modbus_plant, fake_modbus):
    stored_state(modbus_plant, observed_at=timezone.now() - timedelta(seconds=30))
    call = call_logged(users, modbus_plant)
    client.force_login(users["operator"])
    page = client.get(f"/calls/{call.pk}/").content.decode()
    assert '<span id="plant-badge"><span class="badge badge-active"' in page

    # The plant now answers out of service: the check's fragment carries the badge out of band.
    fake_modbus.reading = Reading(
        CheckOutcome.OK, active=True, anomaly=False, out_of_service=True, alarm_code="9"
    )
    fragment = client.post(f"/calls/{call.pk}/plant-check/", HTTP_HX_REQUEST="true").content.decode()
    assert fragment.startswith('<section id="plant-check"')
    assert '<span id="plant-badge" hx-swap-oob="true"><span class="badge badge-out_of_service"' in fragment
    page = client.get(f"/calls/{call.pk}/").content.decode()
    assert "badge badge-out_of_service" in page and "badge badge-active" not in page

    # The poller reads the plant again afterwards: its newer state is what the badge shows.
    stored_state(modbus_plant, observed_at=timezone.now() + timedelta(seconds=1), anomaly=True)
    page = client.get(f"/calls/{call.pk}/").content.decode()
    assert "badge badge-anomaly" in page and "badge badge-out_of_service" not in page
