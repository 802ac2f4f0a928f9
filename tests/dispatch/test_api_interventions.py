import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dispatch.choices import InterventionStatus as S
from dispatch.choices import ServiceClass
from dispatch.models import Event, Intervention

from .helpers import FLOW_EVENT_KINDS, call_logged, intervention_in

FIELDS = {"id", "call", "plant", "summary", "priority", "status", "technician", "closing_reason"}


def test_whole_flow_through_the_api(users, plant, client_for):
    call = call_logged(users, plant)
    operator, technician, supervisor = (
        client_for("operator"),
        client_for("technician"),
        client_for("supervisor"),
    )
    created = operator.post("/api/interventions/", {"call": call.pk, "summary": "Gas smell near the cabin"})
    assert created.status_code == 201
    body = created.json()
    assert FIELDS <= set(body)
    assert body["plant"] == plant.pk and body["status"] == "open" and body["priority"] == 1
    url = f"/api/interventions/{body['id']}"
    assert operator.post(f"{url}/assign/", {"technician": "technician"}).json()["status"] == "assigned"
    assert technician.post(f"{url}/acknowledge/").json()["status"] == "acknowledged"
    assert technician.post(f"{url}/arrive/").json()["status"] == "on_site"
    done = technician.post(f"{url}/complete/", {"closing_reason": "Fitting tightened, no leak left"}).json()
    assert done["status"] == "completed" and done["closing_reason"] == "Fitting tightened, no leak left"
    assert technician.get(f"{url}/").json()["allowed_actions"] == []
    assert supervisor.get(f"{url}/").json()["allowed_actions"] == ["close", "cancel"]
    assert supervisor.post(f"{url}/close/").json()["status"] == "closed"
    history = supervisor.get(f"{url}/history/").json()
    assert [e["kind"] for e in history] == FLOW_EVENT_KINDS
    assert [e["actor"] for e in history] == [
        "operator",
        "operator",
        "system",
        "technician",
        "technician",
        "technician",
        "supervisor",
    ]


def test_assign_by_id_or_username(users, plant, client_for):
    intervention = intervention_in(S.OPEN, users=users, plant=plant)
    client = client_for("supervisor")
    url = f"/api/interventions/{intervention.pk}/assign/"
    assert (
        client.post(url, {"technician": users["technician"].pk}).json()["technician"]
        == users["technician"].pk
    )
    body = client.post(url, {"technician": "technician2"}).json()
    assert body["technician_username"] == "technician2"
    response = client.post(url, {"technician": "operator"})
    assert response.status_code == 400 and "technician" in response.json()
    assert client.post(url, {}).status_code == 400


def test_wrong_state_is_409_with_a_clear_message(users, plant, client_for):
    intervention = intervention_in(S.ON_SITE, users=users, plant=plant)
    response = client_for("supervisor").post(f"/api/interventions/{intervention.pk}/close/")
    assert response.status_code == 409
    assert response.json()["detail"] == "“Close” is not possible: the intervention is on site."
    closed = intervention_in(S.CLOSED, users=users, plant=plant)
    response = client_for("supervisor").post(f"/api/interventions/{closed.pk}/cancel/")
    assert response.status_code == 409
    assert "closed" in response.json()["detail"]


def test_complete_without_reason_is_400_and_changes_nothing(users, plant, client_for):
    intervention = intervention_in(S.ON_SITE, users=users, plant=plant)
    events = Event.objects.filter(intervention=intervention).count()
    for body in ({}, {"closing_reason": ""}, {"closing_reason": "   "}, {"closing_reason": "x" * 2001}):
        response = client_for("technician").post(f"/api/interventions/{intervention.pk}/complete/", body)
        assert response.status_code == 400 and "closing_reason" in response.json()
    intervention.refresh_from_db()
    assert intervention.status == S.ON_SITE
    assert Event.objects.filter(intervention=intervention).count() == events


def test_create_validates_plant_and_summary(users, plant, client_for):
    client = client_for("operator")
    no_plant_call = call_logged(users, None)
    cases = [
        ({"summary": "Leak"}, "plant"),
        ({"call": no_plant_call.pk, "summary": "Leak"}, "plant"),
        ({"plant": 424242, "summary": "Leak"}, "plant"),
        ({"plant": plant.pk}, "summary"),
        ({"plant": plant.pk, "summary": "x" * 2001}, "summary"),
        ({"plant": plant.pk, "summary": "Leak", "priority": 9}, "priority"),
        ({"call": 999999, "summary": "Leak"}, "call"),
    ]
    for body, field in cases:
        response = client.post("/api/interventions/", body)
        assert response.status_code == 400 and field in response.json(), (body, response.json())
    assert not Intervention.objects.exists()


