"""The storm of issue 19: a cabin fails; 1,000 calls over 10 minutes on the 300 plants it feeds,
logged through the real call-logging service, and alarms from 100 of them over MQTT through a
real Mosquitto (broker -> listener -> ``plant_alarm_raise``), while the rules' sweep runs every
30 simulated seconds. One major incident, every call attached, no case opened on any plant under
the cabin but the incident's own, the 100 alarms its members.

Simulated time: the storm is laid out over the 11 minutes before now (the call log refuses times
in the future), each sweep given its ``now``; the alarms carry their time in ``ts``."""

import json
import time
from datetime import timedelta

import paho.mqtt.client as mqtt
import pytest
from django.utils import timezone

from dispatch.choices import PlantKind
from dispatch.models import Intervention, Plant
from dispatch.services import call_log
from incidents.models import IncidentMember, IncidentRule, MajorIncident
from incidents.services import incident_rules_sweep
from network.models import SupplyNode
from telecontrol.choices import Protocol
from telecontrol.listener import TelemetryListener
from telecontrol.models import PlantAlarm, PlantTelecontrol
from tests.factories import PlantFactory

pytestmark = pytest.mark.real_component

PLANTS, CALLS, ALARMING, MINUTES, SWEEP_SECONDS = 300, 1000, 100, 10, 30


@pytest.fixture
def storm_network(customer):
    cabin = PlantFactory(customer=customer, code="STORM-CAB", kind=PlantKind.GAS_CABIN)
    Plant.objects.bulk_create(
        Plant(customer=customer, code=f"STORM-{i:03d}", name=f"Building {i}", kind=PlantKind.BUILDING)
        for i in range(PLANTS)
    )
    plants = list(Plant.objects.filter(code__startswith="STORM-").exclude(pk=cabin.pk).order_by("code"))
    SupplyNode.objects.bulk_create(SupplyNode(plant=p, feeder=cabin, supply_points=12) for p in plants)
    PlantTelecontrol.objects.bulk_create(
        PlantTelecontrol(plant=p, protocol=Protocol.MQTT) for p in plants[:ALARMING]
    )
    return cabin, plants


def publisher_for(broker):
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"storm-pub-{time.monotonic_ns()}")
    client.connect(broker.host, broker.port)
    client.loop_start()
    return client


def test_storm_one_incident_every_call_attached_no_duplicate_case(mosquitto_broker, storm_network, users):
    cabin, plants = storm_network
    IncidentRule.objects.create(name="Storm", min_events=10, window_minutes=10, auto_attach=True)
    listener = TelemetryListener(host=mosquitto_broker.host, port=mosquitto_broker.port, client_id="storm")
    listener.subscriber.start()
    assert listener.subscriber.wait_connected(5)
    time.sleep(0.1)  # the SUBACK
    publisher = publisher_for(mosquitto_broker)
    started = time.monotonic()
    start = timezone.now() - timedelta(minutes=MINUTES + 1)
    step = timedelta(seconds=MINUTES * 60 / CALLS)
    ticks = MINUTES * 60 // SWEEP_SECONDS
    per_tick = CALLS // ticks
    # Alarms from the second tick on, a few per tick (the first sweep declares at the first tick).
    alarm_ticks = range(2, ticks)
    alarms_per_tick = -(-ALARMING // len(alarm_ticks))
    declared, sent = [], 0
    try:
        for tick in range(ticks):
            for n in range(tick * per_tick, (tick + 1) * per_tick):
                call_log(
                    actor=users["operator"],
                    caller_number=f"+39333{n:07d}",
                    plant=plants[n % PLANTS],
                    received_at=start + n * step,
                )
            tick_end = start + timedelta(seconds=(tick + 1) * SWEEP_SECONDS)
            if tick in alarm_ticks:
                for plant in plants[sent : min(sent + alarms_per_tick, ALARMING)]:
                    body = {"code": "P-LOW", "message": "Inlet pressure low", "ts": tick_end.isoformat()}
                    publisher.publish(f"plants/{plant.code}/alarm", json.dumps(body), qos=1).wait_for_publish(
                        5
                    )
                    sent += 1
                deadline = time.monotonic() + 10
                while listener.received < sent and time.monotonic() < deadline:
                    time.sleep(0.01)
                assert listener.received == sent, f"the listener received {listener.received} of {sent}"
                listener.flush()
            declared += incident_rules_sweep(now=tick_end)
    finally:
        publisher.disconnect()
        publisher.loop_stop()
        listener.subscriber.stop()
    elapsed = time.monotonic() - started

    assert sent == ALARMING and listener.applied == ALARMING and listener.rejected == 0
    (incident,) = MajorIncident.objects.all()
    assert declared == [incident] and incident.node == cabin and incident.auto_attach
    assert incident.reach_nodes == PLANTS + 1
    members = IncidentMember.objects.filter(incident=incident)
    assert members.filter(call__isnull=False).count() == CALLS
    # Those logged before the first sweep attached at the declaration, the rest as they came.
    assert members.filter(call__isnull=False, how="declared").count() == per_tick
    assert members.filter(alarm__isnull=False).count() == ALARMING
    assert PlantAlarm.objects.filter(intervention=incident.lead_intervention).count() == ALARMING
    # No duplicate cases: under the cabin (and on it) only the incident's own.
    cases = Intervention.objects.filter(plant__in=[cabin, *plants])
    assert list(cases.values_list("pk", flat=True)) == [incident.lead_intervention_id]
    assert elapsed < 60, f"the storm took {elapsed:.1f} s"
    print(f"\nstorm: {CALLS} calls, {ALARMING} MQTT alarms, {ticks} sweeps in {elapsed:.1f} s")
