"""From the call screen: open an intervention, pick the suggested technician, follow the
notifications as they travel."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from dispatch import selectors, services
from dispatch.choices import InterventionStatus, PlantKind, Priority
from dispatch.models import Intervention, UserProfile

from .helpers import call_logged, intervention_in

pytestmark = pytest.mark.django_db


def profile(user, *, at=None, **values):
    if at is not None:
        values["latitude"], values["longitude"] = Decimal(at[0]), Decimal(at[1])
    if "latitude" in values:
        values.setdefault("position_at", timezone.now())
    UserProfile.objects.update_or_create(user=user, defaults=values)


def test_technicians_come_on_duty_first_then_skilled_then_nearest_then_least_busy(users, plant, groups):
    from tests.factories import UserFactory

    plant.kind, plant.latitude, plant.longitude = PlantKind.LIFT, Decimal("45.46"), Decimal("9.19")
    plant.save()
    far = UserFactory(username="far", role="technician")
    off = UserFactory(username="off", role="technician")
    profile(
        users["technician"],
        on_duty=True,
        skills=["lift"],
        latitude=Decimal("45.47"),
        longitude=Decimal("9.19"),
    )
    profile(
        users["technician2"],
        on_duty=True,
        skills=["gas_cabin"],
        latitude=Decimal("45.46"),
        longitude=Decimal("9.19"),
    )
    profile(far, on_duty=True, skills=["lift"], latitude=Decimal("45.07"), longitude=Decimal("7.69"))
    profile(off, on_duty=False, skills=["lift"], latitude=Decimal("45.46"), longitude=Decimal("9.19"))

    suggestions = selectors.technicians_suggested(plant=plant)

    assert [s.technician.username for s in suggestions] == ["technician", "far", "technician2", "off"]
    nearest = suggestions[0]
    assert nearest.on_duty and nearest.skilled and 1.0 < nearest.distance_km < 1.2
    assert 120 < suggestions[1].distance_km < 130  # Milan to Turin


def test_a_position_older_than_the_limit_no_longer_counts(users, plant, settings):
    settings.PRONTO_POSITION_MAX_AGE_MINUTES = 60
    plant.latitude, plant.longitude = Decimal("45.46"), Decimal("9.19")
    plant.save()
    stale = timezone.now() - timedelta(minutes=61)
    profile(users["technician"], on_duty=True, at=("45.46", "9.19"), position_at=stale)
    profile(users["technician2"], on_duty=True, at=("45.07", "7.69"))

    suggestions = {s.technician.username: s for s in selectors.technicians_suggested(plant=plant)}

    assert suggestions["technician"].distance_km is None and suggestions["technician"].position_at is None
    assert suggestions["technician2"].distance_km > 100 and suggestions["technician2"].position_at


def test_busier_technicians_come_after_equally_placed_ones(users, plant):
    profile(users["technician"], on_duty=True)
    profile(users["technician2"], on_duty=True)
    intervention_in(InterventionStatus.ASSIGNED, users=users, plant=plant)  # technician is busy

    names = [s.technician.username for s in selectors.technicians_suggested(plant=plant)]

    assert names == ["technician2", "technician"]


def test_opening_from_the_call_assigns_the_chosen_technician_and_shows_the_notifications(
    users, plant, browser, reachable, fake_gateway, django_capture_on_commit_callbacks
):
    call = call_logged(users, plant, notes="Gas smell near the meter")
    client = browser("operator")
    page = client.get(reverse("dispatch:call-detail", args=[call.pk])).content.decode()
    assert "Open the intervention" in page and "Gas smell near the meter" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("dispatch:call-intervention", args=[call.pk]),
            {"summary": "Gas smell near the meter", "priority": str(Priority.CRITICAL),
             "technician": str(users["technician"].pk)},
        )  # fmt: skip

    intervention = Intervention.objects.get(call=call)
    assert response.url == reverse("dispatch:intervention-detail", args=[intervention.pk])
    assert intervention.status == InterventionStatus.ASSIGNED and intervention.priority == Priority.CRITICAL
    assert intervention.technician == users["technician"]
    fragment = client.get(reverse("dispatch:intervention-notifications", args=[intervention.pk]))
    text = fragment.content.decode()
    assert fragment.status_code == 200 and text.startswith('<section id="notifications"')
    assert "+393331234567" in text and "tech@example.net" in text


def test_a_bad_choice_loses_nothing_and_says_why(users, plant, browser):
    call = call_logged(users, plant)
    client = browser("operator")
    response = client.post(
        reverse("dispatch:call-intervention", args=[call.pk]),
        {"summary": "Leak", "technician": str(users["supervisor"].pk)},  # not a technician
        follow=True,
    )
    assert not Intervention.objects.filter(call=call).exists()  # opened and assigned, or neither
    assert "Choose an active technician." in response.content.decode()


@pytest.mark.parametrize("name", ["technician", "utility"])
def test_only_staff_open_interventions_from_a_call(users, plant, browser, name):
    call = call_logged(users, plant)
    response = browser(name).post(reverse("dispatch:call-intervention", args=[call.pk]), {"summary": "x"})
    assert response.status_code == 403
    assert not Intervention.objects.exists()


def test_only_staff_follow_the_notifications(users, plant, browser):
    intervention = intervention_in(InterventionStatus.ASSIGNED, users=users, plant=plant)
    url = reverse("dispatch:intervention-notifications", args=[intervention.pk])
    assert browser("technician").get(url).status_code == 403
    assert browser("supervisor").get(url).status_code == 200


def test_the_plant_is_set_on_the_call_by_its_code(users, plant, browser):
    call = services.call_log(actor=users["operator"], caller_number="+39 02 0000 1111")
    client = browser("operator")
    client.post(reverse("dispatch:call-plant", args=[call.pk]), {"plant_code": plant.code.lower()})
    call.refresh_from_db()
    assert call.plant == plant
    response = client.post(
        reverse("dispatch:call-plant", args=[call.pk]), {"plant_code": "NOPE"}, follow=True
    )
    assert "No plant with code NOPE." in response.content.decode()
    assert browser("technician").post(reverse("dispatch:call-plant", args=[call.pk]), {}).status_code == 403
