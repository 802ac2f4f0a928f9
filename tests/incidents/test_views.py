"""The major incidents' pages: declare, the incident page and its one-click attachments, updates
and resolution, the call screen's banner (attach and subscribe), the after-action report and
PDF, the public status page (no sign-in, cacheable, no personal data), the board's incident row
and the wallboard's tile."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch.services import call_log
from incidents.choices import IncidentState, UpdateKind
from incidents.models import IncidentMember, IncidentSubscriber, IncidentUpdate, MajorIncident
from incidents.services import call_attach, incident_resolve, incident_update, intervention_attach
from tests.dispatch.helpers import intervention_in
from tests.factories import PlantFactory

pytestmark = pytest.mark.django_db

NUMBER = "+390212345678"


def test_a_supervisor_declares_from_the_form_with_the_node_filled_from_the_network_panel(browser, network):
    supervisor = browser("supervisor")
    page = supervisor.get(f"/incidents/declare/?node={network['CAB'].pk}")
    assert page.status_code == 200
    assert 'value="CAB"' in page.content.decode()
    response = supervisor.post(
        "/incidents/declare/",
        {"node": "cab", "title": "Cabin down", "public_message": "Gas is off in the area.",
         "cause": "Valve", "eta": "2030-01-01T18:30"},
    )  # fmt: skip
    incident = MajorIncident.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/incidents/{incident.pk}/"
    assert (incident.node, incident.title, incident.cause) == (network["CAB"], "Cabin down", "Valve")
    assert timezone.localtime(incident.eta).strftime("%Y-%m-%d %H:%M") == "2030-01-01 18:30"


def test_the_network_panel_offers_the_declaration_to_supervisors_only(browser, network):
    url = f"/network/plants/{network['CAB'].pk}/panel/"
    assert "/incidents/declare/?node=" in browser("supervisor").get(url).content.decode()
    assert "/incidents/declare/?node=" not in browser("operator").get(url).content.decode()


def test_declaring_an_unknown_code_or_twice_on_a_node_says_why(browser, network, declare):
    supervisor = browser("supervisor")
    body = {"node": "NOPE", "title": "T", "public_message": "M"}
    assert "No plant has the code" in supervisor.post("/incidents/declare/", body).content.decode()
    declare()
    page = supervisor.post("/incidents/declare/", {**body, "node": "CAB"})
    assert page.status_code == 200
    assert "already open" in page.content.decode()
    assert MajorIncident.objects.count() == 1


def test_the_incident_page_proposes_calls_in_reach_and_attaches_one_with_a_click(
    browser, network, declare, log_call, customer
):
    inside, outside = log_call(network["L1"]), log_call(PlantFactory(customer=customer, code="OUT"))
    incident = declare()
    operator = browser("operator")
    page = operator.get(f"/incidents/{incident.pk}/").content.decode()
    assert f'id="proposal-call-{inside.pk}"' in page
    assert f'id="proposal-call-{outside.pk}"' not in page
    response = operator.post(
        f"/incidents/{incident.pk}/attach/", {"kind": "call", "item": inside.pk}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and "Attached" in response.content.decode()
    assert IncidentMember.objects.filter(incident=incident, call=inside).exists()
    again = operator.get(f"/incidents/{incident.pk}/").content.decode()
    assert f'id="proposal-call-{inside.pk}"' not in again
    assert f'href="/calls/{inside.pk}/"' in again


def test_an_open_intervention_in_reach_is_proposed_and_hangs_under_the_incident(
    browser, network, declare, users
):
    case = intervention_in("assigned", users=users, plant=network["B3"])
    incident = declare()
    operator = browser("operator")
    assert (
        f'id="proposal-intervention-{case.pk}"' in operator.get(f"/incidents/{incident.pk}/").content.decode()
    )
    response = operator.post(f"/incidents/{incident.pk}/attach/", {"kind": "intervention", "item": case.pk})
    assert response.status_code == 302
    assert IncidentMember.objects.filter(incident=incident, intervention=case).exists()


def test_supervisors_post_an_update_and_resolve_operators_may_not(browser, declare):
    incident = declare()
    operator = browser("operator")
    assert operator.post(f"/incidents/{incident.pk}/update/", {"public_text": "x"}).status_code == 403
    supervisor = browser("supervisor")
    supervisor.post(
        f"/incidents/{incident.pk}/update/", {"public_text": "Crews on site.", "eta": "2030-01-01T20:00"}
    )
    supervisor.post(f"/incidents/{incident.pk}/update/", {"public_text": "Still working."})
    kinds = list(IncidentUpdate.objects.filter(incident=incident).values_list("kind", flat=True))
    assert kinds == [UpdateKind.DECLARED, UpdateKind.ETA, UpdateKind.MESSAGE]
    supervisor.post(f"/incidents/{incident.pk}/resolve/", {"public_text": "Gas is back."})
    incident.refresh_from_db()
    assert incident.state in (IncidentState.RESOLVED, IncidentState.CLOSED)
    page = supervisor.get(f"/incidents/{incident.pk}/").content.decode()
    assert "Post the update" not in page and "Gas is back." in page


def test_the_call_screen_loads_the_banner_and_attaches_and_subscribes_with_one_click(
    browser, network, declare, log_call
):
    incident = declare(eta=timezone.now() + timedelta(hours=2))
    call = log_call(network["L2"], number=NUMBER)
    operator = browser("operator")
    screen = operator.get(f"/calls/{call.pk}/").content.decode()
    assert f'hx-get="/incidents/calls/{call.pk}/banner/"' in screen
    banner = operator.get(f"/incidents/calls/{call.pk}/banner/").content.decode()
    assert incident.public_message in banner
    assert f'value="{NUMBER}"' in banner
    response = operator.post(
        f"/incidents/{incident.pk}/calls/{call.pk}/attach/",
        {"subscribe": "1", "number": NUMBER},
        HTTP_HX_REQUEST="true",
    )
    assert "This call is attached" in response.content.decode()
    assert IncidentMember.objects.filter(incident=incident, call=call).exists()
    assert IncidentSubscriber.objects.filter(incident=incident, number=NUMBER).exists()


def test_without_the_tick_the_call_is_attached_and_nobody_subscribed(browser, network, declare, log_call):
    incident = declare()
    call = log_call(network["L2"], number=NUMBER)
    response = browser("operator").post(
        f"/incidents/{incident.pk}/calls/{call.pk}/attach/", {"number": NUMBER}
    )
    assert response.status_code == 302 and response["Location"] == f"/calls/{call.pk}/"
    assert IncidentMember.objects.filter(call=call).exists()
    assert not IncidentSubscriber.objects.exists()


def test_no_incident_no_banner_but_it_asks_again(browser, network, log_call):
    call = log_call(network["L2"])
    banner = browser("operator").get(f"/incidents/calls/{call.pk}/banner/").content.decode()
    assert "Major incident" not in banner and 'hx-trigger="every 20s"' in banner


def test_the_status_page_is_public_cacheable_and_holds_no_personal_data(
    client, network, declare, log_call, users
):
    incident = declare(cause="Valve failure reported by Mario Rossi")
    call = log_call(network["L1"], number=NUMBER)
    call_attach(actor=users["operator"], incident=incident, call=call, subscribe=True, number=NUMBER)
    incident_update(actor=users["supervisor"], incident=incident, public_text="Crews on site.")
    response = client.get(f"/status/{incident.public_token}/")
    assert response.status_code == 200
    assert response["Cache-Control"] in ("public, max-age=30", "max-age=30, public")
    assert "Cookie" not in response.get("Vary", "") and not response.cookies
    text = response.content.decode()
    assert "Crews on site." in text and incident.title in text
    for personal in (
        NUMBER,
        "212345678",
        "Mario Rossi",
        users["supervisor"].username,
        users["operator"].username,
    ):
        assert personal not in text
    assert client.get("/status/not-the-token/").status_code == 404


def test_the_after_action_report_and_pdf(browser, network, declare, log_call, users):
    incident = declare()
    for minutes in (5, 3, 3, 1):
        call_attach(
            actor=users["operator"], incident=incident, call=log_call(network["B1"], minutes_ago=minutes)
        )
    incident_resolve(actor=users["supervisor"], incident=incident, public_text="Back.")
    supervisor = browser("supervisor")
    page = supervisor.get(f"/incidents/{incident.pk}/report/").content.decode()
    assert "4 calls" in page and 'id="time-to-resolve"' in page
    pdf = supervisor.get(f"/incidents/{incident.pk}/report.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    # The utility reads its own customer's report; another customer's utility gets 404.
    assert browser("utility").get(f"/incidents/{incident.pk}/report/").status_code == 200
    assert browser("utility_b").get(f"/incidents/{incident.pk}/report/").status_code == 404
    assert browser("technician").get(f"/incidents/{incident.pk}/report/").status_code == 403


def test_after_action_figures(network, declare, log_call, users):
    from incidents.selectors.pages import after_action

    incident = declare()
    for minutes in (10, 4, 4):
        call_attach(
            actor=users["operator"], incident=incident, call=log_call(network["B1"], minutes_ago=minutes)
        )
    incident.refresh_from_db()
    report = after_action(incident=incident)
    assert report.counts["calls"] == 3 and report.peak == 2
    assert sum(count for _start, count in report.calls_per_bucket) == 3
    assert report.to_detect == timedelta(0) and report.to_declare >= timedelta(minutes=9)
    assert report.to_resolve is None
    assert [entry.kind for entry in report.timeline][:1] == ["call"]


def test_the_board_groups_an_incidents_interventions_under_one_row(browser, network, declare, users):
    apart = intervention_in("assigned", users=users, plant=network["REG2"])
    incident = declare(node="REG1")
    child = intervention_in("assigned", users=users, plant=network["B1"])
    intervention_attach(actor=users["operator"], incident=incident, intervention=child)
    rows = browser("operator").get("/board/rows/").content.decode()
    assert f'id="board-incident-{incident.pk}"' in rows
    assert f'data-incident-member="{incident.pk}" hidden class="' in rows
    assert rows.count(f'data-incident-member="{incident.pk}"') == 2  # the incident's own case and the child
    assert f'id="board-iv-{apart.pk}"' in rows
    assert "2 interventions" in rows


def test_the_wallboard_shows_the_open_incidents(browser, declare):
    incident = declare()
    page = browser("supervisor").get("/wallboard/live/").content.decode()
    assert incident.title in page and f'href="/incidents/{incident.pk}/"' in page


def test_who_reads_the_incident_page(browser, declare, network, log_call, users):
    incident = declare()
    call_attach(actor=users["operator"], incident=incident, call=log_call(network["L1"], number=NUMBER))
    technician = browser("technician").get(f"/incidents/{incident.pk}/").content.decode()
    assert incident.public_message in technician and NUMBER not in technician
    utility = browser("utility").get(f"/incidents/{incident.pk}/")
    assert utility.status_code == 200 and NUMBER not in utility.content.decode()
    assert browser("utility_b").get(f"/incidents/{incident.pk}/").status_code == 404
    assert browser("norole").get(f"/incidents/{incident.pk}/").status_code == 403
    listed = browser("utility_b").get("/incidents/").content.decode()
    assert incident.title not in listed


def test_the_incident_page_counts_deliveries_for_supervisors_only(browser, declare):
    incident = declare()
    assert "Deliveries" in browser("supervisor").get(f"/incidents/{incident.pk}/").content.decode()
    assert "Deliveries" not in browser("operator").get(f"/incidents/{incident.pk}/").content.decode()


def test_a_call_without_a_plant_shows_the_banner_from_its_callers_earlier_call(
    browser, network, declare, log_call, users
):
    incident = declare()
    call_attach(actor=users["operator"], incident=incident, call=log_call(network["L1"], number=NUMBER))
    again = call_log(actor=users["operator"], caller_number=NUMBER)
    banner = browser("operator").get(f"/incidents/calls/{again.pk}/banner/").content.decode()
    assert incident.title in banner
