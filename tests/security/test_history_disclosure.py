"""What a utility user reads of an intervention's history: what happened and when, never the
technicians' contact addresses (mobile, email, fax) or the internal notes; the call centre and
the technicians read it whole. The plant API's telecontrol host and port are for staff only."""

import uuid

import pytest
from django.utils import timezone

from dispatch import services
from dispatch.choices import InterventionStatus as S
from notifications.models import Notification
from notifications.services import notification_deliver
from tests.dispatch.helpers import call_logged, intervention_in

pytestmark = pytest.mark.django_db

MOBILE, EMAIL, FAX = "+393331234567", "tech@example.net", "+390298765432"
NOTE = "Key under the doormat of flat 3"
STEP_NOTE = "Gate code 4711"


@pytest.fixture
def worked(reachable, users, plant, fake_gateway):
    call = call_logged(users, plant)
    intervention = intervention_in(S.ASSIGNED, users=users, plant=plant, call=call)
    for row in Notification.objects.filter(intervention=intervention):
        notification_deliver(notification_id=row.pk)
    services.intervention_note_add(actor=users["operator"], intervention=intervention, text=NOTE)
    services.intervention_step_apply(
        actor=users["technician"], intervention=intervention, step_id=uuid.uuid4(), action="note",
        client_time=timezone.now(), note=STEP_NOTE,
    )  # fmt: skip
    return intervention


SECRETS = (MOBILE, EMAIL, FAX, NOTE, STEP_NOTE)


def test_the_utility_reads_no_contact_address_and_no_internal_note(worked, client_for, browser):
    history = client_for("utility").get(f"/api/interventions/{worked.pk}/history/")
    page = browser("utility").get(f"/interventions/{worked.pk}/")
    assert (history.status_code, page.status_code) == (200, 200)
    kinds = {event["kind"] for event in history.json()}
    # What happened is still there ...
    assert {"intervention.assign", "notification.queued", "notification.sent", "intervention.note"} <= kinds
    sent = [e for e in history.json() if e["kind"] == "notification.sent"]
    assert {e["data"]["channel"] for e in sent} == {"sms", "email", "fax"} or sent
    # ... what would reach the call centre's people is not.
    for text in (history.content.decode(), page.content.decode()):
        leaked = [secret for secret in SECRETS if secret in text]
        assert not leaked, leaked


@pytest.mark.parametrize("who", ["operator", "supervisor", "technician"])
def test_the_call_centre_reads_the_history_whole(worked, client_for, who):
    text = client_for(who).get(f"/api/interventions/{worked.pk}/history/").content.decode()
    assert all(secret in text for secret in (MOBILE, NOTE, STEP_NOTE))


def test_an_event_kind_nobody_decided_on_shows_the_utility_nothing_of_its_data():
    from dispatch.disclosure import WITHHELD, event_data_for

    data = {"recipient": MOBILE, "anything": {"deep": "value"}}
    assert event_data_for(frozenset({"utility"}), "brand.new_kind", data) == {
        "recipient": WITHHELD,
        "anything": WITHHELD,
    }
    assert event_data_for(frozenset({"operator"}), "brand.new_kind", data) == data


def test_the_plant_api_shows_the_telecontrol_address_to_staff_only(users, plant, client_for):
    from telecontrol.models import PlantTelecontrol

    PlantTelecontrol.objects.create(plant=plant, protocol="modbus", host="10.20.30.40", port=1502)
    for who, shown in [("operator", True), ("supervisor", True), ("technician", False), ("utility", False)]:
        for url in (f"/api/plants/{plant.pk}/", "/api/plants/"):
            body = client_for(who).get(url).content.decode()
            assert ("10.20.30.40" in body) is shown and ("1502" in body) is shown, (who, url)
