"""The rules' sweep: N calls or alarms within M minutes under one node declare an incident on the
nearest node they share, once; and the beat task that runs it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch.services import intervention_cancel
from incidents.choices import AttachedHow, IncidentState
from incidents.models import IncidentMember, IncidentRule, MajorIncident
from incidents.services import incident_declare, incident_resolve, incident_rules_sweep
from incidents.tasks import incidents_sweep


@pytest.fixture
def rule(db):
    return IncidentRule.objects.create(name="Five in ten", min_events=5, window_minutes=10, auto_attach=True)


def calls_on(log_call, network, codes, minutes_ago=2):
    return [
        log_call(network[code], minutes_ago=minutes_ago, number=f"+39333000{i:04d}")
        for i, code in enumerate(codes)
    ]


def test_declares_once_on_the_nearest_shared_node(rule, network, log_call):
    calls = calls_on(log_call, network, ["L1", "L2", "B1", "L1", "L2", "L1"])
    (incident,) = incident_rules_sweep()
    assert incident.node == network["B1"] and incident.rule == rule and incident.auto_attach
    assert incident.declared_by is None and incident.title == "Fault under B1"
    assert set(IncidentMember.objects.filter(call__isnull=False).values_list("call", flat=True)) == {
        call.pk for call in calls
    }
    assert set(IncidentMember.objects.filter(call__isnull=False).values_list("how", flat=True)) == {
        AttachedHow.DECLARED
    }
    assert incident.detected_at == min(call.received_at for call in calls)
    assert incident_rules_sweep() == []  # the second sweep: no duplicate
    calls_on(log_call, network, ["L1"] * 6)  # attached by themselves, they count for nothing new
    assert incident_rules_sweep() == [] and MajorIncident.objects.count() == 1


def test_a_fault_over_two_branches_is_their_common_feeders(rule, network, log_call):
    calls_on(log_call, network, ["B1", "L1", "B3", "REG2", "B3", "REG1"])
    (incident,) = incident_rules_sweep()
    assert incident.node == network["CAB"]


def test_a_stray_call_elsewhere_does_not_lift_it_to_the_root(rule, network, log_call):
    calls_on(log_call, network, ["B1", "L1", "L2", "B1", "L1", "L2", "L1", "L2", "B1", "B3"])
    (incident,) = incident_rules_sweep()
    assert incident.node == network["B1"]


def test_many_calls_about_one_plant_are_not_a_network_fault(rule, network, log_call):
    calls_on(log_call, network, ["L1"] * 8)
    assert incident_rules_sweep() == []


def test_only_the_window_the_active_rules_and_their_scope(rule, network, log_call, other_customer):
    calls_on(log_call, network, ["L1", "L2", "B1", "L1", "L2"], minutes_ago=11)
    assert incident_rules_sweep() == []
    calls_on(log_call, network, ["L1", "L2", "B1", "L1", "L2"])
    rule.active = False
    rule.save()
    scoped = IncidentRule.objects.create(name="REG2 only", node=network["REG2"], min_events=5)
    other = IncidentRule.objects.create(name="Other customer", customer=other_customer, min_events=5)
    assert incident_rules_sweep() == []
    calls_on(log_call, network, ["B3", "B3", "REG2", "B3", "REG2"])
    (incident,) = incident_rules_sweep()
    assert (incident.node, incident.rule) == (network["REG2"], scoped)
    assert other.pk and MajorIncident.objects.count() == 1


def test_a_node_already_covered_is_left_alone(rule, network, log_call, users):
    incident_declare(
        actor=users["supervisor"], node=network["CAB"], title="By hand", public_message="We know."
    )
    calls_on(log_call, network, ["L1", "L2", "B1", "L1", "L2"])
    assert incident_rules_sweep() == []


def test_the_sweep_counts_alarms_too(rule, network, log_call):
    from tests.incidents.test_services import raise_alarm

    calls_on(log_call, network, ["L1", "L2", "B1"])
    alarms = [raise_alarm(network["L1"], key="A"), raise_alarm(network["L2"], key="B")]
    (incident,) = incident_rules_sweep()
    assert incident.node == network["B1"]
    assert set(IncidentMember.objects.filter(alarm__isnull=False).values_list("alarm", flat=True)) == {
        alarm.pk for alarm in alarms
    }


def test_the_task_declares_once_and_closes_what_is_done(rule, network, log_call, users):
    calls_on(log_call, network, ["L1", "L2", "B1", "L1", "L2"])
    assert incidents_sweep() == {"declared": 1, "closed": 0}
    assert incidents_sweep() == {"declared": 0, "closed": 0}
    incident = MajorIncident.objects.get()
    incident_resolve(actor=users["supervisor"], incident=incident, public_text="Fixed.")
    intervention_cancel(actor=users["supervisor"], intervention=incident.lead_intervention, reason="Fixed")
    assert incidents_sweep() == {"declared": 0, "closed": 1}
    assert incidents_sweep() == {"declared": 0, "closed": 0}
    assert MajorIncident.objects.get().state == IncidentState.CLOSED


def test_a_sweep_at_an_explicit_time(rule, network, log_call):
    calls_on(log_call, network, ["L1", "L2", "B1", "L1", "L2"], minutes_ago=30)
    assert incident_rules_sweep(now=timezone.now() - timedelta(minutes=45)) == []
    (incident,) = incident_rules_sweep(now=timezone.now() - timedelta(minutes=25))
    assert incident.declared_at < timezone.now() - timedelta(minutes=24)
