"""The one-word badge of a plant's live state: the order of the checks and the query count."""

from datetime import timedelta

import pytest
from django.utils import timezone

from telecontrol.choices import BadgeState, CheckOutcome, Protocol
from telecontrol.models import PlantState, PlantTelecontrol, TelecontrolProfile
from telecontrol.selectors import plant_badges
from tests.factories import PlantFactory

pytestmark = pytest.mark.django_db


def state(plant, *, age_seconds=10, **values):
    now = timezone.now()
    fields = {
        "source": Protocol.MQTT,
        "outcome": CheckOutcome.OK,
        "active": True,
        "anomaly": False,
        "out_of_service": False,
        "observed_at": now - timedelta(seconds=age_seconds) if age_seconds is not None else None,
        "watched_since": now - timedelta(days=1),
    }
    fields.update(values)
    return PlantState.objects.create(plant=plant, **fields)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({}, BadgeState.ACTIVE),
        ({"active": False}, BadgeState.INACTIVE),
        ({"anomaly": True, "alarm_code": "E42"}, BadgeState.ANOMALY),
        ({"anomaly": True, "out_of_service": True}, BadgeState.OUT_OF_SERVICE),
        ({"out_of_service": True, "age_seconds": 3600}, BadgeState.STALE),
        ({"comms_lost": True, "anomaly": True}, BadgeState.UNREACHABLE),
        (
            {"age_seconds": None, "outcome": CheckOutcome.TIMEOUT, "error": "timed out"},
            BadgeState.UNREACHABLE,
        ),
        ({"age_seconds": None, "outcome": CheckOutcome.NO_DATA}, BadgeState.UNKNOWN),
    ],
)
def test_the_badge_says_the_most_pressing_thing_first(values, expected):
    plant = PlantFactory()
    state(plant, **values)
    badge = plant_badges(plant_ids=[plant.pk])[plant.pk]
    assert badge.state == expected
    assert badge.label == BadgeState(expected).label


def test_staleness_follows_the_plants_profile_then_its_kinds():
    own, by_kind = PlantFactory(kind="lift"), PlantFactory(kind="lift")
    TelecontrolProfile.objects.update_or_create(plant_kind="lift", defaults={"stale_after_seconds": 60})
    patient, _ = TelecontrolProfile.objects.update_or_create(
        plant_kind="water", defaults={"stale_after_seconds": 7200}
    )
    PlantTelecontrol.objects.create(plant=own, protocol=Protocol.MQTT, profile=patient)
    state(own, age_seconds=600)
    state(by_kind, age_seconds=600)
    badges = plant_badges(plant_ids=[own.pk, by_kind.pk])
    assert badges[own.pk].state == BadgeState.ACTIVE
    assert badges[by_kind.pk].state == BadgeState.STALE


def test_plants_without_data_are_unknown_and_the_count_of_queries_is_fixed(django_assert_num_queries):
    plants = [PlantFactory() for _ in range(5)]
    for plant in plants[:3]:
        state(plant, anomaly=True)
    with django_assert_num_queries(2):  # the states, and the kinds' profiles (then kept a while)
        badges = plant_badges(plant_ids=[p.pk for p in plants])
    with django_assert_num_queries(1):
        assert plant_badges(plant_ids=[p.pk for p in plants]) == badges
    assert [badges[p.pk].state for p in plants] == [BadgeState.ANOMALY] * 3 + [BadgeState.UNKNOWN] * 2
    assert plant_badges(plant_ids=[]) == {}
