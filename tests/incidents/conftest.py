"""The network of ``tests/network`` (CAB feeds REG1 and REG2, they feed B1–B3, B1 feeds L1 and
L2; B2 is another customer's) and helpers to log calls and raise alarms on it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch.services import call_log
from incidents.services import incident_declare
from tests.network.conftest import network  # noqa: F401  (fixture)


@pytest.fixture
def log_call(users):
    def make(plant, *, minutes_ago: float = 1, number: str = "+390212345678"):
        return call_log(
            actor=users["operator"],
            caller_number=number,
            plant=plant,
            received_at=timezone.now() - timedelta(minutes=minutes_ago),
        )

    return make


@pytest.fixture
def declare(users, network):  # noqa: F811
    def make(node="CAB", **kwargs):
        values = {
            "actor": users["supervisor"],
            "node": network[node] if isinstance(node, str) else node,
            "title": "Cabin CAB down",
            "public_message": "Gas supply is interrupted in the area; we are working on it.",
        }
        values.update(kwargs)
        return incident_declare(**values)

    return make
