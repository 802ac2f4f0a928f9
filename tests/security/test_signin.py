"""Failed sign-ins are limited per user and per address, on the page and on the API alike.

The Nth wrong password in the cool-off window answers 429 with ``Retry-After``, is logged as a
warning naming the user and the address, and the lock holds against the right password until
the cool-off has passed.
"""

import logging
from datetime import timedelta

import pytest
from django.test import Client
from rest_framework.test import APIClient

USER_LIMIT = 3
ADDRESS_LIMIT = 5
LOCKOUT_MINUTES = 7
SERVED = {"page": 302, "api": 200}
WRONG = {"page": 200, "api": 400}


@pytest.fixture(autouse=True)
def limits(settings):
    settings.PRONTO_SIGNIN_USER_FAILURE_LIMIT = USER_LIMIT
    settings.PRONTO_SIGNIN_ADDRESS_FAILURE_LIMIT = ADDRESS_LIMIT
    settings.PRONTO_SIGNIN_LOCKOUT_MINUTES = LOCKOUT_MINUTES


def sign_in(kind: str, username: str, password: str, address: str):
    if kind == "page":
        return Client().post(
            "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
        )
    return APIClient().post(
        "/api/auth/token/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def assert_locked(response) -> None:
    assert response.status_code == 429, response.status_code
    assert int(response["Retry-After"]) == LOCKOUT_MINUTES * 60


def expire_the_lockout() -> None:
    """As if the cool-off had passed since every failure (the failures are dated rows)."""
    from axes.models import AccessAttempt

    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= timedelta(minutes=LOCKOUT_MINUTES, seconds=1)
        attempt.save(update_fields=["attempt_time"])


@pytest.mark.parametrize("kind", ["page", "api"])
def test_the_nth_wrong_password_locks_the_user_out_from_any_address(users, kind, caplog):
    for n in range(1, USER_LIMIT):
        assert sign_in(kind, "operator", "wrong", f"198.51.100.{n}").status_code == WRONG[kind]
    with caplog.at_level(logging.WARNING):
        assert_locked(sign_in(kind, "operator", "wrong", "198.51.100.99"))
    assert any(
        r.levelno == logging.WARNING and "operator" in r.getMessage() and "198.51.100.99" in r.getMessage()
        for r in caplog.records
        if r.name.startswith("pronto")
    ), [r.getMessage() for r in caplog.records]
    # From a fresh address, with the right password: still refused.
    assert_locked(sign_in(kind, "operator", "demo-operator", "203.0.113.7"))
    # Another user is not concerned.
    assert sign_in(kind, "supervisor", "demo-supervisor", "203.0.113.7").status_code == SERVED[kind]


@pytest.mark.parametrize("kind", ["page", "api"])
def test_the_nth_wrong_password_locks_the_address_out_for_every_user(users, kind):
    names = [f"guess{n}" for n in range(1, ADDRESS_LIMIT)]  # under the per-user limit each
    for name in names:
        assert sign_in(kind, name, "wrong", "192.0.2.10").status_code == WRONG[kind]
    assert_locked(sign_in(kind, "another-guess", "wrong", "192.0.2.10"))
    # The address is locked, even for a real user with the right password...
    assert_locked(sign_in(kind, "technician", "demo-technician", "192.0.2.10"))
    # ...who signs in from elsewhere.
    assert sign_in(kind, "technician", "demo-technician", "192.0.2.11").status_code == SERVED[kind]


@pytest.mark.parametrize("kind", ["page", "api"])
def test_a_locked_out_user_with_the_right_password_waits_for_the_cool_off(users, kind):
    for _ in range(USER_LIMIT):
        sign_in(kind, "supervisor", "wrong", "198.51.100.1")
    assert_locked(sign_in(kind, "supervisor", "demo-supervisor", "198.51.100.1"))
    expire_the_lockout()
    assert sign_in(kind, "supervisor", "demo-supervisor", "198.51.100.1").status_code == SERVED[kind]


@pytest.mark.parametrize("kind", ["page", "api"])
def test_fewer_failures_than_the_limit_do_not_lock(users, kind):
    for _ in range(USER_LIMIT - 1):
        sign_in(kind, "operator", "wrong", "198.51.100.1")
    assert sign_in(kind, "operator", "demo-operator", "198.51.100.1").status_code == SERVED[kind]


def test_the_lockout_page_says_when_to_try_again(users):
    for _ in range(USER_LIMIT):
        response = sign_in("page", "operator", "wrong", "198.51.100.1")
    assert_locked(response)
    assert response["Content-Type"].startswith("text/html")
    assert b'role="alert"' in response.content


def test_the_api_lockout_is_json_with_its_wait(users):
    for _ in range(USER_LIMIT):
        response = sign_in("api", "operator", "wrong", "198.51.100.1")
    assert_locked(response)
    assert "detail" in response.json()


def test_the_admin_login_is_limited_too(users):
    for _ in range(USER_LIMIT - 1):
        Client().post("/admin/login/", {"username": "operator", "password": "wrong"}, REMOTE_ADDR="10.0.0.1")
    response = Client().post(
        "/admin/login/", {"username": "operator", "password": "wrong"}, REMOTE_ADDR="10.0.0.1"
    )
    assert_locked(response)


def test_behind_the_proxy_the_forwarded_address_counts(users, settings):
    """In production every request comes from the TLS proxy: the address limit must apply to the
    client it forwards, or the whole control room would be locked out together."""
    settings.PRONTO_TRUSTED_PROXY_COUNT = 1
    for n in range(ADDRESS_LIMIT):
        Client().post(
            "/accounts/login/", {"username": f"guess{n}", "password": "wrong"},
            REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.50",
        )  # fmt: skip
    response = Client().post(
        "/accounts/login/", {"username": "operator", "password": "demo-operator"},
        REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.51",
    )  # fmt: skip
    assert response.status_code == 302
    # A client cannot escape by writing its own X-Forwarded-For: the proxy appends the real one.
    spoofed = Client().post(
        "/accounts/login/", {"username": "operator", "password": "demo-operator"},
        REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.1, 192.0.2.50",
    )  # fmt: skip
    assert_locked(spoofed)
