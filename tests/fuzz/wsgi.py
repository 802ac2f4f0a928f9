"""The Django app as a WSGI application inside a test, for Schemathesis (which speaks WSGI)."""

import pytest
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections

APP = get_wsgi_application()


def _connections_kept() -> None:
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)


def _app_in_the_test_transaction(environ, start_response):
    # Again before every request: Django's test client, used in the same test, connects the
    # receivers back after each of its own requests (and on PostgreSQL the next request through
    # here would then close the test's connection).
    _connections_kept()
    return APP(environ, start_response)


@pytest.fixture
def in_process_wsgi():
    """Django's WSGI handler closes the connection at each request's start and end; inside the
    test's transaction that would drop the test database's connection. Django's own test client
    disconnects the same receiver for the same reason."""
    _connections_kept()
    yield _app_in_the_test_transaction
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
