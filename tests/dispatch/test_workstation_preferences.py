"""A user's own screen settings: defaults until set, then kept field by field."""

import pytest

from dispatch import selectors, services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_defaults_until_set_then_each_field_keeps_its_value():
    user = UserFactory()
    default = selectors.workstation_preference_get(user=user)
    assert default.pk is None
    assert (default.alerts_muted, default.board_filters, default.board_sort) == (False, {}, "")

    services.workstation_preference_set(user=user, board_filters={"priority": [1]}, board_sort="-opened")
    services.workstation_preference_set(user=user, alerts_muted=True)

    saved = selectors.workstation_preference_get(user=user)
    assert (saved.alerts_muted, saved.board_filters, saved.board_sort) == (True, {"priority": [1]}, "-opened")


def test_an_unknown_preference_is_refused():
    with pytest.raises(TypeError, match="colour"):
        services.workstation_preference_set(user=UserFactory(), colour="red")
