"""Steps from the technician's phone: applied once, at the phone's time when plausible, flagged
otherwise; only the assigned technician; the pages under /m/."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dispatch.choices import InterventionStatus
from dispatch.models import Event, InterventionStep

from .helpers import intervention_in

pytestmark = pytest.mark.django_db


def step(client, intervention, action, *, at=None, step_id=None, **extra):
    payload = {
        "step_id": str(step_id or uuid.uuid4()),
        "action": action,
        "client_time": (at or timezone.now()).isoformat(),
        **extra,
    }
    return client.post(f"/api/interventions/{intervention.pk}/steps/", payload, format="json")


def test_steps_taken_offline_apply_once_at_the_phones_time(users, plant, client_for):
    intervention = intervention_in(InterventionStatus.ACKNOWLEDGED, users=users, plant=plant)
    phone = client_for("technician")
    arrived = timezone.now() - timedelta(minutes=40)
    completed = timezone.now() - timedelta(minutes=5)
    arrive_id = uuid.uuid4()

    first = step(phone, intervention, "arrive", at=arrived, step_id=arrive_id)
    again = step(phone, intervention, "arrive", at=arrived, step_id=arrive_id)  # the answer was lost
    done = step(phone, intervention, "complete", at=completed, closing_reason="Valve replaced")

    assert (first.status_code, again.status_code, done.status_code) == (201, 200, 201)
    assert again.json()["applied"] is False and done.json()["status"] == "completed"
    intervention.refresh_from_db()
    assert intervention.arrived_at == arrived and intervention.completed_at == completed
    assert intervention.closing_reason == "Valve replaced"
    assert InterventionStep.objects.filter(intervention=intervention).count() == 2
    recorded = InterventionStep.objects.get(step_id=arrive_id)
    assert recorded.client_time == arrived and recorded.received_at > arrived and recorded.flag == ""
    assert Event.objects.filter(intervention=intervention, kind="intervention.phone_step").count() == 2


def test_implausible_phone_times_are_flagged_and_the_servers_is_used(users, plant, client_for):
    intervention = intervention_in(InterventionStatus.ACKNOWLEDGED, users=users, plant=plant)
    phone = client_for("technician")

    ahead = step(phone, intervention, "arrive", at=timezone.now() + timedelta(hours=3)).json()
    stale = step(phone, intervention, "note", at=timezone.now() - timedelta(days=3), note="old").json()

    assert "ahead" in ahead["flag"] and "before receipt" in stale["flag"]
    intervention.refresh_from_db()
    assert abs((intervention.arrived_at - timezone.now()).total_seconds()) < 60


def test_a_step_the_state_no_longer_allows_is_kept_with_the_reason(users, plant, client_for, client):
    intervention = intervention_in(InterventionStatus.ACKNOWLEDGED, users=users, plant=plant)
    from dispatch import services

    services.intervention_cancel(actor=users["supervisor"], intervention=intervention, reason="duplicate")

    response = step(client_for("technician"), intervention, "arrive")

    assert response.status_code == 201 and response.json()["outcome"]
    assert InterventionStep.objects.get().outcome


@pytest.mark.parametrize("name, status", [("technician2", 404), ("operator", 403), ("utility", 403)])
def test_only_the_assigned_technician_sends_steps(users, plant, client_for, name, status):
    intervention = intervention_in(InterventionStatus.ACKNOWLEDGED, users=users, plant=plant)
    assert step(client_for(name), intervention, "arrive").status_code == status
    assert not InterventionStep.objects.exists()


def test_bad_steps_are_refused_with_the_field(users, plant, client_for):
    intervention = intervention_in(InterventionStatus.ACKNOWLEDGED, users=users, plant=plant)
    response = step(client_for("technician"), intervention, "dance")
    assert response.status_code == 400 and "action" in response.json()
    response = client_for("technician").post(
        f"/api/interventions/{intervention.pk}/steps/", {"action": "arrive"}, format="json"
    )
    assert response.status_code == 400 and {"step_id", "client_time"} <= set(response.json())


def test_the_phone_pages_show_the_plants_record_and_the_steps(users, plant, browser):
    intervention = intervention_in(InterventionStatus.ASSIGNED, users=users, plant=plant)
    earlier = intervention_in(InterventionStatus.CANCELLED, users=users, plant=plant)
    client = browser("technician")

    listing = client.get(reverse("dispatch:m-list")).content.decode()
    assert f"#{intervention.pk}" in listing and f"#{earlier.pk}" not in listing
    page = client.get(reverse("dispatch:m-intervention", args=[intervention.pk])).content.decode()
    assert 'data-step="arrive"' in page and 'data-step="complete"' in page
    assert "Past interventions on this plant" in page and f"#{earlier.pk}" in page
    assert 'rel="manifest"' in page and "technician.js" in page


def test_others_opening_the_phone_link_get_the_desktop_page(users, plant, browser):
    intervention = intervention_in(InterventionStatus.ASSIGNED, users=users, plant=plant)
    response = browser("supervisor").get(reverse("dispatch:m-intervention", args=[intervention.pk]))
    assert response.url == reverse("dispatch:intervention-detail", args=[intervention.pk])
    assert browser("operator").get(reverse("dispatch:m-list")).status_code == 403


def test_the_service_worker_and_manifest_are_served_for_the_phone_pages(client):
    worker = client.get(reverse("dispatch:m-sw"))
    assert worker.status_code == 200 and worker["Content-Type"].startswith("text/javascript")
    assert "technician.js" in worker.content.decode()
    manifest = client.get(reverse("dispatch:m-manifest")).json()
    assert manifest["scope"] == "/m/" and manifest["start_url"] == "/m/"
