import datetime as dt

import pytest
from django.utils import timezone

from dispatch import services as dispatch_services
from reviews.models import ReviewCriterion, ReviewItem, ReviewSample


def call_taken(users, plant, *, operator="operator", **kwargs):
    """An ended call the operator took."""
    call = dispatch_services.call_log(
        actor=users[operator], caller_number="+39 347 123 4567", plant=plant, call_type="gas_leak", **kwargs
    )
    return dispatch_services.call_update(
        actor=users[operator], call=call, operator=users[operator], ended_at=timezone.now()
    )


@pytest.fixture
def criteria(db):
    return [
        ReviewCriterion.objects.create(name="Greeting", weight=1, position=1),
        ReviewCriterion.objects.create(name="Plant identified", weight=3, position=2),
        ReviewCriterion.objects.create(name="Old criterion", weight=5, position=3, active=False),
    ]


@pytest.fixture
def item(users, plant):
    sample = ReviewSample.objects.create(
        month=dt.date(2026, 11, 1), operator=users["operator"], seed=1, size=10
    )
    return ReviewItem.objects.create(sample=sample, call=call_taken(users, plant), reason="random", rank=1)
