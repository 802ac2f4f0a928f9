"""The routing catalogue's pages (supervisors): caller classes and class rules, skills, teams,
lines, queues and operators' routing profiles, each a list and a form; the services write and
keep every change (``SetupChange``), listed on the setup page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from dispatch.choices import Role
from dispatch.views.common import form_error_text, role_required
from routing import forms as setup_forms
from routing.models import CallerClass, CallerClassRule, Line, OperatorProfile, Queue, SetupChange, Skill
from routing.services import catalogue
from teams.models import Team

CHANGES_LISTED = 50


def _names(related) -> str:
    return ", ".join(str(row) for row in related.all())


def _overflow(queue: Queue) -> str:
    if queue.overflow_queue is None:
        return ""
    return _("%(queue)s after %(n)s s") % {"queue": queue.overflow_queue, "n": queue.overflow_after_seconds}


@dataclass(frozen=True)
class Kind:
    """One kind of catalogue row: its model, form, the service that saves it, the list's columns."""

    title: Any
    model: type[models.Model]
    form: type[forms.ModelForm]
    save: Callable[..., models.Model]
    row_key: str
    columns: tuple[tuple[Any, Callable[[Any], object]], ...]
    related: tuple[str, ...] = ()
    prefetch: tuple[str, ...] = ()
    delete: Callable[..., None] | None = None


KINDS: dict[str, Kind] = {
    "classes": Kind(
        gettext_lazy("Caller classes"), CallerClass, setup_forms.CallerClassForm, catalogue.caller_class_save,
        "caller_class",
        ((gettext_lazy("Rank"), lambda c: c.rank), (gettext_lazy("Code"), lambda c: c.code),
         (gettext_lazy("VIP"), lambda c: _("yes") if c.is_vip else ""),
         (gettext_lazy("Critical user"), lambda c: _("yes") if c.is_critical else ""),
         (gettext_lazy("Answer within (s)"), lambda c: c.answer_target_seconds)),
    ),
    "class-rules": Kind(
        gettext_lazy("Class rules"), CallerClassRule, setup_forms.CallerClassRuleForm,
        catalogue.caller_class_rule_save, "rule",
        ((gettext_lazy("Class"), lambda r: r.caller_class),
         (gettext_lazy("Matches"), lambda r: r.number or r.prefix or r.customer or r.plant),
         (gettext_lazy("Personal manager"), lambda r: r.personal_manager or ""),
         (gettext_lazy("Note"), lambda r: r.note)),
        related=("caller_class", "customer", "plant", "personal_manager"),
        delete=catalogue.caller_class_rule_delete,
    ),
    "skills": Kind(
        gettext_lazy("Skills"), Skill, setup_forms.SkillForm, catalogue.skill_save, "skill",
        ((gettext_lazy("Kind"), lambda s: s.get_kind_display()), (gettext_lazy("Code"), lambda s: s.code)),
    ),
    "teams": Kind(
        gettext_lazy("Teams"), Team, setup_forms.TeamForm, catalogue.team_save, "team",
        ((gettext_lazy("Region"), lambda t: t.region),
         (gettext_lazy("Second line"), lambda t: _("yes") if t.is_second_line else ""),
         (gettext_lazy("Consult number"), lambda t: t.consult_number)),
    ),
    "lines": Kind(
        gettext_lazy("Lines"), Line, setup_forms.LineForm, catalogue.line_save, "line",
        ((gettext_lazy("Customer"), lambda line: line.customer or ""),
         (gettext_lazy("Off-hours fallback"), lambda line: line.fallback_uri),
         (gettext_lazy("Off hours: on call of"), lambda line: line.on_call_team or "")),
        related=("customer", "on_call_team"),
    ),
    "queues": Kind(
        gettext_lazy("Queues"), Queue, setup_forms.QueueForm, catalogue.queue_save, "queue",
        ((gettext_lazy("Skills needed"), lambda q: _names(q.skills)),
         (gettext_lazy("Ring each operator (s)"), lambda q: q.offer_timeout_seconds),
         (gettext_lazy("Overflow"), lambda q: _overflow(q))),
        related=("overflow_queue",), prefetch=("skills",),
    ),
    "operators": Kind(
        gettext_lazy("Operators' routing profiles"), OperatorProfile, setup_forms.OperatorProfileForm,
        catalogue.operator_profile_save, "profile",
        ((gettext_lazy("Extension"), lambda p: p.extension), (gettext_lazy("SIP URI"), lambda p: p.sip_uri),
         (gettext_lazy("Team"), lambda p: p.team or ""), (gettext_lazy("Skills"), lambda p: _names(p.skills)),
         (gettext_lazy("Lines"), lambda p: _names(p.lines) or _("all")),
         (gettext_lazy("Wrap-up (s)"), lambda p: p.wrap_up_seconds)),
        related=("user", "team"), prefetch=("skills", "lines"),
    ),
}  # fmt: skip


def _kind(slug: str) -> Kind:
    kind = KINDS.get(slug)
    if kind is None:
        raise Http404
    return kind


@require_GET
@role_required(Role.SUPERVISOR)
def setup_index(request):
    """What can be set up, and the latest changes kept (who, when, before and after)."""
    changes = SetupChange.objects.select_related("actor")[:CHANGES_LISTED]
    return render(request, "routing/setup_index.html", {"kinds": KINDS, "changes": changes})


@require_GET
@role_required(Role.SUPERVISOR)
def setup_list(request, kind: str):
    spec = _kind(kind)
    rows = spec.model._default_manager.select_related(*spec.related).prefetch_related(*spec.prefetch)
    table = [(row, [column(row) for _label, column in spec.columns]) for row in rows]
    context = {"kind": kind, "spec": spec, "table": table, "headers": [label for label, _c in spec.columns]}
    return render(request, "routing/setup_list.html", context)


@role_required(Role.SUPERVISOR)
def setup_edit(request, kind: str, pk: int | None = None):
    """A new row of ``kind`` or row ``pk``: the form parses, the kind's service checks and saves."""
    spec = _kind(kind)
    row = None
    if pk is not None:
        row = spec.model._default_manager.filter(pk=pk).first()
        if row is None:
            raise Http404
    if request.method == "POST":
        form = spec.form(request.POST, instance=row)
        if form.is_valid():
            try:
                spec.save(actor=request.user, **{spec.row_key: row}, **form.cleaned_data)
            except ValidationError as exc:
                for name, problems in exc.message_dict.items():
                    for problem in problems:
                        form.add_error(name if name in form.fields else None, problem)
            else:
                messages.success(request, _("Saved."))
                return redirect("routing:setup-list", kind=kind)
        status = 400
    elif request.method == "GET":
        form, status = spec.form(instance=row), 200
    else:
        return HttpResponseNotAllowed(["GET", "POST"])
    context = {"kind": kind, "spec": spec, "form": form, "row": row}
    return render(request, "routing/setup_edit.html", context, status=status)


@require_POST
@role_required(Role.SUPERVISOR)
def setup_delete(request, kind: str, pk: int):
    spec = _kind(kind)
    row = spec.model._default_manager.filter(pk=pk).first()
    if spec.delete is None or row is None:
        raise Http404
    try:
        spec.delete(actor=request.user, **{spec.row_key: row})
    except ValidationError as exc:
        messages.error(request, form_error_text(exc))
    else:
        messages.success(request, _("Removed."))
    return redirect("routing:setup-list", kind=kind)
