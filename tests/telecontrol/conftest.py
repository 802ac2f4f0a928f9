import pytest

from telecontrol.backends.base import Reading
from telecontrol.choices import CheckOutcome, Protocol
from telecontrol.models import PlantTelecontrol

from .fakes import FakeModbusBackend


@pytest.fixture
def fake_modbus(settings):
    """Route Modbus reads to ``FakeModbusBackend``; set ``.reading`` to what the plant answers."""
    settings.PRONTO_MODBUS_BACKEND = "tests.telecontrol.fakes.FakeModbusBackend"
    FakeModbusBackend.reading = Reading(CheckOutcome.OK, active=True, anomaly=False, out_of_service=False)
    FakeModbusBackend.targets = []
    return FakeModbusBackend


@pytest.fixture
def modbus_plant(plant):
    PlantTelecontrol.objects.create(plant=plant, protocol=Protocol.MODBUS, host="127.0.0.1", port=15999)
    return plant


@pytest.fixture
def mqtt_plant(plant):
    PlantTelecontrol.objects.create(plant=plant, protocol=Protocol.MQTT)
    return plant
