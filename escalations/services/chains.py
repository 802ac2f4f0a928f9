"""The chains' writes, by supervisors only: a new chain, its draft's steps, and publishing
(the draft, or steps given at once over the API) as the next version. Published versions are
never changed: a run keeps the version it started with."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from clocks.models import CaseType
from dispatch.choices import Priority, Role
from dispatch.roles import AnyUser as Actor
from dispatch.services.common import require_role
from escalations.choices import REASSIGNABLE, StepChannel, StepTarget
from escalations.models import EscalationChain, EscalationChainVersion, EscalationStep

MAX_STEPS = 12
MAX_DELAY_MINUTES = 7 * 24 * 60


def steps_clean(steps: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The steps as given, in order, checked: a ValidationError keyed ``steps`` that names the
    step and what is wrong with it."""
    if not steps:
        raise ValidationError({"steps": _("A chain needs at least one step.")})
    if len(steps) > MAX_STEPS:
        raise ValidationError({"steps": _("A chain has at most %(max)s steps.") % {"max": MAX_STEPS}})
    cleaned = []
    for number, step in enumerate(steps, start=1):
        problem = None
        delay = step.get("delay_minutes")
        target, channel = step.get("target"), step.get("channel")
        reassign = bool(step.get("reassign", False))
        if not isinstance(delay, int) or isinstance(delay, bool) or not 0 <= delay <= MAX_DELAY_MINUTES:
            problem = _("the delay must be a whole number of minutes from 0 to %(max)s") % {
                "max": MAX_DELAY_MINUTES
            }
        elif target not in StepTarget.values:
            problem = _("unknown target “%(value)s”") % {"value": target}
        elif channel not in StepChannel.values:
            problem = _("unknown channel “%(value)s”") % {"value": channel}
        elif reassign and target not in REASSIGNABLE:
            problem = _("only a step to someone on call may assign the case to them")
        if problem:
            raise ValidationError(
                {"steps": _("Step %(number)s: %(problem)s.") % {"number": number, "problem": problem}}
            )
        cleaned.append({"delay_minutes": delay, "target": target, "channel": channel, "reassign": reassign})
    return cleaned


def _steps_write(version: EscalationChainVersion, steps: list[dict[str, Any]]) -> None:
    version.steps.all().delete()
    EscalationStep.objects.bulk_create(
        [EscalationStep(version=version, position=n, **step) for n, step in enumerate(steps, start=1)]
    )


def _publish(chain: EscalationChain, version: EscalationChainVersion, actor: Actor) -> EscalationChainVersion:
    latest = chain.versions.aggregate(last=Max("number"))["last"] or 0
    version.number, version.published_at = latest + 1, timezone.now()
    version.published_by_id = getattr(actor, "pk", None)
    version.save(update_fields=["number", "published_at", "published_by"])
    return version


@transaction.atomic
def chain_create(
    *,
    actor: Actor,
    name: str,
    case_type: CaseType | None,
    priority: int | None,
    steps: Sequence[Mapping[str, Any]],
) -> EscalationChain:
    """A new chain for a case type and a priority (None: any) with its steps published as
    version 1. One chain per combination."""
    require_role(actor, Role.SUPERVISOR)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("This field is required.")})
    if priority is not None and priority not in Priority.values:
        raise ValidationError({"priority": _("Unknown priority.")})
    if EscalationChain.objects.filter(case_type=case_type, priority=priority).exists():
        raise ValidationError({"priority": _("A chain for this case type and priority exists already.")})
    cleaned = steps_clean(steps)
    chain = EscalationChain.objects.create(name=name[:100], case_type=case_type, priority=priority)
    version = EscalationChainVersion.objects.create(chain=chain)
    _steps_write(version, cleaned)
    _publish(chain, version, actor)
    return chain


def _locked(chain: EscalationChain) -> EscalationChain:
    return EscalationChain.objects.select_for_update().get(pk=chain.pk)


@transaction.atomic
def chain_draft_save(
    *, actor: Actor, chain: EscalationChain, steps: Sequence[Mapping[str, Any]]
) -> EscalationChainVersion:
    """The chain's draft with these steps (made if it has none); nothing runs on a draft."""
    require_role(actor, Role.SUPERVISOR)
    chain = _locked(chain)
    cleaned = steps_clean(steps)
    draft, _created = EscalationChainVersion.objects.get_or_create(chain=chain, published_at__isnull=True)
    _steps_write(draft, cleaned)
    return draft


@transaction.atomic
def chain_publish(
    *, actor: Actor, chain: EscalationChain, steps: Sequence[Mapping[str, Any]] | None = None
) -> EscalationChainVersion:
    """Publish the next version: these steps (the draft, if any, is replaced by them), or the
    draft's. New runs take it; running ones keep theirs."""
    require_role(actor, Role.SUPERVISOR)
    chain = _locked(chain)
    draft = EscalationChainVersion.objects.filter(chain=chain, published_at__isnull=True).first()
    if steps is not None:
        cleaned = steps_clean(steps)
        draft = draft or EscalationChainVersion.objects.create(chain=chain)
        _steps_write(draft, cleaned)
    elif draft is None:
        raise ValidationError({"steps": _("There is no draft to publish: edit the steps first.")})
    else:
        steps_clean(list(draft.steps.values("delay_minutes", "target", "channel", "reassign")))
    return _publish(chain, draft, actor)


def shipped_chains_restore() -> None:
    """The chains every centre starts with (migration 0002), made again where missing (a test
    database flushed, a demo reset); existing chains are left as they are."""
    import importlib

    from django.apps import apps

    shipped = importlib.import_module("escalations.migrations.0002_shipped_chains")
    shipped.shipped_create(apps, None)
