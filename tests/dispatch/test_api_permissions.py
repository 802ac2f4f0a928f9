# ruff: noqa: E501  (the matrix reads as a table)
"""The permission matrix: every role against every endpoint and action of the core API.

Expected codes are written out per role: 2xx allowed; 403 role refused; 404 the row is
outside what this user may see; 405 the method does not exist for anyone; 401 not signed in.
"""

import pytest

from dispatch.choices import InterventionStatus as S

from .helpers import call_logged, intervention_in

ROLES = ["operator", "technician", "technician2", "supervisor", "utility", "utility_b", "norole", None]


def row(**codes):
    """Codes per role; ``anon`` is the signed-out client."""
    return [codes["anon" if role is None else role] for role in ROLES]


# (name, method, url template, state the intervention must be in, body, codes by role)
MATRIX = [
    ("calls list", "get", "/api/calls/", None, None,
     row(operator=200, technician=200, technician2=200, supervisor=200, utility=200, utility_b=200, norole=403, anon=401)),
    ("calls create", "post", "/api/calls/", None, {"caller_number": "02 1234 5678"},
     row(operator=201, technician=403, technician2=403, supervisor=201, utility=403, utility_b=403, norole=403, anon=401)),
    ("call detail", "get", "/api/calls/{call}/", None, None,
     row(operator=200, technician=200, technician2=404, supervisor=200, utility=200, utility_b=404, norole=403, anon=401)),
    ("call history", "get", "/api/calls/{call}/history/", None, None,
     row(operator=200, technician=200, technician2=404, supervisor=200, utility=200, utility_b=404, norole=403, anon=401)),
    ("call update", "patch", "/api/calls/{call}/", None, {"notes": "more"},
     row(operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401)),
    ("call delete", "delete", "/api/calls/{call}/", None, None,
     row(operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401)),
    ("call put", "put", "/api/calls/{call}/", None, {"notes": "x"},
     row(operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401)),
    ("plants list", "get", "/api/plants/", None, None,
     row(operator=200, technician=200, technician2=200, supervisor=200, utility=200, utility_b=200, norole=403, anon=401)),
    ("plant detail", "get", "/api/plants/{plant}/", None, None,
     row(operator=200, technician=200, technician2=200, supervisor=200, utility=200, utility_b=404, norole=403, anon=401)),
    ("plant delete", "delete", "/api/plants/{plant}/", None, None,
     row(operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401)),
    ("interventions list", "get", "/api/interventions/", None, None,
     row(operator=200, technician=200, technician2=200, supervisor=200, utility=200, utility_b=200, norole=403, anon=401)),
    ("intervention create", "post", "/api/interventions/", None, {"plant": "{plant}", "summary": "Leak"},
     row(operator=201, technician=403, technician2=403, supervisor=201, utility=403, utility_b=403, norole=403, anon=401)),
    ("intervention detail", "get", "/api/interventions/{intervention}/", S.ASSIGNED, None,
     row(operator=200, technician=200, technician2=404, supervisor=200, utility=200, utility_b=404, norole=403, anon=401)),
    ("intervention history", "get", "/api/interventions/{intervention}/history/", S.ASSIGNED, None,
     row(operator=200, technician=200, technician2=404, supervisor=200, utility=200, utility_b=404, norole=403, anon=401)),
    ("intervention delete", "delete", "/api/interventions/{intervention}/", S.ASSIGNED, None,
     row(operator=405, technician=405, technician2=405, supervisor=405, utility=405, utility_b=405, norole=405, anon=401)),
    ("assign", "post", "/api/interventions/{intervention}/assign/", S.OPEN, {"technician": "technician"},
     row(operator=200, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401)),
    ("acknowledge", "post", "/api/interventions/{intervention}/acknowledge/", S.ASSIGNED, None,
     row(operator=403, technician=200, technician2=404, supervisor=403, utility=403, utility_b=403, norole=403, anon=401)),
    ("arrive", "post", "/api/interventions/{intervention}/arrive/", S.ACKNOWLEDGED, None,
     row(operator=403, technician=200, technician2=404, supervisor=403, utility=403, utility_b=403, norole=403, anon=401)),
    ("complete", "post", "/api/interventions/{intervention}/complete/", S.ON_SITE, {"closing_reason": "Fixed"},
     row(operator=403, technician=200, technician2=404, supervisor=403, utility=403, utility_b=403, norole=403, anon=401)),
    ("close", "post", "/api/interventions/{intervention}/close/", S.COMPLETED, None,
     row(operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401)),
    ("cancel", "post", "/api/interventions/{intervention}/cancel/", S.ASSIGNED, {"reason": "Duplicate"},
     row(operator=403, technician=403, technician2=403, supervisor=200, utility=403, utility_b=403, norole=403, anon=401)),
    ("note", "post", "/api/interventions/{intervention}/note/", S.ASSIGNED, {"text": "Gate code 1234"},
     row(operator=201, technician=201, technician2=404, supervisor=201, utility=403, utility_b=403, norole=403, anon=401)),
]  # fmt: skip

