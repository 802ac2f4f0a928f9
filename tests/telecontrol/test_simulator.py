"""The plant simulator and the test servers, against real servers on loopback: pymodbus clients
read the simulated plants, a paho subscriber hears them through a private Mosquitto, and each
fault server misbehaves the way it says it does."""

import asyncio
import io
import json
import logging
import socket
import struct
import threading
import time
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command
from pymodbus.client import AsyncModbusTcpClient
from pymodbus.exceptions import ModbusIOException

from telecontrol.backends.simulated import (
    MEASUREMENTS,
    ModbusAddress,
    PlantSimulation,
    Scenario,
    SimulatedModbusPlant,
    SimulatedMqttPlant,
    SimulatedMqttPublisher,
)
from telecontrol.register_maps import default_register_map, registers_decode
from tests.servers import free_port, wait_for_port

MODBUS_REQUEST = bytes.fromhex("0001 0000 0006 01 03 0000 0006")  # read HR0..HR5 of unit 1
UNITS = {m.name: m.unit for m in MEASUREMENTS}


@pytest.fixture(autouse=True)
def quiet_pymodbus():
    """pymodbus logs every refused connection and unknown unit as an error with a traceback."""
    logger = logging.getLogger("pymodbus")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


async def modbus_read(host, port, *, unit=1, address=0, count=6, timeout=1.0):
    """One read over a connection of its own: the response, or None when connecting failed."""
    client = AsyncModbusTcpClient(host, port=port, timeout=timeout, retries=0)
    try:
        if not await client.connect():
            return None
        return await client.read_holding_registers(address, count=count, device_id=unit)
    finally:
        client.close()


def read(address, **kwargs):
    return asyncio.run(modbus_read(address.host, address.port, unit=address.unit_id, **kwargs))


def registers(address, **kwargs) -> list[int]:
    response = read(address, **kwargs)
    assert response is not None, f"nothing answers on {address}"
    assert not response.isError(), response
    return response.registers


def decoded(regs):
    return registers_decode(default_register_map(), regs)


def assert_refused(host, port):
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((host, port), timeout=1).close()


# --- the plant model -----------------------------------------------------------------------------


def test_registers_encode_the_default_map_the_decoder_reads():
    plant = PlantSimulation("P", drift=False, initial={"temperature": -3.5})
    regs = plant.registers()
    assert regs == [0b001, 0, 450, 21, 0x10000 - 35, 180]
    reading = decoded(regs)
    assert (reading.active, reading.anomaly, reading.out_of_service, reading.alarm_code) == (
        True,
        False,
        False,
        "",
    )
    assert reading.measurements == {
        "inlet_pressure": {"value": 4.5, "unit": "bar"},
        "outlet_pressure": {"value": 21, "unit": "mbar"},
        "temperature": {"value": -3.5, "unit": "°C"},
        "flow": {"value": 180, "unit": "m³/h"},
    }

    plant.scenario = "anomaly"
    assert plant.registers()[:4] == [0b011, 17, 450, 35]
    plant.scenario = Scenario.OUT_OF_SERVICE
    assert plant.registers() == [0b100, 40, 450, 0, 0x10000 - 35, 0]
    with pytest.raises(ValueError, match="unknown scenario 'broken'"):
        plant.scenario = "broken"


def test_drift_stays_plausible_and_agrees_with_telemetry():
    plant = PlantSimulation("P", seed=7)
    seen = set()
    for _ in range(2000):
        reading = decoded(plant.registers())
        seen.add(reading.measurements["flow"]["value"])
        assert 4.2 <= reading.measurements["inlet_pressure"]["value"] <= 4.8
        assert 19 <= reading.measurements["outlet_pressure"]["value"] <= 23
        assert 8 <= reading.measurements["temperature"]["value"] <= 15
        assert 140 <= reading.measurements["flow"]["value"] <= 220
    assert len(seen) > 10, "the measurements should drift"
    telemetry = plant.telemetry(seq=1)
    for name, item in telemetry["measurements"].items():
        assert item["unit"] == UNITS[name]
        assert isinstance(item["value"], int | float)


