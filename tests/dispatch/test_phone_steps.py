"""Steps from the technician's phone: applied once, at the phone's time when plausible, flagged
otherwise; only the assigned technician; the pages under /m/."""

import hashlib
import io
import re
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dispatch.choices import InterventionStatus
from dispatch.models import Event, InterventionStep, PlantDocument
from dispatch.personal import personal_resolve

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


def shows_case(html: str, pk: int) -> bool:
    return re.search(rf"#{pk}(?![0-9A-Za-z])", html) is not None


def test_the_phone_pages_show_the_plants_record_and_the_steps(users, plant, browser):
    intervention = intervention_in(InterventionStatus.ASSIGNED, users=users, plant=plant)
    earlier = intervention_in(InterventionStatus.CANCELLED, users=users, plant=plant)
    client = browser("technician")

    listing = client.get(reverse("dispatch:m-list")).content.decode()
    # Followed by neither a digit nor a letter: #1024 is not the theme colour #10243e.
    assert shows_case(listing, intervention.pk) and not shows_case(listing, earlier.pk)
    page = client.get(reverse("dispatch:m-intervention", args=[intervention.pk])).content.decode()
    assert 'data-step="arrive"' in page and 'data-step="complete"' in page
    assert "Past interventions on this plant" in page and shows_case(page, earlier.pk)
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


def photo_file(name="site.jpg", size=(64, 48), image_format="JPEG", color=(200, 30, 30)):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=image_format)
    content_type = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif"}[image_format]
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type)


def photo_step(client, intervention, photo, *, step_id=None, note="", at=None):
    payload = {
        "step_id": str(step_id or uuid.uuid4()),
        "action": "photo",
        "client_time": (at or timezone.now()).isoformat(),
        "note": note,
        "photo": photo,
    }
    return client.post(f"/api/interventions/{intervention.pk}/steps/", payload, format="multipart")


def test_a_photo_from_the_site_is_kept_once_in_the_plants_archive_with_its_intervention(
    users, plant, client_for
):
    intervention = intervention_in(InterventionStatus.ON_SITE, users=users, plant=plant)
    phone = client_for("technician")
    taken = timezone.now() - timedelta(minutes=3)
    step_id = uuid.uuid4()
    sent = photo_file()
    content = sent.read()
    sent.seek(0)

    first = photo_step(phone, intervention, sent, step_id=step_id, note="Meter after the repair", at=taken)
    again = photo_step(phone, intervention, photo_file(), step_id=step_id, at=taken)  # answer was lost

    assert (first.status_code, again.status_code) == (201, 200)
    document = PlantDocument.objects.get()
    assert (document.plant, document.intervention, document.kind) == (plant, intervention, "photo")
    assert document.title == "Meter after the repair" and document.uploaded_by == users["technician"]
    with document.file.open("rb") as handle:
        assert handle.read() == content
    recorded = InterventionStep.objects.get(step_id=step_id)
    assert recorded.document == document and recorded.client_time == taken
    event = Event.objects.get(intervention=intervention, kind="intervention.phone_step")
    # The document's id is kept apart (the photo is personal data, ADR 0002); the digest stays.
    assert personal_resolve([event.data])[0]["photo"] == document.pk
    assert event.data["photo_sha256"] == hashlib.sha256(content).hexdigest()
    intervention.refresh_from_db()
    assert intervention.status == InterventionStatus.ON_SITE  # a photo changes no state


def test_photos_show_inline_to_those_who_see_the_plant_and_not_to_others(users, plant, client_for, browser):
    intervention = intervention_in(InterventionStatus.COMPLETED, users=users, plant=plant)
    assert photo_step(client_for("technician"), intervention, photo_file()).status_code == 201
    document = PlantDocument.objects.get()
    url = reverse("dispatch:plant-document", args=[plant.pk, document.pk])

    shown = browser("supervisor").get(url)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    assert not shown["Content-Disposition"].startswith("attachment")
    assert url in browser("supervisor").get(reverse("dispatch:desk")).content.decode()
    detail = reverse("dispatch:intervention-detail", args=[intervention.pk])
    assert url in browser("operator").get(detail).content.decode()
    phone_page = reverse("dispatch:m-intervention", args=[intervention.pk])
    assert url in browser("technician").get(phone_page).content.decode()
    assert browser("utility_b").get(url).status_code == 404


def test_a_photo_arriving_after_the_close_is_still_kept(users, plant, client_for):
    intervention = intervention_in(InterventionStatus.CLOSED, users=users, plant=plant)
    response = photo_step(client_for("technician"), intervention, photo_file())
    assert response.status_code == 201 and PlantDocument.objects.filter(intervention=intervention).exists()


@pytest.mark.parametrize(
    "photo, field",
    [
        (lambda: photo_file("x.gif", image_format="GIF"), "photo"),
        (
            lambda: __import__("django.core.files.uploadedfile", fromlist=["x"]).SimpleUploadedFile(
                "x.jpg", b"<html>not an image</html>", content_type="image/jpeg"
            ),
            "photo",
        ),  # fmt: skip
        (lambda: None, "photo"),
    ],
    ids=["gif", "not-an-image", "missing"],
)
def test_bad_photos_are_refused_with_the_reason_and_nothing_is_kept(users, plant, client_for, photo, field):
    intervention = intervention_in(InterventionStatus.ON_SITE, users=users, plant=plant)
    payload = {"step_id": str(uuid.uuid4()), "action": "photo", "client_time": timezone.now().isoformat()}
    if photo() is not None:
        payload["photo"] = photo()
    response = client_for("technician").post(
        f"/api/interventions/{intervention.pk}/steps/", payload, format="multipart"
    )
    assert response.status_code == 400 and field in response.json()
    assert not PlantDocument.objects.exists() and not InterventionStep.objects.exists()


def test_a_photo_larger_than_the_limit_is_refused(users, plant, client_for, settings):
    settings.PRONTO_PHOTO_MAX_BYTES = 1000
    intervention = intervention_in(InterventionStatus.ON_SITE, users=users, plant=plant)
    big = photo_file(size=(800, 600), image_format="PNG")
    response = photo_step(client_for("technician"), intervention, big)
    assert response.status_code == 400 and "larger" in response.json()["photo"][0]
    assert not PlantDocument.objects.exists()


def test_a_photo_step_needs_the_photo_and_other_steps_refuse_one(users, plant, client_for):
    intervention = intervention_in(InterventionStatus.ON_SITE, users=users, plant=plant)
    payload = {
        "step_id": str(uuid.uuid4()),
        "action": "note",
        "note": "x",
        "client_time": timezone.now().isoformat(),
        "photo": photo_file(),
    }
    response = client_for("technician").post(
        f"/api/interventions/{intervention.pk}/steps/", payload, format="multipart"
    )
    assert response.status_code == 400 and "photo" in response.json()
