"""The OpenAPI schema (``/api/schema/``) tells the truth: real answers of the API are checked
against it with Schemathesis, as the fuzz job (``tests/fuzz/``) does, and every refusal an
operation can give is documented. Each test here stands for a mismatch the fuzz job found."""

import pytest
import schemathesis
from werkzeug.test import Client

from dispatch.choices import InterventionStatus as S
from dispatch.services.api_tokens import api_token_issue
from tests.dispatch.helpers import call_logged, intervention_in
from tests.fuzz.wsgi import in_process_wsgi  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(users, in_process_wsgi):  # noqa: F811
    """``api(role)``: a WSGI client signed in with that role's token, and the schema it was served."""
    schema = None

    def make(role):
        nonlocal schema
        headers = {"Authorization": f"Token {api_token_issue(user=users[role]).token}"}
        if schema is None:
            schema = schemathesis.openapi.from_wsgi(
                "/api/schema/?format=json", in_process_wsgi, headers=headers
            )
        client = Client(in_process_wsgi)
        return schema, lambda method, path, **kwargs: client.open(
            path, method=method, headers=headers, **kwargs
        )

    return make


def conforms(schema, path, method, response):
    """The fuzz job's checks on one answer: its status code and media type are documented, and
    its body matches the documented schema (Schemathesis's own validation)."""
    documented = schema.raw_schema["paths"][path][method.lower()]["responses"]
    code = str(response.status_code)
    assert code in documented, f"{method} {path}: {code} is not documented ({sorted(documented)})"
    media_type = response.headers["Content-Type"].split(";")[0]
    assert media_type in documented[code].get("content", {}), f"{method} {path} {code}: {media_type}"
    schema[path][method].validate_response(response)
    return True


def test_a_call_without_plant_operator_or_end_conforms(api, users):
    """``plant``, ``operator``, ``ended_at``, ``duration_seconds``, ``external_id`` ... were
    documented as non-null and came back null."""
    schema, request = api("operator")
    response = request("POST", "/api/calls/", json={"caller_number": "+39 02 1234 5678"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["plant"] is None and body["ended_at"] is None and body["duration_seconds"] is None
    assert conforms(schema, "/api/calls/", "POST", response)
    detail = request("GET", f"/api/calls/{body['id']}/")
    assert conforms(schema, "/api/calls/{id}/", "GET", detail)


def test_an_unassigned_intervention_conforms(api, users, plant):
    """``technician_username`` is null until someone is assigned."""
    intervention = intervention_in(S.OPEN, users=users, plant=plant)
    schema, request = api("operator")
    response = request("GET", f"/api/interventions/{intervention.pk}/")
    assert response.get_json()["technician_username"] is None
    assert conforms(schema, "/api/interventions/{id}/", "GET", response)
    assert conforms(schema, "/api/interventions/", "GET", request("GET", "/api/interventions/"))


@pytest.mark.parametrize("subject", ["calls", "interventions"])
def test_history_is_a_plain_list_and_documented_so(api, users, plant, subject):
    """The history endpoints answer a list; they were documented as paginated, with the list's
    filters as parameters."""
    call = call_logged(users, plant)
    intervention = intervention_in(S.ASSIGNED, users=users, plant=plant, call=call)
    schema, request = api("operator")
    pk = call.pk if subject == "calls" else intervention.pk
    response = request("GET", f"/api/{subject}/{pk}/history/")
    assert isinstance(response.get_json(), list) and response.get_json()
    assert conforms(schema, f"/api/{subject}/{{id}}/history/", "GET", response)
    parameters = schema.raw_schema["paths"][f"/api/{subject}/{{id}}/history/"]["get"].get("parameters", [])
    assert [parameter["name"] for parameter in parameters] == ["id"]


def test_the_technicians_own_shift_is_one_object(api):
    """``GET /api/me/`` answers an object; it was documented as an array."""
    schema, request = api("technician")
    response = request("GET", "/api/me/")
    assert response.status_code == 200 and "on_duty" in response.get_json()
    assert conforms(schema, "/api/me/", "GET", response)


def test_refusals_are_documented_and_conform(api, users, plant):
    """400, 401, 403, 404, 409 and 415 were not in the schema at all."""
    schema, as_supervisor = api("supervisor")
    _, as_operator = api("operator")
    close = f"/api/interventions/{intervention_in(S.ON_SITE, users=users, plant=plant).pk}/close/"
    refused = [
        (400, as_supervisor("POST", close, json={"override_reason": "x" * 5000})),
        (401, Client(schema.app).open(close, method="POST", json={})),
        (403, as_operator("POST", close, json={})),
        (404, as_supervisor("POST", "/api/interventions/999999/close/", json={})),
        (409, as_supervisor("POST", close, json={})),
        (415, as_supervisor("POST", close, data="{}", content_type="text/csv")),
    ]
    for code, response in refused:
        assert response.status_code == code
        assert conforms(schema, "/api/interventions/{id}/close/", "POST", response)


def test_a_customer_outside_the_users_reach_is_a_documented_404(api, users, other_customer):
    schema, request = api("utility")
    query = {"customer": other_customer.pk, "from": "2026-01-01", "to": "2026-01-31"}
    response = request("GET", "/api/reports/service-levels/", query_string=query)
    assert response.status_code == 404
    assert conforms(schema, "/api/reports/service-levels/", "GET", response)


@pytest.mark.parametrize(
    "path", ["/api/interventions/0.5/arrive/", "/api/notifications/x/status/", "/api/nothing-here/"]
)
def test_a_path_under_api_that_names_no_route_answers_json(api, path):
    """Django's HTML 404 page answered such paths: not the media type the schema documents."""
    _, request = api("operator")
    response = request("POST" if path.endswith("arrive/") else "GET", path)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert response.get_json() == {"detail": "Not found."}


def test_pages_keep_the_html_404(browser):
    response = browser("operator").get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_the_gateways_token_refusal_is_documented_as_text(api):
    schema, _ = api("operator")
    for path in ("/api/notifications/{id}/status/", "/api/notifications/sms/inbound/"):
        responses = schema.raw_schema["paths"][path]["get"]["responses"]
        assert set(responses["403"]["content"]) == {"text/plain"}
        assert set(responses["400"]["content"]) == {"text/plain"}