def test_flapping_alternates_every_flap_seconds_starting_normal():
    now = [100.0]
    plant = PlantSimulation("P", scenario="flapping", flap_seconds=10, clock=lambda: now[0])
    phases = []
    for t in (100.0, 109.9, 110.0, 119.9, 120.0, 135.0):
        now[0] = t
        phases.append(plant.status().scenario)
    assert phases == ["normal", "normal", "anomaly", "anomaly", "normal", "anomaly"]
    now[0] = 137.0
    plant.scenario = "flapping"  # setting it again starts a fresh normal phase
    assert plant.status().scenario == "normal"


# --- Modbus over TCP ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scenario", "status", "alarm"),
    [("normal", 0b001, 0), ("anomaly", 0b011, 17), ("out_of_service", 0b100, 40)],
)
def test_modbus_plant_answers_its_scenario(modbus_plants, scenario, status, alarm):
    modbus_plants.add("P1", unit_id=5, scenario=scenario)
    regs = registers(modbus_plants.address("P1"))
    assert regs[:2] == [status, alarm]
    measurements = {name: item["value"] for name, item in decoded(regs).measurements.items()}
    assert 4.2 <= measurements["inlet_pressure"] <= 4.8
    assert 8 <= measurements["temperature"] <= 15
    if scenario == "out_of_service":
        assert measurements["flow"] == 0 and measurements["outlet_pressure"] == 0
    elif scenario == "anomaly":
        assert measurements["outlet_pressure"] >= 33  # over-pressure
    else:
        assert 19 <= measurements["outlet_pressure"] <= 23 and measurements["flow"] >= 140


def test_modbus_scenario_switch_takes_effect_on_the_next_read(modbus_plants):
    plant = modbus_plants.add("P1")
    address = modbus_plants.address("P1")
    assert registers(address)[:2] == [0b001, 0]
    plant.scenario = "anomaly"
    assert registers(address)[:2] == [0b011, 17]
    modbus_plants.set_scenario("P1", "out_of_service")
    assert registers(address)[:2] == [0b100, 40]

    modbus_plants.set_scenario("P1", "unreachable")
    assert read(address, timeout=0.5) is None
    assert_refused(address.host, address.port)

    modbus_plants.set_scenario("P1", "normal")
    assert modbus_plants.address("P1").port == address.port
    assert registers(address)[:2] == [0b001, 0]


def test_modbus_plant_unreachable_from_the_start_listens_once_reachable(modbus_plants):
    port = free_port()
    modbus_plants.add("DOWN", port=port, scenario="unreachable")
    assert_refused("127.0.0.1", port)
    modbus_plants.set_scenario("DOWN", "anomaly")
    assert registers(modbus_plants.address("DOWN"))[:2] == [0b011, 17]


def test_modbus_flapping_flips_between_normal_and_anomaly(modbus_plants):
    modbus_plants.add("FLAP", scenario="flapping", flap_seconds=0.3)
    address = modbus_plants.address("FLAP")
    statuses = []
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        statuses.append(registers(address)[0])
        time.sleep(0.05)
    assert statuses[0] == 0b001
    assert set(statuses) == {0b001, 0b011}
    flips = sum(1 for before, after in zip(statuses, statuses[1:], strict=False) if before != after)
    assert 3 <= flips <= 6  # 1.5 s of 0.3 s phases


def test_modbus_gateway_port_shared_by_units(modbus_plants):
    port = free_port()
    modbus_plants.add("UP", port=port, unit_id=1, scenario="anomaly")
    modbus_plants.add("AWAY", port=port, unit_id=2, scenario="unreachable")  # the server reopens
    up, away = modbus_plants.address("UP"), modbus_plants.address("AWAY")
    assert (up.port, away.port) == (port, port)
    assert registers(up)[:2] == [0b011, 17]

    gateway_no_response = read(away)
    assert gateway_no_response.isError() and gateway_no_response.exception_code == 0x0B
    unknown_unit = asyncio.run(modbus_read("127.0.0.1", port, unit=9))
    assert unknown_unit.isError() and unknown_unit.exception_code == 4
    beyond_the_map = read(up, count=7)
    assert beyond_the_map.isError() and beyond_the_map.exception_code == 2

    modbus_plants.set_scenario("UP", "unreachable")  # now nobody on the port answers
    assert_refused("127.0.0.1", port)
    modbus_plants.set_scenario("AWAY", "normal")
    assert registers(away)[:2] == [0b001, 0]


