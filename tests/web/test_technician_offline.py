"""The technician's phone without network: the opened page stays readable, "arrived" and
"completed" (with a photo) are kept on the phone, and once back online the server gets each
once, with the times they were taken; the photo arrives shrunk for the network."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from dispatch.choices import InterventionStatus
from dispatch.models import Intervention, InterventionStep, PlantDocument
from tests.dispatch.helpers import intervention_in
from tests.web.conftest import wait_until

pytestmark = [pytest.mark.real_component, pytest.mark.django_db(transaction=True)]


def test_steps_taken_offline_reach_the_server_once_with_their_real_times(signed_in, users, plant, tmp_path):
    intervention = intervention_in(InterventionStatus.ACKNOWLEDGED, users=users, plant=plant)
    page = signed_in("technician", phone=True, path=f"/m/interventions/{intervention.pk}/")
    expect(page.get_by_role("heading", name=f"#{intervention.pk}", exact=False)).to_be_visible()
    # Once the service worker controls the page, what was opened is kept for offline reading.
    assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    wait_until(page, "navigator.serviceWorker.controller !== null")
    page.reload()  # now fetched through the worker, which keeps a copy

    page.context.set_offline(True)
    page.reload()  # no network: the copy
    expect(page.get_by_text(intervention.summary, exact=True)).to_be_visible()
    expect(page.locator("#network")).to_contain_text("offline")

    before = timezone.now()
    page.get_by_role("button", name="Arrived on site").click()
    time.sleep(1.2)
    page.get_by_label("Closing reason").fill("Regulator replaced, no leak left")
    camera_photo = tmp_path / "IMG_0042.png"
    Image.effect_noise((3000, 2000), 60).convert("RGB").save(camera_photo)  # a phone camera's size
    page.get_by_label("Photos (optional)").set_input_files(str(camera_photo))
    page.get_by_role("button", name="Work completed").click()
    after = timezone.now()
    expect(page.locator("#queue")).to_have_text("3 to send")
    assert not InterventionStep.objects.exists()

    page.context.set_offline(False)
    expect(page.locator("#queue")).to_have_text("", timeout=15_000)
    expect(page.locator("#steps-log li.sent")).to_have_count(3)

    steps = {s.action: s for s in InterventionStep.objects.filter(intervention=intervention)}
    assert set(steps) == {"arrive", "photo", "complete"} and InterventionStep.objects.count() == 3
    photo = PlantDocument.objects.get(intervention=intervention, kind="photo")
    assert steps["photo"].document == photo
    with photo.file.open("rb") as handle, Image.open(handle) as received:
        assert received.format == "JPEG" and max(received.size) == 1600 and received.size[1] in (1066, 1067)
    # Shown on the phone once the page is opened again.
    page.reload()
    expect(page.get_by_role("img", name="Photo of", exact=False)).to_have_count(1)
    for step in steps.values():
        assert before - timedelta(seconds=2) <= step.client_time <= after + timedelta(seconds=2)
        assert step.received_at >= after - timedelta(seconds=2) and step.flag == ""
    assert steps["arrive"].client_time < steps["complete"].client_time
    done = Intervention.objects.get(pk=intervention.pk)
    assert done.status == InterventionStatus.COMPLETED
    assert (
        done.arrived_at == steps["arrive"].client_time and done.completed_at == steps["complete"].client_time
    )
    assert done.closing_reason == "Regulator replaced, no leak left"
