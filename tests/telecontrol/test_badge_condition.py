"""The badge decided in the database (``plant_badge_condition``, the board's plant-state filter)
agrees with the badge the screens show (``plant_badges``) for every state and every source of
staleness, and costs the same whatever the number of plants."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dispatch.models import Plant
from telecontrol.choices import BadgeState, CheckOutcome, Protocol
from telecontrol.models import PlantTelecontrol, TelecontrolProfile
from telecontrol.selectors import plant_badge_condition, plant_badges
from tests.factories import PlantFactory

from .test_badges import state

pytestmark = pytest.mark.django_db

CASES = [
    {},
    {"active": False},
    {"active": None},
    {"anomaly": True, "alarm_code": "E42"},
    {"anomaly": True, "out_of_service": True},
    {"anomaly": None, "out_of_service": None, "active": None},
    {"out_of_service": True, "age_seconds": 3600},
    {"comms_lost": True, "anomaly": True},
    {"age_seconds": None, "outcome": CheckOutcome.TIMEOUT, "error": "timed out"},
    {"age_seconds": None, "outcome": CheckOutcome.NO_DATA},
    None,  # never heard of
]


@pytest.fixture
def plants():
    made = []
    for values in CASES:
        plant = PlantFactory()
        if values is not None:
            state(plant, **values)
        made.append(plant)
    # Staleness from the plant's own profile, from its kind's, and the default (300 s).
    TelecontrolProfile.objects.update_or_create(plant_kind="lift", defaults={"stale_after_seconds": 60})
    patient, _ = TelecontrolProfile.objects.update_or_create(
        plant_kind="water", defaults={"stale_after_seconds": 7200}
    )
    TelecontrolProfile.objects.filter(plant_kind="other").delete()
    for kind, own_profile, age in [
        ("lift", patient, 600), ("lift", None, 600), ("lift", None, 30),
        ("other", None, 200), ("other", None, 400),
    ]:  # fmt: skip
        plant = PlantFactory(kind=kind)
        PlantTelecontrol.objects.create(plant=plant, protocol=Protocol.MQTT, profile=own_profile)
        state(plant, age_seconds=age)
        made.append(plant)
    return made


@pytest.mark.parametrize("badge", BadgeState.values)
def test_the_condition_picks_the_plants_whose_badge_is_asked_for(plants, badge):
    shown = plant_badges(plant_ids=[p.pk for p in plants])
    expected = {pk for pk, b in shown.items() if b.state == badge}
    assert expected, f"no plant shows {badge}: the cases above must cover it"

    picked = set(
        Plant.objects.filter(plant_badge_condition(states=[badge], plant="pk")).values_list("pk", flat=True)
    )

    assert picked == expected


@pytest.mark.parametrize(
    "wanted",
    [
        {BadgeState.STALE, BadgeState.UNKNOWN, BadgeState.INACTIVE},
        {BadgeState.STALE, BadgeState.ANOMALY},
        # Most states: written the other way round (no state outside them), same answer.
        set(BadgeState.values) - {BadgeState.INACTIVE, BadgeState.UNKNOWN},
        set(BadgeState.values) - {BadgeState.ACTIVE},
        set(BadgeState.values),
    ],
    ids=["three", "two", "all-but-inactive-and-unknown", "all-but-active", "all"],
)
def test_several_states_at_once_and_a_fixed_cost(plants, wanted):
    shown = plant_badges(plant_ids=[p.pk for p in plants])
    condition = plant_badge_condition(states=wanted, plant="pk")
    with CaptureQueriesContext(connection) as queries:
        picked = set(Plant.objects.filter(condition).values_list("pk", flat=True))
    assert picked == {pk for pk, b in shown.items() if b.state in wanted}
    assert len(queries) == 1
