import datetime as dt

import pytest
from django.utils import timezone

from dispatch.choices import InterventionStatus as S
from tests.dispatch.helpers import call_logged, intervention_in

NUMBER = "+39 02 1234 5678"
OTHER_NUMBER = "+39 02 8765 4321"
# Past every default policy of evidence (2192 days), well inside nothing else.
LATER = dt.timedelta(days=2200)


@pytest.fixture
def ended_call(users, plant):
    """``ended_call(number=..., plant=..., closed_intervention=False)``: a call in the past,
    ended, with a number and a note."""

    def make(
        *, number=NUMBER, on_plant=None, received=None, intervention=None, notes="Signora Rossi, via Roma 3"
    ):
        received = received or timezone.now() - dt.timedelta(days=3)
        call = call_logged(
            users, on_plant or plant, caller_number=number, received_at=received,
            answered_at=received + dt.timedelta(seconds=30), ended_at=received + dt.timedelta(seconds=200),
            notes=notes,
        )  # fmt: skip
        if intervention is not None:
            intervention_in(intervention, users=users, plant=on_plant or plant, call=call)
        return call

    return make


@pytest.fixture
def closed():
    return S.CLOSED
