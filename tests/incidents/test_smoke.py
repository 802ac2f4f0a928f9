from incidents.choices import IncidentState
from incidents.models import IncidentMember, IncidentUpdate
from incidents.selectors.core import incident_covering, proposed_calls
from incidents.services import call_attach


def test_declare_and_attach(declare, network, log_call, users):
    call = log_call(network["L1"])
    incident = declare()
    assert incident.state == IncidentState.OPEN
    assert incident_covering(plant_id=network["L1"].pk) == incident
    assert proposed_calls(incident=incident) == [call]
    member = call_attach(actor=users["operator"], incident=incident, call=call)
    assert call_attach(actor=users["operator"], incident=incident, call=call) == member
    assert IncidentUpdate.objects.filter(incident=incident).count() == 1
    assert IncidentMember.objects.filter(incident=incident).count() == 2
