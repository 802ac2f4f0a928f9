"""Writes of the reviews: the supervisors' criteria, the monthly draw, a review, an operator's
acknowledgement. Reviewers are supervisors (the quality group); nobody reviews their own calls."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.choices import Role
from dispatch.roles import has_role

from . import selectors
from .choices import POINTS_MAX
from .models import Review, ReviewCriterion, ReviewItem, ReviewSample, ReviewScore
from .sampling import sample_all

logger = logging.getLogger(__name__)

# Seeds fit a signed 64-bit column and stay readable in the page.
SEED_BITS = 48


def _require_supervisor(actor: Any) -> None:
    if not has_role(actor, Role.SUPERVISOR):
        raise PermissionDenied(_("Your role does not allow this action."))


def month_first(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_previous(day: dt.date) -> dt.date:
    return month_first(month_first(day) - dt.timedelta(days=1))


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The month's first and the next month's first instant, in the centre's time zone."""
    tz = ZoneInfo(settings.TIME_ZONE)
    following = month_first(month + dt.timedelta(days=32))
    return (
        dt.datetime.combine(month, dt.time(), tzinfo=tz),
        dt.datetime.combine(following, dt.time(), tzinfo=tz),
    )


def criterion_save(
    *,
    actor: Any,
    criterion: ReviewCriterion | None = None,
    name: str,
    description: str = "",
    weight: int = 1,
    position: int = 0,
    active: bool = True,
) -> ReviewCriterion:
    _require_supervisor(actor)
    criterion = criterion or ReviewCriterion()
    criterion.name, criterion.description = name.strip(), description.strip()
    criterion.weight, criterion.position, criterion.active = weight, position, active
    criterion.full_clean()
    criterion.save()
    return criterion


def samples_draw(
    *,
    month: dt.date,
    actor: Any = None,
    size: int | None = None,
    seed: int | None = None,
    now: dt.datetime | None = None,
) -> list[ReviewSample]:
    """Each operator's sample of ``month`` (a month that is over), drawn once: operators already
    sampled keep theirs, and a month keeps one seed. ``actor`` None: the scheduled draw."""
    if actor is not None:
        _require_supervisor(actor)
    month = month_first(month)
    today = timezone.localdate(now or timezone.now())
    if month >= month_first(today):
        raise ValidationError({"month": _("A month is sampled once it is over.")})
    size = size or settings.PRONTO_REVIEW_SAMPLE_SIZE
    if not 1 <= size <= 100:
        raise ValidationError({"size": _("From 1 to 100 calls per operator.")})
    kept = ReviewSample.objects.filter(month=month)
    month_seed = kept.values_list("seed", flat=True).first()
    if month_seed is None:
        month_seed = seed if seed is not None else secrets.randbits(SEED_BITS)
    required = settings.PRONTO_REVIEW_RECORDING_REQUIRED
    start, end = month_bounds(month)
    picks = sample_all(
        selectors.month_candidates(start=start, end=end),
        seed=month_seed,
        size=size,
        low_score_max=settings.PRONTO_REVIEW_LOW_SCORE_MAX,
        recording_required=required,
    )
    done = set(kept.values_list("operator_id", flat=True))
    drawn = []
    for operator_id, picked in picks.items():
        if operator_id in done:
            continue
        try:
            with transaction.atomic():
                sample = ReviewSample.objects.create(
                    month=month,
                    operator_id=operator_id,
                    seed=month_seed,
                    size=size,
                    recording_required=required,
                    drawn_by=actor,
                )
                ReviewItem.objects.bulk_create(
                    ReviewItem(sample=sample, call_id=p.call_id, reason=p.reason, rank=p.rank) for p in picked
                )
        except IntegrityError:
            continue  # another draw made it first: that one stands
        drawn.append(sample)
    logger.info("review samples of %s: %s drawn (seed %s)", month, len(drawn), month_seed)
    return drawn


def samples_draw_due(*, now: dt.datetime | None = None) -> int:
    """The scheduled draw: last month's samples for every operator not sampled yet (hourly, so a
    day the worker was down is caught up; nothing twice)."""
    today = timezone.localdate(now or timezone.now())
    return len(samples_draw(month=month_previous(today), now=now))


def review_submit(*, actor: Any, item: ReviewItem, points: dict[int, int], comment: str = "") -> Review:
    """A reviewer's scores for one sampled call: every criterion in use, 0 to ``POINTS_MAX``."""
    _require_supervisor(actor)
    if item.sample.operator_id == actor.pk:
        raise PermissionDenied(_("Nobody reviews their own calls."))
    criteria = list(ReviewCriterion.objects.filter(active=True))
    if not criteria:
        raise ValidationError({"points": _("No criteria are in use: a supervisor sets them first.")})
    errors = {}
    for criterion in criteria:
        value = points.get(criterion.pk)
        if value is None or not 0 <= value <= POINTS_MAX:
            errors[f"points_{criterion.pk}"] = _("From 0 to %(max)s.") % {"max": POINTS_MAX}
    if errors:
        raise ValidationError(errors)
    weights = sum(c.weight for c in criteria)
    got = sum(points[c.pk] * c.weight for c in criteria)
    percent = (Decimal(100 * got) / Decimal(POINTS_MAX * weights)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    with transaction.atomic():
        if Review.objects.select_for_update().filter(item=item).exists():
            raise ValidationError({"item": _("This call has been reviewed already.")})
        review = Review.objects.create(
            item=item,
            reviewer=actor,
            submitted_at=timezone.now(),
            comment=comment.strip()[:4000],
            percent=percent,
        )
        ReviewScore.objects.bulk_create(
            ReviewScore(review=review, criterion=c, points=points[c.pk], weight=c.weight) for c in criteria
        )
    return review


def review_acknowledge(*, actor: Any, review: Review, comment: str = "") -> Review:
    """The operator reviewed says they have read it (once; a comment of their own beside it)."""
    if review.item.sample.operator_id != actor.pk:
        raise PermissionDenied(_("Only the operator reviewed acknowledges the review."))
    updated = Review.objects.filter(pk=review.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now(), operator_comment=comment.strip()[:2000]
    )
    if not updated:
        raise ValidationError({"review": _("This review has been acknowledged already.")})
    review.refresh_from_db()
    return review
