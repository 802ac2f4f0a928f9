"""The reviews' pages: the supervisors' month of samples and the draw, the criteria, a sample's
calls, the scoring page beside the call's recording, script answers and history; the
operator's own reviews, trend and acknowledgement."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from dispatch import selectors as dispatch_selectors
from dispatch.choices import Role
from dispatch.ports import access_logged
from dispatch.timeline import timeline_for
from dispatch.views.common import STAFF, form_error_text, role_required

from . import selectors, services
from .forms import AcknowledgeForm, CriterionForm, DrawForm, ReviewForm
from .models import ReviewCriterion


def _month_asked(request: HttpRequest) -> dt.date:
    text = request.GET.get("month", "")
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        return services.month_previous(timezone.localdate())


@require_http_methods(["GET", "POST"])
@role_required(Role.SUPERVISOR)
def samples(request: HttpRequest) -> HttpResponse:
    """GET: a month's samples, each operator's calls reviewed so far. POST: draw the month."""
    month = _month_asked(request)
    form = DrawForm(
        request.POST or None, initial={"month": month, "size": settings.PRONTO_REVIEW_SAMPLE_SIZE}
    )
    if request.method == "POST" and form.is_valid():
        month = form.cleaned_data["month"]
        try:
            drawn = services.samples_draw(month=month, actor=request.user, size=form.cleaned_data["size"])
        except ValidationError as exc:
            messages.error(request, form_error_text(exc))
        else:
            messages.success(request, _("%(n)s samples drawn.") % {"n": len(drawn)})
        return redirect(f"{request.path}?month={month:%Y-%m}")
    rows = list(selectors.samples_of_month(month=month))
    return render(
        request,
        "reviews/samples.html",
        {"month": month, "rows": rows, "form": form, "seed": rows[0].seed if rows else None},
    )


@require_http_methods(["GET"])
@role_required(Role.SUPERVISOR)
def sample_detail(request: HttpRequest, pk: int) -> HttpResponse:
    sample = selectors.sample_get(pk=pk)
    return render(
        request, "reviews/sample.html", {"sample": sample, "items": selectors.sample_items(sample=sample)}
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.SUPERVISOR)
def criteria(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """The scorecard: criteria and weights (GET lists them; POST adds one, or changes ``pk``)."""
    criterion = get_object_or_404(ReviewCriterion, pk=pk) if pk else None
    form = CriterionForm(request.POST or None, instance=criterion)
    if request.method == "POST" and form.is_valid():
        try:
            services.criterion_save(actor=request.user, criterion=criterion, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, form_error_text(exc))
        else:
            messages.success(request, _("Criterion saved."))
            return redirect("reviews:criteria")
    return render(
        request,
        "reviews/criteria.html",
        {"criteria": ReviewCriterion.objects.all(), "form": form, "criterion": criterion},
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.SUPERVISOR)
def item_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Score one sampled call while listening to it, its script answers and history beside."""
    item = selectors.item_get(pk=pk)
    call = item.call
    review = getattr(item, "review", None)
    form = ReviewForm(request.POST or None, criteria=selectors.criteria_in_use())
    if request.method == "POST" and review is None and form.is_valid():
        try:
            services.review_submit(
                actor=request.user, item=item, points=form.points(), comment=form.cleaned_data["comment"]
            )
        except ValidationError as exc:
            messages.error(request, form_error_text(exc))
        else:
            messages.success(request, _("Review saved."))
            return redirect("reviews:sample", pk=item.sample_id)
    access_logged(request, kind="call.review", call=call)
    return render(
        request,
        "reviews/item.html",
        {
            "item": item,
            "call": call,
            "review": review,
            "form": form,
            "script_state": dispatch_selectors.call_script_state(call=call),
            "timeline": timeline_for(
                request.user, dispatch_selectors.event_list_for_subject(subject=call, user=request.user)
            ),
        },
    )


@require_http_methods(["GET"])
@role_required(*STAFF)
def mine(request: HttpRequest) -> HttpResponse:
    """The operator's own reviews, newest month first, and the trend of their scores."""
    return render(
        request,
        "reviews/mine.html",
        {
            "reviews": selectors.reviews_of_operator(user=request.user),
            "trend": selectors.operator_trend(user=request.user),
            "form": AcknowledgeForm(),
        },
    )


@require_POST
@role_required(*STAFF)
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    review = selectors.review_of_operator(user=request.user, pk=pk)
    form = AcknowledgeForm(request.POST)
    if form.is_valid():
        try:
            services.review_acknowledge(
                actor=request.user, review=review, comment=form.cleaned_data["comment"]
            )
        except ValidationError as exc:
            messages.error(request, form_error_text(exc))
        else:
            messages.success(request, _("Review acknowledged."))
    return redirect("reviews:mine")
