"""The escalations' pages: a case's timeline panel (loaded into the case's page by htmx), and
the chains' editor for the supervisors (a draft of steps in a plain form, then published)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from dispatch import selectors as dispatch_selectors
from dispatch.choices import Role
from dispatch.views.common import role_required
from escalations.forms import StepFormSet
from escalations.models import EscalationChain, EscalationChainVersion
from escalations.selectors import case_timeline, chain_list
from escalations.services import chain_draft_save, chain_publish


@require_GET
@role_required(Role.OPERATOR, Role.SUPERVISOR, Role.TECHNICIAN)
def case_panel(request: HttpRequest, pk: int) -> HttpResponse:
    intervention = dispatch_selectors.intervention_get_for_user(user=request.user, pk=pk)
    return render(
        request,
        "escalations/_case_panel.html",
        {"intervention": intervention, "timeline": case_timeline(intervention=intervention)},
    )


@require_GET
@role_required(Role.SUPERVISOR)
def chains(request: HttpRequest) -> HttpResponse:
    return render(request, "escalations/chains.html", {"chains": chain_list()})


def _draft_or_latest(chain: EscalationChain) -> list[dict[str, Any]]:
    versions = chain.versions.filter(published_at__isnull=True) or chain.versions.order_by("-number")[:1]
    version: EscalationChainVersion | None = versions.first()
    if version is None:
        return []
    return [
        {"order": s.position, "delay_minutes": s.delay_minutes, "target": s.target, "channel": s.channel,
         "reassign": s.reassign}
        for s in version.steps.order_by("position")
    ]  # fmt: skip


@require_http_methods(["GET", "POST"])
@role_required(Role.SUPERVISOR)
def chain_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the chain's draft (or its latest version, to start one) as rows to edit, and its
    versions. POST ``save``: the rows become the draft; ``publish``: the next version."""
    chain = get_object_or_404(EscalationChain, pk=pk)
    formset = StepFormSet(request.POST or None, initial=_draft_or_latest(chain))
    if request.method == "POST" and formset.is_valid():
        rows = [f.cleaned_data for f in formset if f.cleaned_data and not f.cleaned_data.get("remove")]
        steps = [
            {k: row[k] for k in ("delay_minutes", "target", "channel", "reassign")}
            for row in sorted(rows, key=lambda row: row["order"])
        ]
        try:
            if request.POST.get("publish"):
                version = chain_publish(actor=request.user, chain=chain, steps=steps)
                messages.success(request, _("Version %(number)s published.") % {"number": version.number})
            else:
                chain_draft_save(actor=request.user, chain=chain, steps=steps)
                messages.success(request, _("Draft saved."))
            return redirect(reverse("escalations:chain", args=[chain.pk]))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    versions = (
        chain.versions.filter(published_at__isnull=False).select_related("published_by").order_by("-number")
    )
    draft = chain.versions.filter(published_at__isnull=True).exists()
    return render(
        request,
        "escalations/chain_edit.html",
        {"chain": chain, "formset": formset, "versions": versions, "has_draft": draft},
    )
