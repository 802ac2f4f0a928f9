"""API tokens are stored hashed, expire, and can be revoked; ``Authorization: Token`` still works."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient


def obtain(username: str = "operator", password: str = "demo-operator") -> dict:
    response = APIClient().post("/api/auth/token/", {"username": username, "password": password})
    assert response.status_code == 200, response.content
    return response.json()


def with_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_the_token_is_stored_only_as_a_digest(users):
    token = obtain()["token"]
    assert with_token(token).get("/api/calls/").status_code == 200
    holding = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField)
        and model._default_manager.filter(**{f"{field.name}__contains": token[8:40]}).exists()
    ]
    assert holding == []


def test_a_token_expires(users, settings):
    settings.PRONTO_API_TOKEN_HOURS = 12
    answer = obtain()
    expiry = parse_datetime(answer["expiry"])
    assert expiry is not None
    assert abs(expiry - (timezone.now() + timedelta(hours=12))) < timedelta(minutes=1)
    from knox.models import AuthToken

    AuthToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))
    assert with_token(answer["token"]).get("/api/calls/").status_code == 401


def test_revoking_this_token_leaves_the_others(users):
    first, second = obtain()["token"], obtain()["token"]
    assert with_token(first).post("/api/auth/token/revoke/").status_code == 204
    assert with_token(first).get("/api/calls/").status_code == 401
    assert with_token(second).get("/api/calls/").status_code == 200


def test_revoking_all_tokens(users):
    first, second = obtain()["token"], obtain()["token"]
    other = obtain("supervisor", "demo-supervisor")["token"]
    assert with_token(first).post("/api/auth/token/revoke-all/").status_code == 204
    assert with_token(first).get("/api/calls/").status_code == 401
    assert with_token(second).get("/api/calls/").status_code == 401
    assert with_token(other).get("/api/calls/").status_code == 200


def test_revoking_needs_a_token_not_a_session(users, browser):
    client = browser("operator")
    assert client.post("/api/auth/token/revoke/").status_code == 401
    assert client.post("/api/auth/token/revoke-all/").status_code == 401
    assert Client().post("/api/auth/token/revoke/").status_code == 401


@pytest.mark.parametrize(
    "header", ["Token", "Token a b", "Token \u00e9\u00e9", "Token " + "0" * 64, "Token x"]
)
def test_a_malformed_or_unknown_token_is_401(users, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get("/api/calls/").status_code == 401


def test_an_expired_token_is_removed_when_its_user_next_signs_in(users):
    from knox.models import AuthToken

    stale = obtain()["token"]
    AuthToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))
    obtain()
    assert AuthToken.objects.filter(user=users["operator"]).count() == 1
    assert with_token(stale).get("/api/calls/").status_code == 401


def test_the_schema_tells_the_truth_about_the_auth_endpoints(users, client_for):
    schema = client_for("operator").get("/api/schema/", {"format": "json"}).json()
    token = schema["paths"]["/api/auth/token/"]["post"]
    assert set(token["responses"]) >= {"200", "400", "429"}
    ok = token["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][ok]["properties"]) == {"token", "expiry"}
    for path in ("/api/auth/token/revoke/", "/api/auth/token/revoke-all/"):
        assert set(schema["paths"][path]["post"]["responses"]) >= {"204", "401"}
