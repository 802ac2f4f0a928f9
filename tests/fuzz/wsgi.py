"""The Django app as a WSGI application inside a test, for Schemathesis (which speaks WSGI)."""

import pytest
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections

APP = get_wsgi_application()


@pytest.fixture
def in_process_wsgi():
    """Django's WSGI handler closes the connection at each request's start and end; inside the
    test's transaction that would drop the test database's connection. Django's own test client
    disconnects the same receiver for the same reason."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield APP
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
