"""The phone's step id is the phone's own: it is unique per intervention and technician, so
another technician re-sending it learns nothing of the first one's intervention."""

import uuid

import pytest
from django.utils import timezone

from dispatch import services
from dispatch.choices import InterventionStatus as S
from dispatch.models import InterventionStep
from tests.dispatch.helpers import intervention_in

pytestmark = pytest.mark.django_db


def test_another_technicians_step_id_is_a_new_step_on_ones_own_intervention(users, plant, client_for):
    first = intervention_in(S.ACKNOWLEDGED, users=users, plant=plant)
    second = services.intervention_open(actor=users["operator"], plant=plant, summary="Another")
    services.intervention_assign(
        actor=users["operator"], intervention=second, technician=users["technician2"]
    )
    step_id = str(uuid.uuid4())
    payload = {"step_id": step_id, "action": "arrive", "client_time": timezone.now().isoformat()}
    mine = client_for("technician").post(f"/api/interventions/{first.pk}/steps/", payload, format="json")
    assert mine.status_code == 201 and mine.json()["status"] == "on_site"

    theirs = client_for("technician2").post(
        f"/api/interventions/{second.pk}/steps/", {**payload, "action": "acknowledge"}, format="json"
    )

    assert theirs.status_code == 201, theirs.content
    assert theirs.json()["applied"] is True and theirs.json()["status"] == "acknowledged"
    assert InterventionStep.objects.filter(step_id=step_id).count() == 2


def test_the_same_step_resent_by_its_technician_is_applied_once(users, plant, client_for):
    intervention = intervention_in(S.ACKNOWLEDGED, users=users, plant=plant)
    payload = {"step_id": str(uuid.uuid4()), "action": "arrive", "client_time": timezone.now().isoformat()}
    phone = client_for("technician")
    codes = [phone.post(f"/api/interventions/{intervention.pk}/steps/", payload, format="json").status_code
             for _ in range(2)]  # fmt: skip
    assert codes == [201, 200]
    assert InterventionStep.objects.filter(intervention=intervention).count() == 1