def test_modbus_plants_reject_a_taken_unit_or_code(modbus_plants):
    port = free_port()
    modbus_plants.add("A", port=port, unit_id=1)
    with pytest.raises(ValueError, match="unit 1 is already taken"):
        modbus_plants.add("B", port=port, unit_id=1)
    with pytest.raises(ValueError, match="already simulated"):
        modbus_plants.add("A")
    assert set(modbus_plants.plants) == {"A"}


def test_simulated_modbus_plant_simple_async_api():
    port = free_port()

    async def scenario():
        plant = SimulatedModbusPlant("127.0.0.1", port, unit_id=7, scenario="anomaly")
        await plant.start()
        try:
            first = await modbus_read("127.0.0.1", port, unit=7)
            plant.scenario = "out_of_service"
            second = await modbus_read("127.0.0.1", port, unit=7)
            await plant.set_scenario("unreachable")
            third = await modbus_read("127.0.0.1", port, unit=7, timeout=0.5)
            await plant.set_scenario("normal")
            fourth = await modbus_read("127.0.0.1", port, unit=7)
        finally:
            await plant.stop()
        return first, second, third, fourth

    first, second, third, fourth = asyncio.run(scenario())
    assert first.registers[:2] == [0b011, 17]
    assert second.registers[:2] == [0b100, 40]
    assert third is None
    assert fourth.registers[:2] == [0b001, 0]
    assert_refused("127.0.0.1", port)


def test_modbus_port_in_use_is_reported(modbus_plants):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(OSError, match=rf"cannot listen on 127.0.0.1:{port} for BUSY: .*in use"):
            modbus_plants.add("BUSY", port=port)


def test_payloads_pass_the_listeners_parser():
    from telecontrol.backends.simulated import alarm_payload
    from telecontrol.payloads import alarm_parse, telemetry_parse

    now = datetime.now(UTC)
    plant = PlantSimulation("P", scenario="out_of_service")
    message = telemetry_parse(
        "P", json.dumps(plant.telemetry(seq=1)).encode(), received_at=now, max_bytes=65536
    )
    assert (message.active, message.out_of_service, message.alarm_code) == (False, True, "40")
    assert message.measurements["flow"] == {"value": 0, "unit": "m³/h"}
    assert abs((message.observed_at - now).total_seconds()) < 5
    alarm = alarm_parse(
        "P", json.dumps(alarm_payload(40, "cleared")).encode(), received_at=now, max_bytes=65536
    )
    assert (alarm.code, alarm.raised, alarm.message) == ("40", False, "Plant out of service")


# --- MQTT through a real broker ------------------------------------------------------------------


def parse_ts(value: str) -> datetime:
    ts = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert ts.utcoffset() is not None, "timestamps carry their offset"
    return ts


def assert_telemetry_schema(payload: dict) -> None:
    assert set(payload) == {"ts", "seq", "active", "anomaly", "out_of_service", "alarm_code", "measurements"}
    parse_ts(payload["ts"])
    assert isinstance(payload["seq"], int) and payload["seq"] >= 1
    for flag in ("active", "anomaly", "out_of_service"):
        assert isinstance(payload[flag], bool)
    assert isinstance(payload["alarm_code"], int) and not isinstance(payload["alarm_code"], bool)
    assert set(payload["measurements"]) == set(UNITS)
    for name, item in payload["measurements"].items():
        assert set(item) == {"value", "unit"} and item["unit"] == UNITS[name]
        assert isinstance(item["value"], int | float) and not isinstance(item["value"], bool)


def assert_alarm_schema(payload: dict) -> None:
    assert set(payload) == {"ts", "code", "state", "message"}
    parse_ts(payload["ts"])
    assert isinstance(payload["code"], str) and payload["code"]
    assert payload["state"] in ("raised", "cleared")
    assert isinstance(payload["message"], str) and payload["message"]


