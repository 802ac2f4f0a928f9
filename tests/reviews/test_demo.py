"""The reviews' demo: the scorecard, last month's recorded calls, a sample drawn with complaints
and low scores first, one review; seeding again adds nothing."""

import io

import pytest
from django.core.management import call_command

from quality.models import CallRecording
from reviews.models import Review, ReviewCriterion, ReviewItem, ReviewSample

pytestmark = pytest.mark.django_db


def test_the_reviews_demo_and_seeding_again_adds_nothing(settings, tmp_path, monkeypatch):
    from django.core.files.storage import FileSystemStorage

    monkeypatch.setattr(
        CallRecording._meta.get_field("file"), "storage", FileSystemStorage(location=str(tmp_path))
    )
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_reviews_demo", stdout=io.StringIO())

    assert ReviewCriterion.objects.count() == 5
    sample = ReviewSample.objects.get()
    reasons = list(sample.items.order_by("rank").values_list("reason", flat=True))
    assert reasons[:2] == ["complaint", "low_score"] and len(reasons) == 10
    assert Review.objects.get().item.rank == 1

    out = io.StringIO()
    call_command("seed_reviews_demo", stdout=out)
    assert "there already" in out.getvalue()
    assert (ReviewSample.objects.count(), ReviewItem.objects.count()) == (1, 10)
