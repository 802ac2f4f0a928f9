"""Programmable call scripts: written by supervisors, answered by operators on the call."""

import logging

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch import selectors
from dispatch.choices import CallType, Role
from dispatch.history import event_record
from dispatch.models import Call, CallScript, CallScriptAnswer
from dispatch.script_parser import script_parse

from .common import require_role, required_text

User = get_user_model()
logger = logging.getLogger(__name__)


@transaction.atomic
def call_script_save(*, actor, call_type: str, name: str, source: str) -> CallScript:
    """Create or replace the script of ``call_type`` (blank: triage); supervisors only. The text
    must read as a script (``ScriptError`` names the line otherwise); each save is a version."""
    require_role(actor, Role.SUPERVISOR)
    if call_type and call_type not in CallType.values:
        raise ValidationError({"call_type": _("Unknown call type.")})
    steps = script_parse(source)
    script = CallScript.objects.select_for_update().filter(call_type=call_type).first()
    if script is None:
        script = CallScript(call_type=call_type, version=0)
    script.name = required_text(name, "name")[:120]
    script.source, script.steps = source, steps
    script.version += 1
    script.updated_at, script.updated_by = timezone.now(), actor
    script.full_clean(exclude=["updated_by"], validate_unique=False, validate_constraints=False)
    script.save()
    return script


def call_script_answer(*, actor, call: Call, step: str, answer: int) -> CallScriptAnswer:
    """Record the answer ``answer`` (its position) to step ``step`` of the call's script, on the
    call and in its history; staff only. What it suggests is recorded, not applied."""
    require_role(actor, Role.OPERATOR, Role.SUPERVISOR)
    with transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        script = selectors.call_script_for(locked)
        node = script.steps["steps"].get(step) if script is not None else None
        if script is None or not node or not 0 <= answer < len(node["answers"]):
            raise ValidationError(
                {"answer": _("This answer is not part of the call's script (it may have changed).")}
            )
        chosen = node["answers"][answer]
        row = CallScriptAnswer.objects.create(
            call=locked, script=script, script_version=script.version, step=step,
            question=node["question"][:500], answer=chosen["label"][:500], next_step=chosen["next"],
            suggested_call_type=chosen["call_type"], suggested_priority=chosen["priority"],
            answered_at=timezone.now(), answered_by=actor,
        )  # fmt: skip
        event_record(
            subject=locked,
            kind="call.script_answer",
            actor=actor,
            data={
                "script": script.name, "version": script.version, "question": row.question,
                "answer": row.answer, "suggested_call_type": row.suggested_call_type,
                "suggested_priority": row.suggested_priority,
            },
        )  # fmt: skip
    return row