CASES = [
    pytest.param(method, url, state, body, role, code, id=f"{name}-{role or 'anon'}")
    for name, method, url, state, body, codes in MATRIX
    for role, code in zip(ROLES, codes, strict=True)
]


@pytest.mark.parametrize(("method", "url", "state", "body", "role", "expected"), CASES)
def test_permission_matrix(method, url, state, body, role, expected, users, plant, client_for):
    call = call_logged(users, plant)
    intervention = intervention_in(state or S.ASSIGNED, users=users, plant=plant, call=call)
    ids = {"call": call.pk, "plant": plant.pk, "intervention": intervention.pk}
    if isinstance(body, dict):
        body = {key: value.format(**ids) if isinstance(value, str) else value for key, value in body.items()}
    before = intervention.status
    response = getattr(client_for(role), method)(url.format(**ids), body, format="json")
    assert response.status_code == expected, response.content
    intervention.refresh_from_db()
    if expected >= 400 and "/interventions/{intervention}/" in url:
        assert intervention.status == before, "a refused request changed the intervention"


def test_utility_lists_hold_only_its_own_customer(users, plant, other_plant, client_for):
    call_logged(users, plant)
    call_logged(users, other_plant, caller_number="0511234567")
    intervention_in(S.OPEN, users=users, plant=plant)
    intervention_in(S.OPEN, users=users, plant=other_plant)
    client = client_for("utility")
    for url in ("/api/calls/", "/api/interventions/", "/api/plants/"):
        results = client.get(url).json()["results"]
        plants = {r.get("plant", r.get("id")) for r in results}
        assert plants == {plant.pk}, url


def test_technician_lists_hold_only_its_own_interventions(users, plant, other_plant, client_for):
    mine = intervention_in(S.ASSIGNED, users=users, plant=plant, call=call_logged(users, plant))
    intervention_in(S.OPEN, users=users, plant=other_plant, call=call_logged(users, other_plant))
    client = client_for("technician")
    assert [r["id"] for r in client.get("/api/interventions/").json()["results"]] == [mine.pk]
    assert [r["id"] for r in client.get("/api/calls/").json()["results"]] == [mine.call_id]


def test_superuser_without_the_supervisor_role_cannot_close(users, plant, client_for):
    admin = users["norole"]
    admin.is_superuser = admin.is_staff = True
    admin.save()
    intervention = intervention_in(S.COMPLETED, users=users, plant=plant)
    response = client_for("norole").post(f"/api/interventions/{intervention.pk}/close/")
    assert response.status_code == 403


def test_a_role_taken_away_is_refused_at_once(users, plant, client_for):
    """Roles are cached; changing a user's groups clears its entry."""
    from django.contrib.auth.models import Group

    client = client_for("operator")
    assert client.post("/api/calls/", {"caller_number": "0212345678"}).status_code == 201
    users["operator"].groups.remove(Group.objects.get(name="operator"))
    assert client.post("/api/calls/", {"caller_number": "0212345678"}).status_code == 403
    Group.objects.get(name="supervisor").user_set.add(users["operator"])
    assert client.post("/api/calls/", {"caller_number": "0212345678"}).status_code == 201
    Group.objects.get(name="supervisor").delete()
    assert client.post("/api/calls/", {"caller_number": "0212345678"}).status_code == 403
