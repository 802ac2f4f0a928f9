"""A private Kannel (bearerbox + smsbox + fakesmsc, tests/servers/kannel.py) for the SMS backend's
tests, started once per module on free loopback ports and running again before each test, and an
HTTP recorder standing in for Pronto's delivery-report and inbound-SMS endpoints. No database."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import pytest

from notifications.backends.base import OutgoingMessage
from notifications.backends.kannel import MO_GET_URL_QUERY, KannelSmsBackend
from tests.servers.kannel import MAX_MESSAGES, HttpRecorder, KannelGateway

INBOUND_PATH = "/api/notifications/sms/inbound/"
INBOUND_TOKEN = "kannel-test-inbound-token"
SENDER = "Pronto"
_numbers = itertools.count(1)


@pytest.fixture(scope="module")
def kannel_http() -> Iterator[HttpRecorder]:
    """Where Kannel calls back: DLR urls and the sms-service get-url (``INBOUND_PATH``)."""
    recorder = HttpRecorder().start()
    yield recorder
    recorder.stop()


@pytest.fixture(scope="module")
def kannel_server(kannel_http: HttpRecorder) -> Iterator[KannelGateway]:
    """Skips (with the reason and Kannel's logs) when Kannel cannot run here; every process it
    started is stopped and its directory deleted after the module."""
    inbound_url = f"{kannel_http.url(INBOUND_PATH)}?token={INBOUND_TOKEN}&{MO_GET_URL_QUERY}"
    gateway = KannelGateway.create_or_skip(inbound_url=inbound_url)
    yield gateway
    gateway.close()


@pytest.fixture
def kannel(kannel_server: KannelGateway, kannel_http: HttpRecorder) -> KannelGateway:
    """The module's gateway, running: a test that stopped it (or part of it) gets it back here.
    The recorder answers Kannel with an empty 200 unless a test says otherwise."""
    kannel_http.reply, kannel_http.status = "", 200
    kannel_server.start()
    return kannel_server


@pytest.fixture
def sms_backend() -> Callable[..., KannelSmsBackend]:
    """``sms_backend(kannel, **options)``: a ``KannelSmsBackend`` configured as settings would,
    pointed at ``kannel`` (or at ``url=`` given)."""

    def make(gateway: KannelGateway | None = None, **overrides) -> KannelSmsBackend:
        options = {
            "url": gateway.sendsms_url if gateway else "",
            "username": gateway.username if gateway else "pronto",
            "password": gateway.password if gateway else "secret",
            "sender": SENDER,
            "timeout": 3.0,
            "max_parts": MAX_MESSAGES,
            **overrides,
        }
        backend = KannelSmsBackend(**options)
        backend.check_config()
        return backend

    return make


@pytest.fixture
def sms() -> Callable[..., OutgoingMessage]:
    """``sms(body, **fields)``: an SMS ``OutgoingMessage`` to a number no other test uses, so what
    the fake phone network received can be told apart per test."""

    def make(body: str, **fields) -> OutgoingMessage:
        number = next(_numbers)
        values = {
            "notification_id": number,
            "idempotency_key": f"kannel-test-{number}",
            "channel": "sms",
            "recipient": f"+39333{number:07d}",
            "subject": "",
            "body": body,
        }
        values.update(fields)
        return OutgoingMessage(**values)

    return make