def payloads(recorder, topic):
    return [m.json() for m in recorder.on(topic)]


@pytest.mark.real_component
def test_mqtt_publisher_telemetry_and_alarms_arrive_through_the_broker(mosquitto_broker, mqtt_recorder):
    recorder = mqtt_recorder(mosquitto_broker, "plants/#")
    publisher = SimulatedMqttPublisher(mosquitto_broker.host, mosquitto_broker.port, interval=0.2)
    publisher.add("GRF", "anomaly")
    publisher.add("ASC", "normal")
    publisher.add("DOWN", "unreachable")
    with publisher:
        assert publisher.wait_connected(5)
        recorder.wait_for(
            lambda _: (
                len(recorder.on("plants/GRF/telemetry")) >= 3
                and len(recorder.on("plants/ASC/telemetry")) >= 3
            )
        )
        publisher.set_scenario("GRF", "normal")
        publisher.set_scenario("ASC", "out_of_service")
        recorder.wait_for(
            lambda _: len(recorder.on("plants/GRF/alarm")) >= 2 and recorder.on("plants/ASC/alarm")
        )
        count = len(recorder.on("plants/ASC/telemetry"))
        recorder.wait_for(lambda _: len(recorder.on("plants/ASC/telemetry")) >= count + 2)

    assert all(m.qos == 1 for m in recorder.messages)
    assert not [m for m in recorder.messages if m.topic.startswith("plants/DOWN/")]

    grf = payloads(recorder, "plants/GRF/telemetry")
    asc = payloads(recorder, "plants/ASC/telemetry")
    for payload in grf + asc:
        assert_telemetry_schema(payload)
    for series in (grf, asc):
        assert [p["seq"] for p in series] == list(range(1, len(series) + 1))
    assert (grf[0]["active"], grf[0]["anomaly"], grf[0]["alarm_code"]) == (True, True, 17)
    assert grf[0]["measurements"]["outlet_pressure"]["value"] >= 33
    assert (asc[0]["active"], asc[0]["anomaly"], asc[0]["alarm_code"]) == (True, False, 0)
    assert (asc[-1]["active"], asc[-1]["out_of_service"], asc[-1]["alarm_code"]) == (False, True, 40)
    assert asc[-1]["measurements"]["flow"]["value"] == 0

    grf_alarms = payloads(recorder, "plants/GRF/alarm")
    asc_alarms = payloads(recorder, "plants/ASC/alarm")
    for payload in grf_alarms + asc_alarms:
        assert_alarm_schema(payload)
    assert [(a["code"], a["state"]) for a in grf_alarms] == [("17", "raised"), ("17", "cleared")]
    assert [(a["code"], a["state"]) for a in asc_alarms] == [("40", "raised")]
    assert publisher.acknowledged == sum(publisher.published.values()) == len(recorder.messages)


@pytest.mark.real_component
def test_mqtt_flapping_plant_raises_and_clears_its_alarm(mosquitto_broker, mqtt_recorder):
    recorder = mqtt_recorder(mosquitto_broker, "site/+/alarm")
    plant = SimulatedMqttPlant(
        mosquitto_broker.host,
        mosquitto_broker.port,
        "LIFT",
        "flapping",
        interval=5,
        flap_seconds=0.25,
        prefix="site",
    )
    with plant:
        recorder.wait_for(lambda messages: len(messages) >= 4, timeout=3)
    states = [(p["code"], p["state"]) for p in payloads(recorder, "site/LIFT/alarm")]
    assert states[:4] == [("17", "raised"), ("17", "cleared"), ("17", "raised"), ("17", "cleared")]


