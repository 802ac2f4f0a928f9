"""Faxes and photos belong to their intervention: only staff and the technicians ever assigned
to it reach them (the plant's own archive stays open to every technician); a utility user sees
its interventions' photos, never the faxes (addressed to a technician's fax number)."""

import uuid

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from dispatch import services
from dispatch.choices import DocumentKind
from dispatch.choices import InterventionStatus as S
from dispatch.models import PlantDocument
from tests.dispatch.helpers import call_logged, intervention_in

pytestmark = pytest.mark.django_db

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360606060000000050001a5f645400000000049454e44ae426082"
)


@pytest.fixture
def files(users, plant):
    call = call_logged(users, plant)
    intervention = intervention_in(S.ASSIGNED, users=users, plant=plant, call=call)
    archive = PlantDocument(plant=plant, title="Cabin drawing")
    archive.file.save("drawing.pdf", ContentFile(b"%PDF-1.4 cabin drawing"))
    fax = PlantDocument(
        plant=plant, intervention=intervention, kind=DocumentKind.FAX, title="Fax #1 -> +390298765432"
    )
    fax.file.save("fax-intervention.pdf", ContentFile(b"%PDF-1.4 caller +39 02 1234 5678"))
    step, _ = services.intervention_step_apply(
        actor=users["technician"], intervention=intervention, step_id=uuid.uuid4(), action="photo",
        client_time=timezone.now(), photo=ContentFile(PNG, name="site.png"),
    )  # fmt: skip
    return {"intervention": intervention, "archive": archive, "fax": fax, "photo": step.document}


def _listed(client_for, who, plant):
    response = client_for(who).get(f"/api/plants/{plant.pk}/")
    assert response.status_code == 200
    return {item["id"] for item in response.json()["documents"]}


def test_another_technician_lists_and_downloads_only_the_plant_archive(files, plant, client_for, browser):
    listed = _listed(client_for, "technician2", plant)
    assert listed == {files["archive"].pk}
    page = browser("technician2")
    assert page.get(f"/plants/{plant.pk}/documents/{files['archive'].pk}/").status_code == 200
    assert page.get(f"/plants/{plant.pk}/documents/{files['fax'].pk}/").status_code == 404
    assert page.get(f"/plants/{plant.pk}/documents/{files['photo'].pk}/").status_code == 404


def test_the_assigned_technician_and_staff_reach_all_three(files, plant, client_for, browser):
    everything = {files["archive"].pk, files["fax"].pk, files["photo"].pk}
    for who in ("technician", "operator", "supervisor"):
        assert _listed(client_for, who, plant) == everything, who
        for name in ("archive", "fax", "photo"):
            url = f"/plants/{plant.pk}/documents/{files[name].pk}/"
            assert browser(who).get(url).status_code == 200, (who, name)


def test_a_technician_once_assigned_keeps_the_interventions_files(files, users, plant, browser):
    services.intervention_assign(
        actor=users["operator"], intervention=files["intervention"], technician=users["technician2"]
    )
    before = browser("technician")
    assert before.get(f"/plants/{plant.pk}/documents/{files['photo'].pk}/").status_code == 200
    assert before.get(f"/plants/{plant.pk}/documents/{files['fax'].pk}/").status_code == 200
    now = browser("technician2")
    assert now.get(f"/plants/{plant.pk}/documents/{files['photo'].pk}/").status_code == 200


def test_the_utility_sees_its_interventions_photos_not_the_faxes(files, plant, client_for, browser):
    assert _listed(client_for, "utility", plant) == {files["archive"].pk, files["photo"].pk}
    page = browser("utility")
    assert page.get(f"/plants/{plant.pk}/documents/{files['fax'].pk}/").status_code == 404
    assert page.get(f"/plants/{plant.pk}/documents/{files['photo'].pk}/").status_code == 200


def test_the_intervention_page_shows_photos_only_to_whoever_may_fetch_them(files, users, browser):
    """The photos on the intervention's page go through the same rule as the downloads."""
    services.intervention_assign(
        actor=users["operator"], intervention=files["intervention"], technician=users["technician2"]
    )
    url = f"/plants/{files['photo'].plant_id}/documents/{files['photo'].pk}/"
    page = browser("technician2").get(f"/m/interventions/{files['intervention'].pk}/")
    assert page.status_code == 200 and url in page.content.decode()


def test_the_assignment_email_attaches_only_what_the_technician_may_read(users, plant, reachable, settings):
    """The archive's documents marked for assignments go with the email; a fax or photo marked
    so by mistake in the admin does not (it belongs to another intervention)."""
    from notifications.models import ContactPoint, Notification

    ContactPoint.objects.create(
        user=users["technician2"], channel="email", address="t2@example.net", position=1
    )
    earlier = intervention_in(S.ASSIGNED, users=users, plant=plant)
    archive = PlantDocument(plant=plant, title="Manual", attach_to_assignments=True)
    archive.file.save("manual.pdf", ContentFile(b"%PDF-1.4 manual"))
    fax = PlantDocument(
        plant=plant, intervention=earlier, kind=DocumentKind.FAX, title="Fax", attach_to_assignments=True
    )
    fax.file.save("fax.pdf", ContentFile(b"%PDF-1.4 fax"))
    later = services.intervention_open(actor=users["operator"], plant=plant, summary="Another smell")
    services.intervention_assign(actor=users["operator"], intervention=later, technician=users["technician2"])
    sent = Notification.objects.filter(intervention=later, channel="email")
    attached = {item.get("document") for row in sent for item in row.attachments}
    assert sent.exists() and attached == {archive.pk}