def test_default_priority_follows_call_type_and_customer_class(users, plant, client_for):
    client = client_for("operator")
    info = call_logged(users, plant, call_type="lift_fault")
    assert client.post("/api/interventions/", {"call": info.pk, "summary": "s"}).json()["priority"] == 3
    plant.customer.service_class = ServiceClass.GOLD
    plant.customer.save()
    assert client.post("/api/interventions/", {"call": info.pk, "summary": "s"}).json()["priority"] == 2
    assert (
        client.post("/api/interventions/", {"plant": plant.pk, "summary": "s", "priority": 4}).json()[
            "priority"
        ]
        == 4
    )


def test_list_filters_and_constant_queries(users, plant, client_for):
    client = client_for("supervisor")
    intervention_in(S.ASSIGNED, users=users, plant=plant)
    client.get("/api/interventions/")
    with CaptureQueriesContext(connection) as few:
        client.get("/api/interventions/")
    for state in (S.OPEN, S.COMPLETED, S.CLOSED, S.ON_SITE):
        intervention_in(state, users=users, plant=plant, call=call_logged(users, plant))
    with CaptureQueriesContext(connection) as many:
        results = client.get("/api/interventions/", {"status": ["open", "completed"]}).json()["results"]
    assert sorted(r["status"] for r in results) == ["completed", "open"]
    assert len(few) == len(many) == 3


def test_notes_go_to_the_history(users, plant, client_for):
    intervention = intervention_in(S.ASSIGNED, users=users, plant=plant)
    response = client_for("technician").post(
        f"/api/interventions/{intervention.pk}/note/", {"text": "Gate code 1234"}
    )
    assert response.status_code == 201
    assert response.json()["data"] == {"note": "Gate code 1234"}
    assert (
        client_for("technician").post(f"/api/interventions/{intervention.pk}/note/", {"text": ""}).status_code
        == 400
    )


def test_schema_and_docs(users, client_for):
    client = client_for("operator")
    schema = client.get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/calls/",
        "/api/calls/{id}/",
        "/api/interventions/{id}/close/",
        "/api/interventions/{id}/history/",
        "/api/telephony/events/",
    ):
        assert path in paths, path
    assert "delete" not in paths["/api/calls/{id}/"]
    assert client.get("/api/docs/").status_code == 200
    assert client_for(None).get("/api/schema/").status_code == 401


def test_token_endpoint(users, client_for):
    anonymous = client_for(None)
    response = anonymous.post("/api/auth/token/", {"username": "operator", "password": "demo-operator"})
    assert response.status_code == 200
    token = response.json()["token"]
    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert anonymous.get("/api/calls/").status_code == 200
    assert (
        client_for(None).post("/api/auth/token/", {"username": "operator", "password": "x"}).status_code
        == 400
    )


def test_plants_are_named_by_code_even_when_the_code_is_all_digits(users, customer, client_for):
    from tests.factories import PlantFactory

    numeric = PlantFactory(customer=customer, code="00123")
    decoy = PlantFactory(customer=customer, code="DECOY")
    client = client_for("operator")
    by_code = client.post("/api/interventions/", {"plant": "00123", "summary": "Leak"}).json()
    assert by_code["plant"] == numeric.pk
    by_id = client.post("/api/interventions/", {"plant": decoy.pk, "summary": "Leak"}).json()
    assert by_id["plant"] == decoy.pk
    by_id_string = client.post("/api/interventions/", {"plant": str(decoy.pk), "summary": "Leak"}).json()
    assert by_id_string["plant"] == decoy.pk


@pytest.mark.parametrize("plant", [True, 1.5, ["REMI"], {"code": "REMI"}])
def test_a_plant_given_neither_as_id_nor_as_code_is_a_clear_400(users, customer, client_for, plant):
    response = client_for("operator").post(
        "/api/interventions/", {"plant": plant, "summary": "Leak"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["plant"] == ["Give an id or a code."]


def test_a_plant_that_does_not_exist_is_named_in_the_error(users, customer, client_for):
    client = client_for("operator")
    response = client.post("/api/interventions/", {"plant": "NO-SUCH-PLANT", "summary": "Leak"})
    assert response.status_code == 400
    assert response.json()["plant"] == ["No such plant: NO-SUCH-PLANT."]
    italian = client.post(
        "/api/interventions/", {"plant": "NO-SUCH-PLANT", "summary": "Leak"}, HTTP_ACCEPT_LANGUAGE="it"
    )
    assert italian.json()["plant"] == ["Nessun impianto trovato: NO-SUCH-PLANT."]


def test_api_root_needs_sign_in(users, client_for):
    assert client_for(None).get("/api/").status_code == 401
    assert "calls" in client_for("operator").get("/api/").json()