@pytest.mark.real_component
def test_broker_restart_on_the_same_port_and_clients_reconnect(mosquitto_broker, mqtt_recorder):
    recorder = mqtt_recorder(mosquitto_broker, "plants/#")
    plant = SimulatedMqttPlant(mosquitto_broker.host, mosquitto_broker.port, "P1", interval=0.1)
    with plant:
        recorder.wait_for(lambda messages: len(messages) >= 2)
        port = mosquitto_broker.port

        mosquitto_broker.stop()
        assert not mosquitto_broker.running
        assert_refused(mosquitto_broker.host, port)
        deadline = time.monotonic() + 5
        while plant.connected and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not plant.connected
        time.sleep(0.3)  # the plant keeps publishing into paho's queue meanwhile

        mosquitto_broker.start()
        assert mosquitto_broker.port == port
        assert plant.wait_connected(5)
        assert recorder.wait_subscribed(5)
        before = plant.published["telemetry"]
        recorder.wait_for(lambda _: any(m.json()["seq"] > before for m in recorder.on("plants/P1/telemetry")))
    assert recorder.connects >= 2 and plant.connects >= 2
    seqs = [p["seq"] for p in payloads(recorder, "plants/P1/telemetry")]
    assert seqs == sorted(seqs)


# --- the management command ---------------------------------------------------------------------


@pytest.mark.real_component
@pytest.mark.django_db
def test_simulate_plants_command_serves_the_demo_plants(mosquitto_broker, mqtt_recorder):
    from dispatch.models import Plant
    from telecontrol.choices import Protocol
    from telecontrol.models import PlantTelecontrol

    call_command("seed_demo", stdout=io.StringIO())
    ports = {code: free_port() for code in ("REMI-MI-001", "SOLL-BO-102", "EDI-BO-103", "RETE-MB-003")}
    for code, port in ports.items():  # never the demo's fixed ports: a demo may be running here
        PlantTelecontrol.objects.update_or_create(
            plant=Plant.objects.get(code=code),
            defaults={"protocol": Protocol.MODBUS, "host": "127.0.0.1", "port": port, "unit_id": 1},
        )
    recorder = mqtt_recorder(mosquitto_broker, "plants/#")

    results = {}

    def probe():
        try:
            for code in ("REMI-MI-001", "SOLL-BO-102", "RETE-MB-003"):
                # Each plant's server starts on its own: on a loaded machine the later ones
                # were not listening yet when the first one was.
                wait_for_port("127.0.0.1", ports[code], timeout=5)
                results[code] = asyncio.run(modbus_read("127.0.0.1", ports[code])).registers
            try:
                socket.create_connection(("127.0.0.1", ports["EDI-BO-103"]), timeout=1).close()
                results["EDI-BO-103"] = "connected"
            except ConnectionRefusedError:
                results["EDI-BO-103"] = "refused"
            recorder.wait_for(
                lambda _: (
                    len(recorder.on("plants/ASC-BO-101/alarm")) >= 2
                    and recorder.on("plants/GRF-MI-002/alarm")
                )
            )
        except BaseException as exc:  # reported by the assertions below
            results["error"] = repr(exc)

    prober = threading.Thread(target=probe)
    prober.start()
    out = io.StringIO()
    call_command(
        "simulate_plants",
        "--duration=2",
        "--interval=0.2",
        "--flap-seconds=0.4",
        f"--mqtt-host={mosquitto_broker.host}",
        f"--mqtt-port={mosquitto_broker.port}",
        "--scenario=RETE-MB-003=anomaly",
        stdout=out,
    )
    prober.join(5)
    output = out.getvalue()

    assert "error" not in results, results["error"]
    assert results["REMI-MI-001"][:2] == [0b001, 0]
    assert results["SOLL-BO-102"][:2] == [0b100, 40]
    assert results["RETE-MB-003"][:2] == [0b011, 17]  # --scenario; without it, normal
    assert results["EDI-BO-103"] == "refused"
    grf = payloads(recorder, "plants/GRF-MI-002/telemetry")
    assert grf and all(p["anomaly"] and p["alarm_code"] == 17 for p in grf)
    assert payloads(recorder, "plants/GRF-MI-002/alarm")[0]["state"] == "raised"
    asc_alarms = [a["state"] for a in payloads(recorder, "plants/ASC-BO-101/alarm")]
    assert asc_alarms[:2] == ["raised", "cleared"]

    for code, words in {
        "REMI-MI-001": f"modbus  127.0.0.1:{ports['REMI-MI-001']} unit 1   normal",
        "SOLL-BO-102": "out_of_service: status 0b100, alarm 40",
        "EDI-BO-103": "unreachable (nothing listens",
        "RETE-MB-003": "anomaly: status 0b011, alarm 17",
        "GRF-MI-002": "plants/GRF-MI-002/telemetry every 0.2 s",
        "ASC-BO-101": "flapping: normal and anomaly (alarm 17) alternating every 0.4 s",
    }.items():
        assert any(line.startswith(code) and words in line for line in output.splitlines()), (code, output)
    assert "Stopped. MQTT:" in output
    for port in ports.values():  # shut down cleanly
        assert_refused("127.0.0.1", port)


