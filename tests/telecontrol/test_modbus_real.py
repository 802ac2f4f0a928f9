"""Modbus TCP against real pymodbus servers and misbehaving peers on loopback: the backend, the
live check endpoint and the fleet poller. Every fault ends in a clear outcome within the
plant's timeout, and calls keep being logged meanwhile."""

import time

import pytest
from django.utils import timezone

from dispatch.choices import InterventionStatus
from dispatch.models import Intervention
from telecontrol.backends.base import ModbusTarget
from telecontrol.backends.modbus import PymodbusBackend
from telecontrol.choices import AlarmKind, CheckOutcome, Protocol
from telecontrol.models import PlantAlarm, PlantState, PlantTelecontrol
from telecontrol.poller import FleetPoller
from telecontrol.register_maps import default_register_map
from tests.dispatch.helpers import call_logged
from tests.factories import PlantFactory
from tests.servers import run_async

pytestmark = pytest.mark.real_component

TIMEOUT = 0.5


def target(host, port, unit_id=1, timeout=TIMEOUT):
    return ModbusTarget(
        host=host, port=port, unit_id=unit_id, timeout=timeout, register_map=default_register_map()
    )


def read(host, port, **kwargs):
    return run_async(PymodbusBackend().read(target(host, port, **kwargs)))


@pytest.mark.parametrize(
    "scenario, flags, code",
    [
        ("normal", (True, False, False), ""),
        ("anomaly", (True, True, False), "17"),
        ("out_of_service", (False, False, True), "40"),
    ],
)
def test_scenarios_read_back_through_the_default_map(modbus_plants, scenario, flags, code):
    modbus_plants.add("P", scenario=scenario)
    address = modbus_plants.address("P")
    reading = read(address.host, address.port, unit_id=address.unit_id)
    assert reading.outcome == CheckOutcome.OK and reading.reachable
    assert (reading.active, reading.anomaly, reading.out_of_service) == flags
    assert reading.alarm_code == code
    assert reading.measurements["inlet_pressure"]["unit"] == "bar"
    assert 0 < reading.measurements["inlet_pressure"]["value"] < 100


def test_connection_refused(refused_address):
    reading = read(*refused_address)
    assert reading.outcome == CheckOutcome.REFUSED and not reading.reachable
    assert "refused" in reading.error


@pytest.mark.parametrize(
    "kind, outcome",
    [
        ("silent", CheckOutcome.TIMEOUT),
        ("short_reply", CheckOutcome.TIMEOUT),
        ("unreachable", CheckOutcome.TIMEOUT),
        ("garbled", CheckOutcome.TIMEOUT),
    ],
)
def test_peers_that_never_answer_properly_end_at_the_timeout(fault_server, kind, outcome):
    server = fault_server(kind)
    started = time.monotonic()
    reading = read(server.host, server.port)
    elapsed = time.monotonic() - started
    assert reading.outcome == outcome, reading.error
    assert TIMEOUT * 0.8 <= elapsed < TIMEOUT + 0.3
    assert reading.error


def test_fewer_registers_than_asked_is_a_bad_reply(fault_server):
    server = fault_server("few_registers")
    reading = read(server.host, server.port)
    assert reading.outcome == CheckOutcome.BAD_REPLY and reading.reachable
    assert "2 registers" in reading.error


def test_modbus_exception_response_is_a_device_error(fault_server):
    server = fault_server("exception")
    reading = read(server.host, server.port)
    assert reading.outcome == CheckOutcome.DEVICE_ERROR and reading.reachable
    assert "exception 4 (device failure)" in reading.error


def test_unknown_unit_id_is_a_device_error(modbus_plants):
    modbus_plants.add("P")
    address = modbus_plants.address("P")
    reading = read(address.host, address.port, unit_id=address.unit_id + 7)
    assert reading.outcome == CheckOutcome.DEVICE_ERROR


# -- the live check endpoint -----------------------------------------------------------------


def configure(plant, host, port, unit_id=1, timeout=TIMEOUT):
    return PlantTelecontrol.objects.create(
        plant=plant, protocol=Protocol.MODBUS, host=host, port=port, unit_id=unit_id, timeout_seconds=timeout
    )


def test_live_check_endpoint_against_a_real_plant(client_for, users, plant, modbus_plants):
    modbus_plants.add("P", scenario="anomaly")
    address = modbus_plants.address("P")
    configure(plant, address.host, address.port, address.unit_id)
    call = call_logged(users, plant)
    response = client_for("operator").get(f"/api/plants/{plant.pk}/status/?call={call.pk}")
    body = response.json()
    assert response.status_code == 200
    assert (body["outcome"], body["reachable"], body["active"], body["anomaly"]) == ("ok", True, True, True)
    assert body["alarm_code"] == "17" and body["source"] == "modbus" and body["check_id"]
    assert body["measurements"]["outlet_pressure"]["unit"] == "mbar"


def test_live_check_of_a_silent_plant_answers_within_its_timeout(client_for, users, plant, fault_server):
    server = fault_server("silent")
    configure(plant, server.host, server.port)
    started = time.monotonic()
    body = client_for("operator").get(f"/api/plants/{plant.pk}/status/").json()
    assert time.monotonic() - started < TIMEOUT + 0.5
    assert (body["outcome"], body["reachable"]) == ("timeout", False)
    # Call logging is unaffected by a plant that hangs.
    assert call_logged(users, plant).pk


