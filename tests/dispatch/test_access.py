"""The access layer itself: each model's declared visibility applied to any queryset. The access
matrix (tests/architecture/test_access_matrix.py) checks every route on top of it."""

import pytest
from django.contrib.auth.models import Group
from django.http import Http404

from dispatch import access
from dispatch.choices import InterventionStatus as S
from dispatch.models import Call, Callback, Customer, Intervention, Plant, TelephonyReceipt
from tests.factories import UserFactory

from .helpers import call_logged, intervention_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(users, plant, other_plant):
    call = call_logged(users, plant)
    mine = intervention_in(S.ASSIGNED, users=users, plant=plant, call=call)
    # A second intervention on the same call, also the technician's: the call is listed once.
    intervention_in(S.ASSIGNED, users=users, plant=plant, call=call)
    other_call = call_logged(users, other_plant, caller_number="051 765 4321")
    theirs = intervention_in(S.OPEN, users=users, plant=other_plant, call=other_call)
    return {"call": call, "other_call": other_call, "mine": mine, "theirs": theirs}


def ids(queryset):
    return sorted(queryset.values_list("pk", flat=True))


def test_staff_see_every_row(users, world):
    for name in ("operator", "supervisor"):
        assert ids(access.restrict(Call.objects.all(), users[name])) == ids(Call.objects.all())
        assert ids(access.restrict(Intervention.objects.all(), users[name])) == ids(
            Intervention.objects.all()
        )


def test_a_utility_user_sees_its_own_customers_rows_only(users, world, plant, customer):
    utility = users["utility"]
    assert ids(access.restrict(Plant.objects.all(), utility)) == [plant.pk]
    assert ids(access.restrict(Call.objects.all(), utility)) == [world["call"].pk]
    assert ids(access.restrict(Customer.objects.all(), utility)) == [customer.pk]
    assert world["theirs"].pk not in ids(access.restrict(Intervention.objects.all(), utility))


def test_a_technician_sees_its_interventions_and_their_calls_once(users, world):
    technician = users["technician"]
    calls = access.restrict(Call.objects.all(), technician)
    assert list(calls.values_list("pk", flat=True)) == [world["call"].pk]  # not twice
    assert world["theirs"].pk not in ids(access.restrict(Intervention.objects.all(), technician))
    assert ids(access.restrict(Call.objects.all(), users["technician2"])) == []
    # Every technician may look up every plant (to find the one they are sent to).
    assert ids(access.restrict(Plant.objects.all(), users["technician2"])) == ids(Plant.objects.all())


def test_who_has_no_role_or_no_customer_sees_nothing(users, world, groups):
    unbound = UserFactory(username="unbound")
    unbound.groups.add(Group.objects.get(name="utility"))
    for user in (users["norole"], unbound, None):
        assert not access.restrict(Plant.objects.all(), user).exists()
    assert not access.restrict(Callback.objects.all(), users["utility"]).exists()


def test_a_row_out_of_sight_is_not_found_whether_it_exists_or_not(users, world):
    with pytest.raises(Http404):
        access.get_for_user(Call.objects.all(), users["utility_b"], world["call"].pk)
    with pytest.raises(Http404):
        access.get_for_user(Call.objects.all(), users["utility_b"], 10**9)
    with pytest.raises(Http404):
        access.get_for_user(Call.objects.all(), users["operator"], "not a number")
    assert access.get_for_user(Call.objects.all(), users["utility"], world["call"].pk) == world["call"]
    assert access.can_see(users["utility"], world["call"]) and not access.can_see(
        users["utility_b"], world["call"]
    )


def test_a_model_without_visibility_is_refused_not_shown():
    with pytest.raises(access.NoVisibility):
        access.restrict(TelephonyReceipt.objects.all(), None)


def test_contact_addresses_in_the_history_are_withheld_outside_the_call_centre(users, world):
    from dispatch.models import Event

    event = Event(
        kind="notification.queued",
        data={
            "notifications": [{"channel": "sms", "recipient": "+393331234567"}],
            "recipient": "x@y.example",
        },
    )
    (shown,) = access.history_for_user(users["utility"], [event])
    # The policy (dispatch.disclosure) names what a utility user reads; everything else is withheld.
    assert shown.data == {
        "notifications": [{"channel": "sms", "recipient": "(withheld)"}],
        "recipient": "(withheld)",
    }
    staff_event = Event(data={"recipient": "x@y.example"})
    assert access.history_for_user(users["technician"], [staff_event])[0].data == {"recipient": "x@y.example"}
