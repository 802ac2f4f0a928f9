from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dispatch import services
from dispatch.choices import PlantMatch
from dispatch.models import Call, Event, KnownNumber, PersonalDatum
from dispatch.personal import personal_resolve

from .helpers import call_logged


def test_call_log_records_times_number_operator_and_event(users, plant):
    start = timezone.now() - timedelta(minutes=5)
    call = services.call_log(
        actor=users["operator"],
        caller_number="02 1234 5678",
        received_at=start,
        answered_at=start + timedelta(seconds=20),
        ended_at=start + timedelta(seconds=200),
        line="800-900-000",
        plant=plant,
        call_type="gas_leak",
        notes="Smell of gas",
    )
    call.refresh_from_db()
    assert call.caller_number == "+390212345678"
    assert call.duration_seconds == 200
    assert call.operator == users["operator"]
    assert call.plant_match == PlantMatch.OPERATOR
    (event,) = Event.objects.filter(call=call)
    assert (event.kind, event.seq, event.prev_hash, event.actor_label) == ("call.logged", 1, "", "operator")
    [data] = personal_resolve([event.data])
    assert data["after"]["caller_number"] == "+390212345678"
    # The number itself is kept apart, the event holding only its commitment.
    assert event.data["after"]["caller_number"] == {
        "$personal": PersonalDatum.objects.get(call=call, kind="caller_number").commitment
    }
    assert event.data["after"]["plant"] == plant.code


@pytest.mark.parametrize("role", ["technician", "utility", "norole"])
def test_only_operators_and_supervisors_log_calls(role, users):
    with pytest.raises(PermissionDenied):
        services.call_log(actor=users[role], caller_number="021234567")
    assert not Call.objects.exists()


@pytest.mark.parametrize(
    ("times", "field"),
    [
        ({"answered_at": -10}, "answered_at"),
        ({"ended_at": -10}, "ended_at"),
        ({"answered_at": 60, "ended_at": 30}, "ended_at"),
        ({"ended_at": 3600}, "ended_at"),
    ],
)
def test_impossible_times_are_refused_and_nothing_is_written(times, field, users):
    received = timezone.now() - timedelta(seconds=100)
    kwargs = {name: received + timedelta(seconds=offset) for name, offset in times.items()}
    with pytest.raises(ValidationError) as error:
        services.call_log(actor=users["operator"], caller_number="021234567", received_at=received, **kwargs)
    assert field in error.value.message_dict
    assert not Call.objects.exists() and not Event.objects.exists()


def test_oversized_notes_are_refused(users):
    with pytest.raises(ValidationError) as error:
        services.call_log(actor=users["operator"], caller_number="021234567", notes="x" * 4001)
    assert "notes" in error.value.message_dict
    assert not Call.objects.exists()


def test_known_number_identifies_the_plant(users, plant, other_plant):
    KnownNumber.objects.create(number="+390510000101", plant=other_plant, label="lift alarm line")
    call = services.call_log(actor=users["operator"], caller_number="051 000 0101")
    assert call.plant == other_plant
    assert call.plant_match == PlantMatch.KNOWN_NUMBER


def test_earlier_call_from_the_same_number_suggests_its_plant(users, plant):
    call_logged(users, plant, caller_number="333 1234567", received_at=timezone.now() - timedelta(days=2))
    repeat = services.call_log(actor=users["operator"], caller_number="+39 333 123 4567")
    assert repeat.plant == plant
    assert repeat.plant_match == PlantMatch.EARLIER_CALL


def test_a_number_known_for_two_plants_identifies_neither(users, plant, other_plant):
    for target in (plant, other_plant):
        KnownNumber.objects.create(number="+390212345678", plant=target)
    call = services.call_log(actor=users["operator"], caller_number="02 1234 5678")
    assert call.plant is None and call.plant_match == PlantMatch.NONE


def test_update_before_the_end_may_change_times_and_records_before_after(users, plant):
    received = timezone.now() - timedelta(minutes=3)
    call = call_logged(users, plant, received_at=received)
    ended = received + timedelta(seconds=90)
    call = services.call_update(
        actor=users["operator"], call=call, ended_at=ended, notes="Resolved on the phone"
    )
    assert call.duration_seconds == 90
    event = Event.objects.filter(call=call).order_by("-seq").first()
    assert event.kind == "call.updated" and event.seq == 2
    assert event.data["before"] == {"ended_at": None, "notes": "", "duration_seconds": None}
    assert personal_resolve([event.data])[0]["after"]["notes"] == "Resolved on the phone"
    assert event.data["after"]["duration_seconds"] == 90


def test_recorded_fields_of_an_ended_call_cannot_change(users, plant, other_plant):
    received = timezone.now() - timedelta(minutes=3)
    call = call_logged(users, plant, received_at=received, ended_at=received + timedelta(seconds=60))
    for change in (
        {"received_at": received - timedelta(minutes=1)},
        {"ended_at": received + timedelta(seconds=61)},
        {"caller_number": "0298765432"},
        {"line": "other line"},
    ):
        with pytest.raises(ValidationError) as error:
            services.call_update(actor=users["operator"], call=call, **change)
        assert set(change) <= set(error.value.message_dict)
    # The plant, type and notes can still be completed, each change leaving an event.
    call = services.call_update(
        actor=users["supervisor"], call=call, plant=other_plant, notes="Wrong plant first"
    )
    assert call.plant == other_plant and call.plant_match == PlantMatch.OPERATOR
    assert Event.objects.filter(call=call).count() == 2


def test_update_with_no_change_records_nothing(users, plant):
    call = call_logged(users, plant)
    services.call_update(actor=users["operator"], call=call, notes="", plant=plant)
    assert Event.objects.filter(call=call).count() == 1


@pytest.mark.parametrize("role", ["technician", "utility"])
def test_only_staff_update_calls(role, users, plant):
    call = call_logged(users, plant)
    with pytest.raises(PermissionDenied):
        services.call_update(actor=users[role], call=call, notes="mine")


def test_call_and_its_first_event_are_written_together_or_not_at_all(users, plant, monkeypatch):
    """On PostgreSQL both go in one statement; elsewhere in one transaction. Either way a failed
    event leaves no call behind."""
    from dispatch import history

    real_build = history.event_build

    def broken_build(**kwargs):
        built = real_build(**kwargs)
        built.event.subject_id = -1  # breaks event_subject_matches_fk: the database refuses the row
        return built

    monkeypatch.setattr(history, "event_build", broken_build)
    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError), transaction.atomic():
        services.call_log(actor=users["operator"], caller_number="0212345678", plant=plant)
    assert not Call.objects.exists() and not Event.objects.exists()
