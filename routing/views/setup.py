"""The routing rule editor: the active version's rules in order, a rule at a time edited, added,
removed or moved (each save publishes a new version with a "what changed" note), the rules tried
on a sample call, and the version history (view, restore)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dispatch.choices import Role
from dispatch.roles import has_role
from dispatch.views.common import STAFF, form_error_text, role_required
from routing.forms import RuleForm, SampleCallForm
from routing.models import RuleSetVersion
from routing.rules import version_active, version_rules
from routing.services import rulesets
from routing.services.rulesets import RuleTestResult, rule_as_dict

VERSIONS_LISTED = 200


def _active_rules() -> tuple[RuleSetVersion | None, list[dict[str, Any]]]:
    version = version_active()
    rules = [rule_as_dict(rule) for rule in version_rules(version)] if version is not None else []
    return version, rules


def _sample_form(request, prefix: str = "sample") -> SampleCallForm:
    """The sample call: from the request when it names one, else now on the first line."""
    source = request.POST if request.method == "POST" else request.GET
    if f"{prefix}-date" in source:
        return SampleCallForm(source, prefix=prefix)
    now = timezone.localtime()
    return SampleCallForm(prefix=prefix, initial={"date": now.date(), "time": now.strftime("%H:%M")})


def _sample_test(form: SampleCallForm, *, rules=None, version=None) -> RuleTestResult | None:
    if not form.is_bound or not form.is_valid():
        return None
    data = form.cleaned_data
    return rulesets.rule_test(
        sample_line=data["line"].strip(),
        at=form.at(),
        number=data["number"].strip(),
        customer=data["customer"],
        service=data["service"],
        rules=rules,
        version=version,
    )


@require_GET
@role_required(*STAFF)
def rule_list(request):
    """The rules calls meet now, first match wins; operators read them, supervisors edit."""
    version = version_active()
    sample = _sample_form(request)
    context = {
        "version": version,
        "rules": version_rules(version) if version is not None else [],
        "sample": sample,
        "result": _sample_test(sample, version=version),
        "can_edit": has_role(request.user, Role.SUPERVISOR),
    }
    return render(request, "routing/rule_list.html", context)


def _publish_form_errors(form: RuleForm, exc: ValidationError, index: int) -> None:
    """The service's errors keyed ``rules.<index>.<field>`` on the form's fields."""
    for key, problems in exc.message_dict.items():
        parts = key.split(".")
        name = parts[-1] if len(parts) == 3 and parts[1] == str(index) else None
        for problem in problems:
            form.add_error(name if name in form.fields else None, problem)


@role_required(Role.SUPERVISOR)
def rule_edit(request, position: int | None = None):
    """Change rule ``position`` (1 is tried first) or, without one, add a rule. "Test" tries the
    draft on the sample call; "Publish" saves the rules as a new version."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    version, rules = _active_rules()
    adding = position is None
    if position is not None and not 1 <= position <= len(rules):
        raise Http404
    index = len(rules) if position is None else position - 1
    sample = _sample_form(request)
    result = None
    status = 200
    if request.method == "POST":
        form = RuleForm(request.POST)
        valid = form.is_valid()
        active_number = str(version.number if version else 0)
        if request.POST.get("base", "") != active_number:
            valid = False
            form.add_error(
                None,
                _("The rules changed since you opened this page (version %(n)s is now active).")
                % {"n": active_number},
            )
        if valid:
            draft = list(rules)
            if adding:
                draft.append(form.rule_data())
            else:
                draft[index] = form.rule_data()
            try:
                if request.POST.get("do") == "test":
                    result = _sample_test(sample, rules=draft)
                    if result is None:
                        form.add_error(None, _("Give the sample call a date and a time."))
                else:
                    name = form.cleaned_data["name"]
                    note = form.cleaned_data["note"] or (
                        _("Added rule “%(name)s”") if adding else _("Changed rule %(n)d “%(name)s”")
                    ) % {"name": name, "n": position or 0}
                    published = rulesets.ruleset_publish(actor=request.user, rules=draft, note=note)
                    messages.success(request, _("Version %(n)d published.") % {"n": published.number})
                    return redirect("routing:rule-list")
            except ValidationError as exc:
                _publish_form_errors(form, exc, index)
        if form.errors:
            status = 400
    else:
        initial = rules[index] if not adding else {}
        form = RuleForm(initial=initial)
    context = {
        "form": form,
        "position": position,
        "adding": adding,
        "version": version,
        "sample": sample,
        "result": result,
        "tested_index": index,
    }
    return render(request, "routing/rule_edit.html", context, status=status)


def _publish_change(request, rules: list[dict[str, Any]], note: str):
    try:
        published = rulesets.ruleset_publish(actor=request.user, rules=rules, note=note)
    except ValidationError as exc:
        messages.error(request, form_error_text(exc))
    else:
        messages.success(request, _("Version %(n)d published.") % {"n": published.number})
    return redirect("routing:rule-list")


@require_POST
@role_required(Role.SUPERVISOR)
def rule_remove(request, position: int):
    """Remove rule ``position``: a new version without it."""
    _version, rules = _active_rules()
    if not 1 <= position <= len(rules):
        raise Http404
    removed = rules.pop(position - 1)
    note = request.POST.get("note", "").strip() or _("Removed rule %(n)d “%(name)s”") % {
        "n": position,
        "name": removed["name"],
    }
    return _publish_change(request, rules, note)


@require_POST
@role_required(Role.SUPERVISOR)
def rule_move(request, position: int):
    """Move rule ``position`` up (tried sooner) or down: a new version in the new order."""
    _version, rules = _active_rules()
    step = {"up": -1, "down": 1}.get(request.POST.get("direction", ""))
    if not 1 <= position <= len(rules) or step is None or not 1 <= position + step <= len(rules):
        raise Http404
    index = position - 1
    rules[index], rules[index + step] = rules[index + step], rules[index]
    note = _("Moved rule “%(name)s” from %(a)d to %(b)d") % {
        "name": rules[index + step]["name"],
        "a": position,
        "b": position + step,
    }
    return _publish_change(request, rules, note)


@require_GET
@role_required(*STAFF)
def version_list(request):
    versions = RuleSetVersion.objects.select_related("published_by").order_by("-number")
    active = versions.first()
    return render(
        request,
        "routing/version_list.html",
        {"versions": versions[:VERSIONS_LISTED], "active": active},
    )


@require_GET
@role_required(*STAFF)
def version_detail(request, pk: int):
    """An earlier (or the active) version as it was published; its rules can be tried too."""
    version = get_object_or_404(RuleSetVersion.objects.select_related("published_by"), pk=pk)
    sample = _sample_form(request)
    context = {
        "version": version,
        "rules": version_rules(version),
        "active": version_active(),
        "sample": sample,
        "result": _sample_test(sample, version=version),
        "can_edit": has_role(request.user, Role.SUPERVISOR),
    }
    return render(request, "routing/version_detail.html", context)


@require_POST
@role_required(Role.SUPERVISOR)
def version_restore(request, pk: int):
    """Publish a copy of version ``pk`` as the newest version."""
    version = get_object_or_404(RuleSetVersion, pk=pk)
    try:
        published = rulesets.ruleset_restore(
            actor=request.user, version=version, note=request.POST.get("note", "").strip()
        )
    except ValidationError as exc:
        messages.error(request, form_error_text(exc))
        return redirect("routing:rule-version", pk=pk)
    messages.success(
        request,
        _("Version %(old)d restored as version %(n)d.") % {"old": version.number, "n": published.number},
    )
    return redirect("routing:rule-list")
