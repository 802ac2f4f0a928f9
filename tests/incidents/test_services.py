"""The incidents' services on the network of ``tests/network``: declaring (checks, one open per
node, the lead case, the reach's figures), attaching (idempotent, one incident per item), the
alarms and calls that join by themselves, updates, resolution and closing, subscribers."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dispatch.choices import InterventionStatus
from dispatch.models import Event, Intervention
from dispatch.services import intervention_cancel, intervention_open
from incidents.choices import AttachedHow, IncidentState, UpdateKind
from incidents.models import IncidentMember, IncidentSubscriber, IncidentUpdate, MajorIncident
from incidents.selectors.core import (
    incident_covering,
    incident_for_call,
    incident_members,
    incidents_open,
    proposed_alarms,
    proposed_calls,
)
from incidents.services import (
    alarm_attach,
    call_attach,
    incident_close_if_done,
    incident_resolve,
    incident_update,
    intervention_attach,
    subscriber_add,
    subscriber_remove,
)
from telecontrol.choices import AlarmKind, Protocol
from telecontrol.services import plant_alarm_raise


def raise_alarm(plant, key="E1", minutes_ago=0.5):
    return plant_alarm_raise(
        plant=plant,
        kind=AlarmKind.DEVICE,
        key=key,
        source=Protocol.MQTT,
        at=timezone.now() - timedelta(minutes=minutes_ago),
        code=key,
    )


def test_declare_opens_the_lead_case_and_keeps_the_reach(declare, network, users):
    incident = declare(cause="Valve failure", eta=timezone.now() + timedelta(hours=3))
    assert incident.state == IncidentState.OPEN and incident.customer == network["CAB"].customer
    assert (incident.reach_nodes, incident.reach_supply_points) == (8, 68)
    assert len(incident.public_token) >= 40 and incident.declared_by == users["supervisor"]
    lead = incident.lead_intervention
    assert lead.plant == network["CAB"] and lead.status == InterventionStatus.OPEN
    update = IncidentUpdate.objects.get(incident=incident)
    assert (update.position, update.kind, update.public_text) == (
        1,
        UpdateKind.DECLARED,
        incident.public_message,
    )
    member = IncidentMember.objects.get(incident=incident)
    assert (member.intervention, member.how) == (lead, AttachedHow.DECLARED)
    kinds = list(
        Event.objects.filter(subject_type="intervention", subject_id=lead.pk).values_list("kind", flat=True)
    )
    assert kinds == ["intervention.opened", "incident.declared"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"title": "  "}, "title"), ({"public_message": ""}, "public_message"), ({"title": "x" * 201}, "title")],
)
def test_declare_refuses_empty_or_long_text(declare, changes, field):
    with pytest.raises(ValidationError) as error:
        declare(**changes)
    assert field in error.value.message_dict
    assert not MajorIncident.objects.exists() and not Intervention.objects.exists()


def test_one_open_incident_per_node(declare, network, users):
    first = declare()
    with pytest.raises(ValidationError) as error:
        declare(title="Again")
    assert "already open" in error.value.message_dict["node"][0]
    # Another node (even one below) is another incident; a resolved one frees the node.
    assert declare(node="REG1", title="Regulator").pk != first.pk
    incident_resolve(actor=users["supervisor"], incident=first, public_text="Fixed.")
    assert declare(title="The cabin again").state == IncidentState.OPEN


def test_declare_checks_the_customer_and_the_role(declare, network, users):
    customer = network["CAB"].customer
    customer.active = False
    customer.save()
    with pytest.raises(ValidationError) as error:
        declare()
    assert "customer" in error.value.message_dict["node"][0]
    with pytest.raises(PermissionDenied):
        declare(actor=users["operator"], node="REG2")


def test_covering_follows_the_feeders_latest_first(declare, network):
    assert incident_covering(plant_id=network["L1"].pk) is None
    cabin = declare()
    assert incident_covering(plant_id=network["L1"].pk) == cabin
    assert incident_covering(plant_id=network["CAB"].pk) == cabin
    regulator = declare(node="REG1", title="Regulator")
    assert incident_covering(plant_id=network["L1"].pk) == regulator
    assert incident_covering(plant_id=network["B3"].pk) == cabin


def test_call_attach_is_idempotent_and_one_incident_per_call(declare, network, log_call, users):
    call = log_call(network["B1"], minutes_ago=5)
    cabin = declare()
    assert [c.pk for c in proposed_calls(incident=cabin)] == [call.pk]
    member = call_attach(actor=users["operator"], incident=cabin, call=call)
    again = call_attach(actor=users["operator"], incident=cabin, call=call)
    assert again.pk == member.pk and IncidentMember.objects.filter(call=call).count() == 1
    assert proposed_calls(incident=cabin) == []
    cabin.refresh_from_db()
    assert cabin.detected_at == call.received_at  # the first report
    other = declare(node="REG2", title="Other")
    with pytest.raises(ValidationError, match="another major incident"):
        call_attach(actor=users["operator"], incident=other, call=call)
    assert incident_for_call(call=call) == cabin
    assert list(incident_members(incident=cabin).values_list("how", flat=True)) == ["declared", "clicked"]


def test_attaching_to_a_resolved_incident_is_refused(declare, network, log_call, users):
    incident = declare()
    incident_resolve(actor=users["supervisor"], incident=incident, public_text="Fixed.")
    with pytest.raises(ValidationError, match="no longer open"):
        call_attach(actor=users["operator"], incident=incident, call=log_call(network["B1"]))


def test_a_call_on_a_covered_plant_attaches_itself_when_the_incident_says_so(declare, network, log_call):
    manual = declare(node="REG2", title="Manual")
    log_call(network["B3"])
    assert not IncidentMember.objects.filter(incident=manual, call__isnull=False).exists()
    auto = declare(node="REG1", title="Automatic", auto_attach=True)
    call = log_call(network["L2"])
    assert IncidentMember.objects.get(call=call).incident == auto
    assert IncidentMember.objects.get(call=call).how == AttachedHow.RULE
    # Tied to a plant later: the same.
    from dispatch.services import call_update

    later = log_call(None, number="+390298765432")
    assert not IncidentMember.objects.filter(call=later).exists()
    call_update(actor=later.operator, call=later, plant=network["B1"])
    assert IncidentMember.objects.get(call=later).incident == auto


def test_declaring_with_auto_attach_takes_the_recent_calls_and_alarms(declare, network, log_call):
    old = log_call(network["B1"], minutes_ago=90)
    recent = [log_call(network[code], minutes_ago=m) for code, m in (("L1", 20), ("B3", 5), ("B2", 1))]
    outside = log_call(network["REG1"], minutes_ago=1)  # REG1 is not under REG2
    alarm = raise_alarm(network["B3"], minutes_ago=3)
    incident = declare(node="REG2", title="Automatic", auto_attach=True)
    attached = set(
        IncidentMember.objects.filter(incident=incident, call__isnull=False).values_list("call", flat=True)
    )
    assert attached == {recent[1].pk}
    assert IncidentMember.objects.filter(incident=incident, alarm=alarm).exists()
    # The case the alarm opened before the declaration hangs under the incident.
    assert IncidentMember.objects.filter(incident=incident, intervention=alarm.intervention).exists()
    incident.refresh_from_db()
    assert incident.detected_at == recent[1].received_at
    cabin = declare(title="Cabin", auto_attach=True)
    attached = set(
        IncidentMember.objects.filter(incident=cabin, call__isnull=False).values_list("call", flat=True)
    )
    assert attached == {recent[0].pk, recent[2].pk, outside.pk}
    assert old.pk not in attached


def test_an_alarm_under_an_auto_attach_incident_joins_the_lead_case(declare, network):
    incident = declare(auto_attach=True)
    before = Intervention.objects.count()
    alarm = raise_alarm(network["L1"])
    assert Intervention.objects.count() == before
    assert alarm.intervention_id == incident.lead_intervention_id
    member = IncidentMember.objects.get(alarm=alarm)
    assert (member.incident, member.how) == (incident, AttachedHow.ALARM)
    event = Event.objects.filter(
        subject_id=incident.lead_intervention_id, kind="telecontrol.alarm_raised"
    ).get()
    assert event.data["incident"] == incident.pk


def test_an_alarm_under_a_manual_incident_opens_its_case_and_is_proposed(declare, network, users):
    incident = declare()
    alarm = raise_alarm(network["L1"])
    assert alarm.intervention_id != incident.lead_intervention_id
    assert [a.pk for a in proposed_alarms(incident=incident)] == [alarm.pk]
    alarm_attach(actor=users["operator"], incident=incident, alarm=alarm)
    assert IncidentMember.objects.filter(incident=incident, intervention=alarm.intervention).exists()
    assert proposed_alarms(incident=incident) == []


def test_intervention_attach_writes_the_history(declare, network, users):
    incident = declare()
    case = intervention_open(actor=users["operator"], plant=network["B1"], summary="No gas")
    intervention_attach(actor=users["operator"], incident=incident, intervention=case)
    intervention_attach(actor=users["operator"], incident=incident, intervention=case)
    kinds = list(
        Event.objects.filter(subject_type="intervention", subject_id=case.pk).values_list("kind", flat=True)
    )
    assert kinds == ["intervention.opened", "incident.attached"]


def test_updates_in_order_message_then_eta(declare, users):
    incident = declare()
    first = incident_update(actor=users["supervisor"], incident=incident, public_text="Crews on site.")
    eta = timezone.now() + timedelta(hours=2)
    second = incident_update(
        actor=users["supervisor"], incident=incident, public_text="Back by 18:00.", eta=eta
    )
    same = incident_update(actor=users["supervisor"], incident=incident, public_text="Still 18:00.", eta=eta)
    assert [(u.position, u.kind) for u in (first, second, same)] == [
        (2, UpdateKind.MESSAGE),
        (3, UpdateKind.ETA),
        (4, UpdateKind.MESSAGE),
    ]
    incident.refresh_from_db()
    assert incident.eta == eta and incident.public_message == "Still 18:00."
    with pytest.raises(PermissionDenied):
        incident_update(actor=users["operator"], incident=incident, public_text="No.")


def test_resolved_closes_when_its_cases_are_closed(declare, network, users):
    incident = declare()
    case = intervention_open(actor=users["operator"], plant=network["B1"], summary="No gas")
    intervention_attach(actor=users["operator"], incident=incident, intervention=case)
    assert incident_close_if_done(incident=incident) is False  # still open
    update = incident_resolve(actor=users["supervisor"], incident=incident, public_text="Gas is back.")
    incident.refresh_from_db()
    assert (update.kind, incident.state) == (UpdateKind.RESOLVED, IncidentState.RESOLVED)
    assert incident.resolved_at is not None
    assert incident_close_if_done(incident=incident) is False
    for intervention in (incident.lead_intervention, case):
        intervention_cancel(actor=users["supervisor"], intervention=intervention, reason="Fixed upstream")
    assert incident_close_if_done(incident=incident) is True
    assert incident_close_if_done(incident=incident) is False  # once
    incident.refresh_from_db()
    assert incident.state == IncidentState.CLOSED and incident.closed_at is not None
    assert list(incidents_open(user=users["operator"], include_resolved=True)) == []


def test_incidents_open_goes_through_the_access_layer(declare, users):
    incident = declare()
    assert list(incidents_open(user=users["utility"])) == [incident]
    assert list(incidents_open(user=users["utility_b"])) == []
    assert list(incidents_open()) == [incident]


def test_subscribers_once_per_number_in_e164(declare, network, log_call, users):
    incident = declare()
    call = log_call(network["B1"], number="02 1234 5678")
    call_attach(actor=users["operator"], incident=incident, call=call, subscribe=True)
    again = subscriber_add(actor=users["operator"], incident=incident, number="+39 02-1234 5678")
    subscriber = IncidentSubscriber.objects.get(incident=incident)
    assert (subscriber.number, again.pk, subscriber.call) == ("+390212345678", subscriber.pk, call)
    subscriber_remove(actor=users["operator"], subscriber=subscriber)
    subscriber.refresh_from_db()
    assert subscriber.unsubscribed_at is not None
    back = subscriber_add(actor=users["operator"], incident=incident, number="0039 02 12345678")
    assert back.pk == subscriber.pk and back.unsubscribed_at is None
    with pytest.raises(ValidationError):
        subscriber_add(actor=users["operator"], incident=incident, number="not a number")
    with pytest.raises(ValidationError):
        subscriber_add(actor=users["operator"], incident=incident, number="")


def test_a_caller_without_a_plant_finds_the_incident_by_number(declare, network, log_call, users):
    incident = declare()
    subscriber_add(actor=users["operator"], incident=incident, number="+393331112222")
    call = log_call(None, number="333 111 2222")
    assert incident_for_call(call=call) == incident
    assert incident_for_call(call=log_call(None, number="333 000 0000")) is None
