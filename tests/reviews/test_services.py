"""Criteria, reviews and acknowledgements (reviews.services): a review's score is the weighted
share of its points, kept with the weights of the day; nobody reviews their own calls; only the
operator reviewed acknowledges, once."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from reviews import services
from reviews.models import Review, ReviewCriterion

pytestmark = pytest.mark.django_db


def test_a_review_scores_every_criterion_in_use_and_keeps_its_weights(users, item, criteria):
    greeting, plant_identified, _old = criteria

    review = services.review_submit(
        actor=users["supervisor"],
        item=item,
        points={greeting.pk: 4, plant_identified.pk: 2},
        comment=" Good. ",
    )

    # (4×1 + 2×3) / (4×1 + 4×3) = 10/16
    assert review.percent == Decimal("62.5")
    assert review.comment == "Good."
    assert [(s.criterion.name, s.points, s.weight) for s in review.scores.all()] == [
        ("Greeting", 4, 1),
        ("Plant identified", 2, 3),
    ]
    ReviewCriterion.objects.filter(pk=plant_identified.pk).update(weight=1)
    assert review.scores.get(criterion=plant_identified).weight == 3


def test_every_criterion_needs_points_within_the_scale(users, item, criteria):
    greeting, plant_identified, _old = criteria

    with pytest.raises(ValidationError) as missing:
        services.review_submit(actor=users["supervisor"], item=item, points={greeting.pk: 4})
    with pytest.raises(ValidationError) as too_many:
        services.review_submit(
            actor=users["supervisor"], item=item, points={greeting.pk: 5, plant_identified.pk: 0}
        )

    assert set(missing.value.message_dict) == {f"points_{plant_identified.pk}"}
    assert set(too_many.value.message_dict) == {f"points_{greeting.pk}"}
    assert not Review.objects.exists()


def test_a_call_is_reviewed_once_by_a_supervisor_who_did_not_take_it(users, item, criteria):
    points = {criteria[0].pk: 1, criteria[1].pk: 1}
    with pytest.raises(PermissionDenied):
        services.review_submit(actor=users["operator"], item=item, points=points)
    item.sample.operator = users["supervisor"]
    item.sample.save()
    with pytest.raises(PermissionDenied):
        services.review_submit(actor=users["supervisor"], item=item, points=points)
    item.sample.operator = users["operator"]
    item.sample.save()

    services.review_submit(actor=users["supervisor"], item=item, points=points)
    with pytest.raises(ValidationError):
        services.review_submit(actor=users["supervisor"], item=item, points=points)
    assert Review.objects.count() == 1


def test_no_review_without_criteria(users, item):
    with pytest.raises(ValidationError) as refused:
        services.review_submit(actor=users["supervisor"], item=item, points={})
    assert "points" in refused.value.message_dict


def test_only_the_operator_reviewed_acknowledges_and_only_once(users, item, criteria):
    review = services.review_submit(
        actor=users["supervisor"], item=item, points={criteria[0].pk: 2, criteria[1].pk: 3}
    )
    with pytest.raises(PermissionDenied):
        services.review_acknowledge(actor=users["supervisor"], review=review)

    done = services.review_acknowledge(actor=users["operator"], review=review, comment="Understood")

    assert done.acknowledged_at is not None and done.operator_comment == "Understood"
    with pytest.raises(ValidationError):
        services.review_acknowledge(actor=users["operator"], review=review, comment="again")
    review.refresh_from_db()
    assert review.operator_comment == "Understood"


def test_criteria_are_the_supervisors(users):
    with pytest.raises(PermissionDenied):
        services.criterion_save(actor=users["operator"], name="Greeting")
    with pytest.raises(ValidationError):
        services.criterion_save(actor=users["supervisor"], name="Greeting", weight=11)

    saved = services.criterion_save(actor=users["supervisor"], name=" Greeting ", weight=2)

    assert (saved.name, saved.weight, saved.active) == ("Greeting", 2, True)


def test_a_month_is_drawn_once_it_is_over(users):
    now = dt.datetime(2026, 12, 5, 10, tzinfo=dt.UTC)
    with pytest.raises(ValidationError):
        services.samples_draw(month=dt.date(2026, 12, 1), actor=users["supervisor"], now=now)
    with pytest.raises(PermissionDenied):
        services.samples_draw(month=dt.date(2026, 11, 1), actor=users["operator"], now=now)
    assert services.month_previous(dt.date(2026, 1, 15)) == dt.date(2025, 12, 1)
