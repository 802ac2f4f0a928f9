"""Simulated plants for the demo (``manage.py simulate_plants``) and the tests.

A ``PlantSimulation`` is one plant's behaviour, independent of the protocol: a scenario and a few
measurements that drift a little (a bounded random walk). Two front ends show it to the world:

- ``SimulatedModbusServer`` / ``SimulatedModbusPlant``: a real pymodbus 3.16 Modbus TCP server
  answering for one plant, or for several on one port (one unit id each, like a gateway);
  ``ModbusPlantsThread`` runs any number of them on an event loop in a background thread;
- ``SimulatedMqttPublisher`` / ``SimulatedMqttPlant``: one paho-mqtt client publishing the
  telemetry of one or more plants to ``<prefix>/<code>/telemetry`` and their alarms to
  ``<prefix>/<code>/alarm``, both at QoS 1.

The default register map (holding registers, the same as
``telecontrol.register_maps.DEFAULT_REGISTER_MAP``):

====  ====================================================================
HR0   status word: bit 0 active, bit 1 anomaly, bit 2 out of service
HR1   alarm code, 0 = none
HR2   inlet pressure, unsigned, centibar (x 0.01 -> bar)
HR3   outlet pressure, unsigned, mbar
HR4   temperature, signed 16-bit two's complement, tenths of °C
HR5   flow, unsigned, m³/h
====  ====================================================================

Scenarios: ``normal`` (status 0b001, alarm 0), ``anomaly`` (0b011, alarm 17, outlet
over-pressure), ``out_of_service`` (0b100, alarm 40, no flow and no outlet pressure),
``flapping`` (normal and anomaly alternating every ``flap_seconds``, starting with normal when
the scenario is set) and ``unreachable``: a Modbus server whose plants are all unreachable does
not listen at all (connection refused); on a port shared with reachable plants the unreachable
unit answers exception 0x0B, "gateway target device failed to respond", as a real gateway does.
An unreachable MQTT plant publishes nothing.

The code is split by subject: ``plant`` (scenarios, measurements, ``PlantSimulation``, the
payloads), ``modbus_server`` (the Modbus TCP front end and the threads that run it) and
``mqtt_publisher`` (the MQTT front end). Callers import from here.

Nothing here touches the database: the management command reads the plants and hands them over.
"""

from .modbus_server import (
    LoopThread,
    ModbusAddress,
    ModbusPlantsThread,
    SimulatedModbusPlant,
    SimulatedModbusServer,
)
from .mqtt_publisher import (
    SimulatedMqttPlant,
    SimulatedMqttPublisher,
)
from .plant import (
    ALARM_ANOMALY,
    ALARM_MESSAGES,
    ALARM_OUT_OF_SERVICE,
    ANOMALY_OUTLET_EXCESS_MBAR,
    DEFAULT_FLAP_SECONDS,
    DEFAULT_INTERVAL_SECONDS,
    MEASUREMENTS,
    REGISTER_COUNT,
    STATUS_ACTIVE,
    STATUS_ANOMALY,
    STATUS_BY_SCENARIO,
    STATUS_OUT_OF_SERVICE,
    Measurement,
    PlantSimulation,
    PlantStatus,
    Scenario,
    alarm_payload,
    scenario_validate,
    utc_timestamp,
)

__all__ = [
    "ALARM_ANOMALY",
    "ALARM_MESSAGES",
    "ALARM_OUT_OF_SERVICE",
    "ANOMALY_OUTLET_EXCESS_MBAR",
    "DEFAULT_FLAP_SECONDS",
    "DEFAULT_INTERVAL_SECONDS",
    "MEASUREMENTS",
    "REGISTER_COUNT",
    "STATUS_ACTIVE",
    "STATUS_ANOMALY",
    "STATUS_BY_SCENARIO",
    "STATUS_OUT_OF_SERVICE",
    "Measurement",
    "PlantSimulation",
    "PlantStatus",
    "Scenario",
    "alarm_payload",
    "scenario_validate",
    "utc_timestamp",
    "LoopThread",
    "ModbusAddress",
    "ModbusPlantsThread",
    "SimulatedModbusPlant",
    "SimulatedModbusServer",
    "SimulatedMqttPlant",
    "SimulatedMqttPublisher",
]
