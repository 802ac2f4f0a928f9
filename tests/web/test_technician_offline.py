"""The technician's phone without network: the opened page stays readable, "arrived" and
"completed" are kept on the phone, and once back online the server gets both, once each, with
the times they were taken."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dispatch.choices import InterventionStatus
from dispatch.models import Intervention, InterventionStep
from tests.dispatch.helpers import intervention_in

pytestmark = [pytest.mark.real_component, pytest.mark.django_db(transaction=True)]


def test_steps_taken_offline_reach_the_server_once_with_their_real_times(signed_in, users, plant):
    intervention = intervention_in(InterventionStatus.ACKNOWLEDGED, users=users, plant=plant)
    page = signed_in("technician", phone=True, path=f"/m/interventions/{intervention.pk}/")
    expect(page.get_by_role("heading", name=f"#{intervention.pk}", exact=False)).to_be_visible()
    # Once the service worker controls the page, what was opened is kept for offline reading.
    assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.reload()  # now fetched through the worker, which keeps a copy

    page.context.set_offline(True)
    page.reload()  # no network: the copy
    expect(page.get_by_text(intervention.summary)).to_be_visible()
    expect(page.locator("#network")).to_contain_text("offline")

    before = timezone.now()
    page.get_by_role("button", name="Arrived on site").click()
    time.sleep(1.2)
    page.get_by_label("Closing reason").fill("Regulator replaced, no leak left")
    page.get_by_role("button", name="Work completed").click()
    after = timezone.now()
    expect(page.locator("#queue")).to_have_text("2 to send")
    assert not InterventionStep.objects.exists()

    page.context.set_offline(False)
    expect(page.locator("#queue")).to_have_text("", timeout=15_000)
    expect(page.locator("#steps-log li.sent")).to_have_count(2)

    steps = {s.action: s for s in InterventionStep.objects.filter(intervention=intervention)}
    assert set(steps) == {"arrive", "complete"} and InterventionStep.objects.count() == 2
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
