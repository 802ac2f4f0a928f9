"""Reads of the reviews: a month's candidates for the draw, the samples and their progress, a
reviewer's item, an operator's own reviews and their trend."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncMonth
from django.http import Http404

from dispatch.models import Call
from feedback.models import Complaint, SurveyRequest
from quality.models import CallRecording

from .models import Review, ReviewCriterion, ReviewItem, ReviewSample
from .sampling import Candidate

# What the draw weighs of each call, as annotations (in this order: the candidates' columns).
CALL_FACTS = {
    # A recording still kept (retention empties the file and dates the deletion).
    "has_recording": Exists(
        CallRecording.objects.filter(call=OuterRef("pk"), deleted_at__isnull=True).exclude(file="")
    ),
    "complaint": Exists(Complaint.objects.filter(call=OuterRef("pk"))),
    "score": Subquery(SurveyRequest.objects.filter(call=OuterRef("pk")).values("score")[:1]),
}


def month_candidates(*, start: dt.datetime, end: dt.datetime) -> Iterator[Candidate]:
    """Every ended call of the month that an operator took, with what the draw weighs: a
    recording kept, a complaint, the caller's survey score, a test call. One query."""
    calls = (
        Call.objects.filter(
            received_at__gte=start, received_at__lt=end, operator__isnull=False, ended_at__isnull=False
        )
        .order_by()
        .annotate(**CALL_FACTS)
        .values_list("pk", "operator_id", "is_test", *CALL_FACTS)
    )
    for pk, operator_id, is_test, has_recording, complaint, score in calls.iterator(chunk_size=5000):
        yield Candidate(
            call_id=pk,
            operator_id=operator_id,
            is_test=is_test,
            has_recording=bool(has_recording),
            complaint=bool(complaint),
            score=score,
        )


def criteria_in_use() -> QuerySet[ReviewCriterion]:
    return ReviewCriterion.objects.filter(active=True)


def samples_of_month(*, month: dt.date) -> QuerySet[ReviewSample]:
    return (
        ReviewSample.objects.filter(month=month)
        .select_related("operator")
        .annotate(calls=Count("items"), reviewed=Count("items__review"))
        .order_by("operator__username")
    )


def sample_get(*, pk: int) -> ReviewSample:
    sample = ReviewSample.objects.select_related("operator").filter(pk=pk).first()
    if sample is None:
        raise Http404
    return sample


def sample_items(*, sample: ReviewSample) -> QuerySet[ReviewItem]:
    return sample.items.select_related("call", "review", "review__reviewer").order_by("rank")


def item_get(*, pk: int) -> ReviewItem:
    item = (
        ReviewItem.objects.select_related(
            "sample__operator", "call__plant", "call__operator", "review__reviewer"
        )
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise Http404
    return item


def reviews_of_operator(*, user: Any) -> QuerySet[Review]:
    return (
        Review.objects.filter(item__sample__operator=user)
        .select_related("item__call", "item__sample", "reviewer")
        .prefetch_related("scores__criterion")
        .order_by("-item__sample__month", "-submitted_at")
    )


def review_of_operator(*, user: Any, pk: int) -> Review:
    review = reviews_of_operator(user=user).filter(pk=pk).first()
    if review is None:
        raise Http404
    return review


def operator_trend(*, user: Any) -> list[dict[str, Any]]:
    """Per month sampled: how many of the operator's calls were reviewed and their mean score."""
    rows = (
        Review.objects.filter(item__sample__operator=user)
        .annotate(m=TruncMonth("item__sample__month"))
        .values("m")
        .annotate(
            reviews=Count("pk"),
            mean=Avg("percent"),
            unacknowledged=Count("pk", filter=Q(acknowledged_at=None)),
        )
        .order_by("m")
    )
    return [
        {
            "month": row["m"],
            "reviews": row["reviews"],
            "mean": round(float(row["mean"]), 1),
            "unacknowledged": row["unacknowledged"],
        }
        for row in rows
    ]
