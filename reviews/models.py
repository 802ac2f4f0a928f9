"""Criteria, the monthly samples and the reviews. A sample keeps its seed: drawn again from the
same calls it is the same sample. A review keeps each criterion's weight as it was when scored,
so a later change of the scorecard does not rewrite old scores."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dispatch.models import Call

from .choices import POINTS_MAX, PickReason


class ReviewCriterion(models.Model):
    name = models.CharField(_("criterion"), max_length=80, unique=True)
    description = models.TextField(_("what the reviewer listens for"), blank=True, max_length=1000)
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("review criterion")
        verbose_name_plural = _("review criteria")
        constraints = [
            models.CheckConstraint(
                name="review_criterion_weight_1_10", condition=Q(weight__gte=1, weight__lte=10)
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ReviewSample(models.Model):
    """One operator's calls of one month to review."""

    month = models.DateField(_("month"), help_text=_("The first day of the month sampled."))
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    seed = models.BigIntegerField(_("seed"))
    size = models.PositiveSmallIntegerField(_("calls asked for"))
    recording_required = models.BooleanField(_("recording required"), default=True)
    drawn_at = models.DateTimeField(_("drawn at"), auto_now_add=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-month", "operator__username"]
        verbose_name = _("review sample")
        verbose_name_plural = _("review samples")
        constraints = [
            models.UniqueConstraint(fields=["month", "operator"], name="review_sample_one_per_month"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.operator_id}"


class ReviewItem(models.Model):
    sample = models.ForeignKey(ReviewSample, on_delete=models.CASCADE, related_name="items")
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("why"), max_length=16, choices=PickReason.choices)
    rank = models.PositiveSmallIntegerField(_("order"))

    class Meta:
        ordering = ["sample", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["sample", "call"], name="review_item_call_once"),
            models.UniqueConstraint(fields=["sample", "rank"], name="review_item_rank_once"),
        ]

    def __str__(self) -> str:
        return f"{self.sample} #{self.rank}: call {self.call_id}"


class Review(models.Model):
    item = models.OneToOneField(ReviewItem, on_delete=models.PROTECT, related_name="review")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("reviewed at"))
    comment = models.TextField(_("comment"), blank=True, max_length=4000)
    percent = models.DecimalField(_("score (%)"), max_digits=4, decimal_places=1)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    operator_comment = models.TextField(_("operator's comment"), blank=True, max_length=2000)

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.CheckConstraint(
                name="review_percent_0_100", condition=Q(percent__gte=0, percent__lte=100)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item}: {self.percent}%"


class ReviewScore(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(ReviewCriterion, on_delete=models.PROTECT, related_name="+")
    points = models.PositiveSmallIntegerField(validators=[MaxValueValidator(POINTS_MAX)])
    weight = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["criterion__position", "criterion_id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="review_score_once"),
            models.CheckConstraint(name="review_score_points_max", condition=Q(points__lte=POINTS_MAX)),
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id}: {self.points}"
