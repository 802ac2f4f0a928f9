"""Pages: the outbox (what the embedded gateway kept, failed notifications), callbacks, and the
notifications on an intervention page. Staff only; the server refuses the others."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch import services as dispatch_services
from dispatch.models import Callback
from tests.dispatch.helpers import call_logged

pytestmark = pytest.mark.django_db


@pytest.fixture
def assigned(reachable, plant, django_capture_on_commit_callbacks, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call = call_logged(reachable, plant)
    intervention = dispatch_services.intervention_open(actor=reachable["operator"], call=call, summary="Leak")
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_services.intervention_assign(
            actor=reachable["operator"], intervention=intervention, technician=reachable["technician"]
        )
    return intervention


def test_the_outbox_shows_what_the_embedded_gateway_kept(assigned, browser):
    page = browser("supervisor").get("/outbox/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "+393331234567" in text and "tech@example.net" in text and "nothing leaves this machine" in text
    assert f"fax-intervention-{assigned.pk}-" in text


def test_the_intervention_page_lists_its_notifications_for_staff_only(assigned, browser):
    staff_page = browser("operator").get(f"/interventions/{assigned.pk}/").content.decode()
    assert "<h2>Notifications</h2>" in staff_page and 'class="notification-delivered"' in staff_page
    technician_page = browser("technician").get(f"/interventions/{assigned.pk}/")
    assert technician_page.status_code == 200
    assert "<h2>Notifications</h2>" not in technician_page.content.decode()


@pytest.mark.parametrize("page", ["/outbox/", "/callbacks/"])
@pytest.mark.parametrize("role", ["technician", "utility", "norole"])
def test_staff_pages_refuse_other_roles(users, browser, page, role):
    assert browser(role).get(page).status_code == 403


def test_a_callback_scheduled_from_the_call_page_is_listed_and_completed(users, plant, browser):
    call = call_logged(users, plant)
    operator = browser("operator")
    due = timezone.localtime() + timedelta(minutes=20)
    response = operator.post(
        f"/calls/{call.pk}/callback/", {"due_at": due.strftime("%Y-%m-%dT%H:%M"), "note": "Give the outcome"}
    )
    assert response.status_code == 302
    callback = Callback.objects.get(call=call)
    assert callback.number == call.caller_number and callback.assigned_to == users["operator"]
    listing = operator.get("/callbacks/").content.decode()
    assert "Give the outcome" in listing and f"tel:{call.caller_number}" in listing
    operator.post("/callbacks/", {"callback": callback.pk, "outcome": "Reached the caller"})
    callback.refresh_from_db()
    assert callback.status == "done" and callback.outcome == "Reached the caller"


def test_a_technician_cannot_schedule_by_forging_the_post(users, plant, browser):
    call = call_logged(users, plant)
    due = (timezone.localtime() + timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M")
    assert browser("technician").post(f"/calls/{call.pk}/callback/", {"due_at": due}).status_code == 403
    assert not Callback.objects.exists()
