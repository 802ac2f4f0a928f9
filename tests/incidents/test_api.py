"""/api/incidents/: list and read (utility users their customer's only), declare, update and
resolve (supervisors), attach with the caller's subscription (operators, supervisors), the
deliveries' counts (supervisors)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from incidents.api.serializers import DeliveryStatusCountsSerializer
from incidents.models import IncidentSubscriber, MajorIncident
from notifications.choices import NotificationStatus
from notifications.models import Notification


@pytest.fixture(autouse=True)
def fast_sms(settings):
    settings.PRONTO_INCIDENT_SMS_RATE_PER_SECOND = 1000


def test_a_supervisor_declares_updates_and_resolves(network, client_for):
    api = client_for("supervisor")
    eta = (timezone.now() + timedelta(hours=3)).replace(microsecond=0)
    answer = api.post(
        "/api/incidents/",
        {"node": "CAB", "title": "Cabin CAB down", "public_message": "Gas is off.", "eta": eta.isoformat()},
        format="json",
    )
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["node"]["code"] == "CAB" and body["state"] == "open"
    assert [u["kind"] for u in body["updates"]] == ["declared"]
    assert body["status_url"].endswith(f"/status/{MajorIncident.objects.get().public_token}/")
    pk = body["id"]

    again = api.post("/api/incidents/", {"node": "CAB", "title": "x", "public_message": "y"}, format="json")
    assert again.status_code == 400 and "node" in again.json()

    update = api.post(f"/api/incidents/{pk}/updates/", {"public_text": "Crews on site."}, format="json")
    assert update.status_code == 201 and update.json()["kind"] == "message"
    assert update.json()["eta"] is not None  # left out: the estimate stays
    eta_update = api.post(
        f"/api/incidents/{pk}/updates/", {"public_text": "Later.", "eta": None}, format="json"
    )
    assert eta_update.json()["kind"] == "eta" and eta_update.json()["eta"] is None
    resolved = api.post(f"/api/incidents/{pk}/resolve/", {"public_text": "Restored."}, format="json")
    assert resolved.status_code == 201 and resolved.json()["kind"] == "resolved"

    late = api.post(f"/api/incidents/{pk}/updates/", {"public_text": "More."}, format="json")
    assert late.status_code == 400
    detail = api.get(f"/api/incidents/{pk}/").json()
    assert [u["position"] for u in detail["updates"]] == [1, 2, 3, 4]
    assert detail["state"] in ("resolved", "closed")
    assert api.get("/api/incidents/", {"state": "open"}).json()["results"] == []
    assert api.get("/api/incidents/", {"state": "nonsense"}).status_code == 400


def test_attaching_a_call_subscribes_its_caller_once(declare, network, log_call, client_for):
    incident = declare()
    api = client_for("operator")
    first = log_call(network["B1"], number="+393331000001")
    second = log_call(network["L1"], number="+39 333 100 0001")

    for call in (first, second, first):
        answer = api.post(
            f"/api/incidents/{incident.pk}/members/", {"call": call.pk, "subscribe": True}, format="json"
        )
        assert answer.status_code == 200, answer.json()
        assert answer.json()["subscribed"] is True and answer.json()["call"] == call.pk
    assert list(IncidentSubscriber.objects.values_list("number", flat=True)) == ["+393331000001"]

    members = api.get(f"/api/incidents/{incident.pk}/").json()["members"]
    assert members["calls"] == 2 and members["interventions"] == 1  # and the lead case

    both = api.post(
        f"/api/incidents/{incident.pk}/members/",
        {"call": first.pk, "intervention": incident.lead_intervention_id},
        format="json",
    )
    assert both.status_code == 400
    lead = api.post(
        f"/api/incidents/{incident.pk}/members/",
        {"intervention": incident.lead_intervention_id, "subscribe": True},
        format="json",
    )
    assert lead.status_code == 400 and "subscribe" in lead.json()
    missing = api.post(f"/api/incidents/{incident.pk}/members/", {"call": 999999}, format="json")
    assert missing.status_code == 400 and "call" in missing.json()


def test_deliveries_count_each_update_by_channel_and_status(
    declare, network, log_call, client_for, users, customer
):
    from dispatch.models import Contact
    from incidents.services import call_attach, incident_update

    Contact.objects.create(customer=customer, name="Control room", email="control@utility.example")
    incident = declare()
    for number in ("+393331000001", "+393331000002"):
        call_attach(
            actor=users["operator"],
            incident=incident,
            call=log_call(network["B1"], number=number),
            subscribe=True,
        )
    incident_update(actor=users["supervisor"], incident=incident, public_text="Crews on site.")
    Notification.objects.filter(channel="sms").update(status=NotificationStatus.DELIVERED)

    answer = client_for("supervisor").get(f"/api/incidents/{incident.pk}/deliveries/")

    assert answer.status_code == 200
    declared, message = answer.json()["updates"]
    assert (declared["kind"], declared["total"], declared["sms"], declared["email"]) == ("declared", 1, 0, 1)
    assert declared["by_status"]["pending"] == 1
    assert (message["total"], message["sms"], message["email"]) == (3, 2, 1)
    assert message["by_status"] == {
        **dict.fromkeys(NotificationStatus.values, 0),
        "delivered": 2,
        "pending": 1,
    }
    assert client_for("operator").get(f"/api/incidents/{incident.pk}/deliveries/").status_code == 403


def test_every_status_is_counted():
    assert set(DeliveryStatusCountsSerializer().fields) == set(NotificationStatus.values)


def test_utility_users_read_their_customers_incidents_only(declare, network, client_for):
    incident = declare()
    mine, theirs = client_for("utility"), client_for("utility_b")
    assert [i["id"] for i in mine.get("/api/incidents/").json()["results"]] == [incident.pk]
    assert theirs.get("/api/incidents/").json()["results"] == []
    assert mine.get(f"/api/incidents/{incident.pk}/").status_code == 200
    assert theirs.get(f"/api/incidents/{incident.pk}/").status_code == 404
    assert mine.post(f"/api/incidents/{incident.pk}/updates/", {"public_text": "x"}).status_code == 403
    assert client_for("technician").get(f"/api/incidents/{incident.pk}/").status_code == 200


def test_the_list_costs_the_same_queries_for_many_incidents(
    declare, network, client_for, django_assert_num_queries
):
    declare()
    declare(node="B3", title="B3 down")
    api = client_for("supervisor")
    api.get("/api/incidents/")  # the token's first use writes it
    with django_assert_num_queries(3):  # the token, the count, the page
        assert len(api.get("/api/incidents/").json()["results"]) == 2
