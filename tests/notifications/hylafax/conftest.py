"""A private HylaFAX server (hfaxd + faxq, tests/servers/hylafax.py) for the fax backend's tests:
started once per module on a free loopback port, running again before each test."""

from collections.abc import Iterator

import pytest

from tests.servers.hylafax import HylafaxGateway


@pytest.fixture(scope="module")
def hylafax_server() -> Iterator[HylafaxGateway]:
    """Skips (with the command and the error) when HylaFAX cannot run on this machine; every
    daemon it started is stopped and its spool deleted after the module."""
    gateway = HylafaxGateway.create_or_skip()
    yield gateway
    gateway.close()


@pytest.fixture
def hylafax(hylafax_server: HylafaxGateway) -> HylafaxGateway:
    """The module's server, running: a test that stopped hfaxd or faxq gets them back here."""
    hylafax_server.start()
    return hylafax_server