# -- the fleet poller --------------------------------------------------------------------------


def test_poller_opens_interventions_for_faulty_plants_and_flags_lost_ones(customer, users, modbus_plants):
    plants = {}
    for code, scenario in [("OK", "normal"), ("ANOM", "anomaly"), ("OOS", "out_of_service")]:
        modbus_plants.add(code, scenario=scenario)
        address = modbus_plants.address(code)
        plants[code] = PlantFactory(customer=customer, code=code)
        configure(plants[code], address.host, address.port, address.unit_id)
    poller = FleetPoller(concurrency=2)
    try:
        poller.load()
        report = poller.sweep(only_due=False)
        assert sorted((a.plant.code, a.kind) for a in report.raised) == [
            ("ANOM", AlarmKind.ANOMALY),
            ("OOS", AlarmKind.OUT_OF_SERVICE),
        ]
        assert not Intervention.objects.filter(plant=plants["OK"]).exists()
        assert Intervention.objects.get(plant=plants["ANOM"]).status == InterventionStatus.OPEN
        assert PlantState.objects.get(plant=plants["OK"]).active is True

        # A second sweep raises nothing new.
        assert poller.sweep(only_due=False).raised == []

        # The anomaly clears: recorded on the intervention, which stays open.
        modbus_plants.set_scenario("ANOM", "normal")
        report = poller.sweep(only_due=False)
        assert [a.kind for a in report.cleared] == [AlarmKind.ANOMALY]
        assert Intervention.objects.get(plant=plants["ANOM"]).status == InterventionStatus.OPEN

        # The healthy plant goes silent: after three failed polls, communication is lost.
        modbus_plants.set_scenario("OK", "unreachable")
        for _ in range(2):
            assert poller.sweep(only_due=False).raised == []
        report = poller.sweep(only_due=False)
        assert [(a.plant.code, a.kind) for a in report.raised] == [("OK", AlarmKind.COMMS_LOSS)]
        state = PlantState.objects.get(plant=plants["OK"])
        assert state.comms_lost and state.outcome in (CheckOutcome.REFUSED, CheckOutcome.TIMEOUT)
        assert call_logged(users, plants["OK"]).pk  # calls keep being logged

        # It comes back: the comms-loss alarm clears.
        modbus_plants.set_scenario("OK", "normal")
        report = poller.sweep(only_due=False)
        assert [a.kind for a in report.cleared] == [AlarmKind.COMMS_LOSS]
        assert not PlantAlarm.objects.filter(plant=plants["OK"], cleared_at__isnull=True).exists()
    finally:
        poller.close()


def test_poller_keeps_connections_and_survives_garbage(customer, modbus_plants, fault_server):
    modbus_plants.add("GOOD")
    good = modbus_plants.address("GOOD")
    garbled = fault_server("garbled")
    plant_good = PlantFactory(customer=customer, code="GOOD")
    plant_bad = PlantFactory(customer=customer, code="BAD")
    configure(plant_good, good.host, good.port, good.unit_id)
    configure(plant_bad, garbled.host, garbled.port)
    poller = FleetPoller(concurrency=10)
    try:
        poller.load()
        for _ in range(2):
            poller.sweep(only_due=False)
        assert PlantState.objects.get(plant=plant_good).outcome == CheckOutcome.OK
        bad = PlantState.objects.get(plant=plant_bad)
        assert bad.outcome == CheckOutcome.TIMEOUT and bad.consecutive_failures == 2
        # The good plant's connection was kept across sweeps: one connection, several reads.
        assert len(poller.fleet._clients) == 1
    finally:
        poller.close()


def test_poll_command_once(customer, modbus_plants):
    from io import StringIO

    from django.core.management import call_command

    modbus_plants.add("CMD", scenario="anomaly")
    address = modbus_plants.address("CMD")
    configure(PlantFactory(customer=customer, code="CMD"), address.host, address.port, address.unit_id)
    out = StringIO()
    call_command("telemetry_poll", "--once", stdout=out)
    assert "Polled 1 plant(s): 1 alarm(s) raised" in out.getvalue()
    assert PlantState.objects.get(plant__code="CMD").last_ok_at <= timezone.now()


def test_poller_stores_unchanged_values_by_moving_timestamps_and_changed_ones_whole(customer, modbus_plants):
    modbus_plants.add("STEADY", drift=False)
    address = modbus_plants.address("STEADY")
    plant = PlantFactory(customer=customer, code="STEADY")
    configure(plant, address.host, address.port, address.unit_id)
    poller = FleetPoller(concurrency=2)
    try:
        poller.load()
        poller.sweep(only_due=False)
        first = PlantState.objects.get(plant=plant)
        polled = poller.plants[plant.pk]
        assert polled.stored is not None and polled.stored_at == first.last_attempt_at
        poller.sweep(only_due=False)
        second = PlantState.objects.get(plant=plant)
        assert second.last_attempt_at > first.last_attempt_at
        assert second.measurements == first.measurements and second.outcome == CheckOutcome.OK
        modbus_plants.set_scenario("STEADY", "out_of_service")
        report = poller.sweep(only_due=False)
        third = PlantState.objects.get(plant=plant)
        assert third.out_of_service and third.measurements != second.measurements
        assert [alarm.key for alarm in report.raised] == [AlarmKind.OUT_OF_SERVICE]
    finally:
        poller.close()
