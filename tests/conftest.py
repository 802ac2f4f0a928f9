"""Shared fixtures: one user per role, API clients, a small world of customers and plants.

Under ``CI=true`` a skipped test marked ``real_component`` or ``postgres`` fails: CI must
prove the real servers, not quietly pass without them.
"""

import os

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from dispatch.choices import Role

from .factories import CustomerFactory, PlantFactory, UserFactory
from .servers import (  # noqa: F401  (fixtures: real servers on free ports)
    fault_server,
    modbus_plants,
    mosquitto_broker,
    mqtt_recorder,
    refused_address,
)
from .servers.sipp import sipp_lab  # noqa: F401  (fixture: SIPp phones and callers)

REAL_MARKERS = ("real_component", "postgres")


def pytest_configure(config):
    from django.conf import settings

    from .servers import live_db

    live_db.install()

    # PBKDF2 at production strength costs ~0.3 s per user; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests assert English messages; the Italian pages are tested by asking for Italian.
    settings.LANGUAGE_CODE = "en"
    # Files the tests store (documents, photos, faxes) go to a directory of this run, never to
    # the checkout's var/; the worker processes some tests start inherit it.
    import tempfile

    media = tempfile.mkdtemp(prefix="pronto-test-media-")
    settings.MEDIA_ROOT = media
    os.environ["MEDIA_ROOT"] = media


def pytest_unconfigure(config):
    import shutil

    media = os.environ.get("MEDIA_ROOT", "")
    if os.path.basename(media).startswith("pronto-test-media-"):
        shutil.rmtree(media, ignore_errors=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if (
        os.environ.get("CI") == "true"
        and report.skipped
        and any(item.get_closest_marker(name) for name in REAL_MARKERS)
    ):
        report.outcome = "failed"
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"real-component test skipped under CI=true: {reason}"


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    for item in items:
        if item.get_closest_marker("postgres") and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: run with DATABASE_URL=postgres://..."))


@pytest.fixture(autouse=True)
def english():
    """Every test starts in English: a page a test requested in Italian leaves Italian active
    in this thread (LocaleMiddleware activates per request), and Django caches its default
    language at its first translation, which may come before LANGUAGE_CODE is set above."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def empty_cache():
    """Role caches are keyed by user id, the router's tables by row id, and ids repeat across tests."""
    from django.core.cache import cache

    from routing.catalogue import catalogue_forget
    from routing.waits import snapshot_cache_clear
    from telecontrol.selectors import plant_check_settings_forget

    cache.clear()
    plant_check_settings_forget()
    # The router's per-process copies of its tables and queue states: ids repeat across tests.
    catalogue_forget()
    snapshot_cache_clear()
    yield
    cache.clear()
    plant_check_settings_forget()
    catalogue_forget()
    snapshot_cache_clear()


@pytest.fixture
def groups(db):
    return {role: Group.objects.get_or_create(name=role)[0] for role in Role.values}


@pytest.fixture
def customer(db):
    return CustomerFactory(code="c1", name="Customer One")


@pytest.fixture
def other_customer(db):
    return CustomerFactory(code="c2", name="Customer Two")


@pytest.fixture
def plant(customer):
    return PlantFactory(customer=customer, code="P1")


@pytest.fixture
def other_plant(other_customer):
    return PlantFactory(customer=other_customer, code="P2")


@pytest.fixture
def users(groups, customer, other_customer):
    """One user per role, plus a second technician, another customer's utility user and a user
    with no role at all."""
    return {
        "operator": UserFactory(username="operator", role=Role.OPERATOR),
        "technician": UserFactory(username="technician", role=Role.TECHNICIAN),
        "technician2": UserFactory(username="technician2", role=Role.TECHNICIAN),
        "supervisor": UserFactory(username="supervisor", role=Role.SUPERVISOR),
        "utility": UserFactory(username="utility", role=Role.UTILITY, customer=customer),
        "utility_b": UserFactory(username="utility_b", role=Role.UTILITY, customer=other_customer),
        "norole": UserFactory(username="norole"),
    }


@pytest.fixture
def client_for(users):
    """``client_for("operator")``: an API client signed in with that user's token."""
    from dispatch.services.api_tokens import api_token_issue

    tokens: dict[str, str] = {}

    def make(name: str | None) -> APIClient:
        client = APIClient()
        if name is not None:
            if name not in tokens:
                tokens[name] = api_token_issue(user=users[name]).token
            client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[name]}")
        return client

    return make


@pytest.fixture
def fake_gateway(settings):
    """Every notification channel goes to a scripted in-memory gateway."""
    from tests.notifications.fakes import FakeGateway

    FakeGateway.reset()
    path = "tests.notifications.fakes.FakeGateway"
    settings.PRONTO_NOTIFICATION_BACKENDS = {
        channel: {"BACKEND": path, "OPTIONS": {}} for channel in ("sms", "email", "fax")
    }
    yield FakeGateway
    FakeGateway.reset()


@pytest.fixture
def reachable(users):
    """The technicians and the supervisor have contact points; the technician on all three."""
    from notifications.models import ContactPoint

    technician, technician2, supervisor = users["technician"], users["technician2"], users["supervisor"]
    ContactPoint.objects.create(user=technician, channel="sms", address="+393331234567", position=0)
    ContactPoint.objects.create(user=technician, channel="email", address="tech@example.net", position=1)
    ContactPoint.objects.create(user=technician, channel="fax", address="+390298765432", position=2)
    ContactPoint.objects.create(user=technician2, channel="sms", address="+393339999999", position=0)
    ContactPoint.objects.create(user=supervisor, channel="email", address="boss@example.net", position=0)
    return users


@pytest.fixture
def browser(users):
    """``browser("operator")``: a web client signed in as that user (session, CSRF as in pages)."""
    from django.test import Client

    def make(name):
        client = Client()
        client.force_login(users[name])
        return client

    return make
