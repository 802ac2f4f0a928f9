"""The telecontrol endpoints: every role, the stored check, the close override over the API."""

import pytest
from django.utils import timezone

from dispatch.choices import InterventionStatus
from telecontrol import services
from telecontrol.backends.base import Reading
from telecontrol.choices import CheckOutcome, Protocol
from telecontrol.models import PlantCheck
from tests.dispatch.helpers import call_logged, intervention_in


def status_url(plant, **query):
    suffix = "&".join(f"{k}={v}" for k, v in query.items())
    return f"/api/plants/{plant.pk}/status/" + (f"?{suffix}" if suffix else "")


@pytest.mark.parametrize(
    "role, expected",
    [
        ("operator", 200),
        ("supervisor", 200),
        ("technician", 200),
        ("utility", 403),
        ("norole", 403),
        (None, 401),
    ],
)
def test_live_check_per_role(client_for, modbus_plant, fake_modbus, role, expected):
    response = client_for(role).get(status_url(modbus_plant))
    assert response.status_code == expected, response.content
    if expected == 200:
        body = response.json()
        assert body["outcome"] == "ok" and body["reachable"] is True and body["source"] == "modbus"
        assert body["stale"] is False and body["checked_at"] and body["check_id"] is None


def test_live_check_for_a_call_is_stored(client_for, users, modbus_plant, fake_modbus):
    fake_modbus.reading = Reading(CheckOutcome.REFUSED, error="connection refused by 127.0.0.1:15999")
    call = call_logged(users, modbus_plant)
    body = client_for("operator").get(status_url(modbus_plant, call=call.pk)).json()
    assert body["outcome"] == "refused" and body["reachable"] is False
    assert PlantCheck.objects.get(pk=body["check_id"]).call_id == call.pk
    history = client_for("operator").get(f"/api/calls/{call.pk}/history/").json()
    assert history[-1]["kind"] == "telecontrol.check"


def test_unknown_plant_and_unknown_call_are_404_and_400(client_for, modbus_plant, fake_modbus):
    operator = client_for("operator")
    assert operator.get("/api/plants/999999/status/").status_code == 404
    response = operator.get(status_url(modbus_plant, call=999999))
    assert response.status_code == 400 and "call" in response.json()
    assert operator.get(status_url(modbus_plant, call="abc")).status_code == 400


def test_technician_cannot_store_a_check_on_someone_elses_intervention(
    client_for, users, modbus_plant, fake_modbus
):
    intervention = intervention_in(InterventionStatus.ASSIGNED, users=users, plant=modbus_plant)
    # Not its intervention: it cannot even see it.
    assert (
        client_for("technician2").get(status_url(modbus_plant, intervention=intervention.pk)).status_code
        == 404
    )
    assert (
        client_for("technician").get(status_url(modbus_plant, intervention=intervention.pk)).status_code
        == 200
    )


def test_state_endpoint_shows_latest_state_and_alarms(client_for, modbus_plant, fake_modbus):
    services.plant_states_apply(
        [
            services.StateChange(
                plant_id=modbus_plant.pk,
                source=Protocol.MODBUS,
                reading=Reading(
                    CheckOutcome.OK, active=True, anomaly=True, out_of_service=False, alarm_code="17"
                ),
            )
        ],
        now=timezone.now(),
    )
    body = client_for("operator").get(f"/api/plants/{modbus_plant.pk}/state/").json()
    assert body["state"]["anomaly"] is True and body["state"]["alarm_code"] == "17"
    assert [a["kind"] for a in body["alarms"]] == ["anomaly"]
    assert client_for("utility").get(f"/api/plants/{modbus_plant.pk}/state/").status_code == 403


def test_close_override_over_the_api(client_for, users, modbus_plant, fake_modbus):
    intervention = intervention_in(InterventionStatus.COMPLETED, users=users, plant=modbus_plant)
    services.plant_states_apply(
        [
            services.StateChange(
                plant_id=modbus_plant.pk,
                source=Protocol.MODBUS,
                reading=Reading(CheckOutcome.OK, active=False, anomaly=False, out_of_service=True),
            )
        ],
        now=timezone.now(),
    )
    supervisor = client_for("supervisor")
    url = f"/api/interventions/{intervention.pk}/close/"
    refused = supervisor.post(url, {}, format="json")
    assert refused.status_code == 400 and "out_of_service" in refused.json()["override_reason"][0]
    assert client_for("technician").post(url, {"override_reason": "x"}, format="json").status_code == 403
    closed = supervisor.post(url, {"override_reason": "Plant taken out of service on purpose"}, format="json")
    assert closed.status_code == 200
    assert closed.json()["close_override_reason"] == "Plant taken out of service on purpose"


def test_web_close_form_asks_for_the_override_reason(client, users, modbus_plant, fake_modbus):
    intervention = intervention_in(InterventionStatus.COMPLETED, users=users, plant=modbus_plant)
    services.plant_states_apply(
        [
            services.StateChange(
                plant_id=modbus_plant.pk,
                source=Protocol.MODBUS,
                reading=Reading(CheckOutcome.OK, active=True, anomaly=True, out_of_service=False),
            )
        ],
        now=timezone.now(),
    )
    client.force_login(users["supervisor"])
    page = client.get(f"/interventions/{intervention.pk}/")
    assert b'name="override_reason"' in page.content
    client.post(f"/interventions/{intervention.pk}/close/", {})
    intervention.refresh_from_db()
    assert intervention.status == InterventionStatus.COMPLETED
    client.post(f"/interventions/{intervention.pk}/close/", {"override_reason": "Checked on site"})
    intervention.refresh_from_db()
    assert intervention.status == InterventionStatus.CLOSED


@pytest.mark.parametrize(
    "role, allowed", [("operator", True), ("supervisor", True), ("technician", False), ("utility", False)]
)
def test_call_screen_check_button(client, users, modbus_plant, fake_modbus, role, allowed):
    fake_modbus.reading = Reading(
        CheckOutcome.OK, active=True, anomaly=True, out_of_service=False, alarm_code="17"
    )
    call = call_logged(users, modbus_plant)
    client.force_login(users[role])
    response = client.post(f"/calls/{call.pk}/plant-check/")
    if not allowed:
        assert response.status_code == 403
        assert not PlantCheck.objects.exists()
        return
    assert response.status_code == 302
    page = client.get(f"/calls/{call.pk}/").content.decode()
    assert "Check the plant now" in page and "Answered" in page and "(code 17)" in page
    assert PlantCheck.objects.get().call == call


def test_the_check_clicked_on_the_call_screen_comes_back_in_place(client, users, modbus_plant, fake_modbus):
    fake_modbus.reading = Reading(CheckOutcome.OK, active=True, anomaly=False, out_of_service=True)
    call = call_logged(users, modbus_plant)
    client.force_login(users["operator"])

    response = client.post(f"/calls/{call.pk}/plant-check/", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    fragment = response.content.decode()
    assert fragment.startswith('<section id="plant-check"') and "<html" not in fragment
    assert "Out of service" in fragment and "Check the plant now" in fragment
    assert PlantCheck.objects.get().call == call