@pytest.mark.django_db
def test_simulate_plants_command_rejects_bad_scenarios():
    call_command("seed_demo", stdout=io.StringIO())
    with pytest.raises(CommandError, match="no telecontrolled plant 'NOPE'"):
        call_command("simulate_plants", "--scenario=NOPE=normal", "--duration=0")
    with pytest.raises(CommandError, match="unknown scenario 'sideways'"):
        call_command("simulate_plants", "--scenario=REMI-MI-001=sideways", "--duration=0")


# --- fault servers ------------------------------------------------------------------------------


def raw_exchange(server, request=MODBUS_REQUEST, *, timeout=0.5) -> tuple[bytes, bool]:
    """Send one request; return what came back within ``timeout`` and whether it timed out."""
    received = b""
    with socket.create_connection((server.host, server.port), timeout=timeout) as sock:
        sock.sendall(request)
        try:
            while chunk := sock.recv(4096):
                received += chunk
        except TimeoutError:
            return received, True
    return received, False


def test_silent_server_never_answers(fault_server):
    server = fault_server("silent")
    assert raw_exchange(server) == (b"", True)
    assert server.requests == [MODBUS_REQUEST]
    with pytest.raises(ModbusIOException, match="No response"):
        read(server_address(server), timeout=0.3)


def test_garbled_server_answers_bytes_that_are_not_modbus(fault_server):
    server = fault_server("garbled")
    received, timed_out = raw_exchange(server)
    assert timed_out and len(received) == len(MODBUS_REQUEST) + 3
    assert received[2:4] != b"\x00\x00"  # a Modbus TCP reply has protocol id 0
    with pytest.raises(ModbusIOException):
        read(server_address(server), timeout=0.3)


def test_short_reply_server_announces_more_than_it_sends(fault_server):
    server = fault_server("short_reply")
    received, timed_out = raw_exchange(server)
    transaction, protocol, length = struct.unpack(">HHH", received[:6])
    assert timed_out and (transaction, protocol) == (1, 0)
    assert length == 3 + 2 * 6 and len(received) - 6 < length
    with pytest.raises(ModbusIOException):
        read(server_address(server), timeout=0.3)


def test_few_registers_server_answers_fewer_registers_than_asked(fault_server):
    server = fault_server("few_registers")
    response = read(server_address(server))
    assert not response.isError()
    assert response.registers == [1, 0]
    from telecontrol.register_maps import ShortReplyError

    with pytest.raises(ShortReplyError):
        decoded(response.registers)


def test_exception_server_answers_a_modbus_exception(fault_server):
    server = fault_server("exception")
    response = read(server_address(server))
    assert response.isError() and response.exception_code == 4


def test_refused_address_refuses(refused_address):
    host, port = refused_address
    assert_refused(host, port)
    assert asyncio.run(modbus_read(host, port, timeout=0.5)) is None


def test_unreachable_server_lets_connect_time_out(fault_server):
    server = fault_server("unreachable")
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        socket.create_connection((server.host, server.port), timeout=0.3)
    assert time.monotonic() - started >= 0.25
    started = time.monotonic()
    assert asyncio.run(modbus_read(server.host, server.port, timeout=0.3)) is None
    assert 0.25 <= time.monotonic() - started < 2


def server_address(server):
    return ModbusAddress(server.host, server.port, server.unit_id)
