"""Call scripts: the guided questions an operator follows per call type, written by supervisors
as plain text and read here into steps.

The text, one step after another::

    # A line starting with # is a comment.
    [start] Do you smell gas right now?
      ? Ask calmly; the caller may be frightened.
      - Yes, strongly -> evacuate ; type=gas_leak priority=1
      - Faintly -> where ; type=gas_leak
      - No -> end ; type=information priority=4
    [evacuate] Open the windows, touch no switch, leave the building. Are they out?
      - Yes -> end
      - No -> end ; priority=1

A step is ``[key] question`` (key: lower-case letters, digits, ``_`` or ``-``); ``? text`` under
it is a hint for the operator; each ``- answer -> next`` is a button leading to the step
``next`` (or ``end``). After ``;`` an answer may suggest the call's type (``type=``, one of
``CallType``) and the intervention's priority (``priority=`` 1 critical .. 4 low). The first
step is where the script starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .choices import CallType, Priority
from .inputs import integer_parse

END = "end"
MAX_STEPS = 100
MAX_ANSWERS = 12
MAX_TEXT = 500
_STEP = re.compile(r"^\[(?P<key>[a-z0-9_-]{1,40})\]\s+(?P<question>\S.*)$")
_ANSWER = re.compile(r"^-\s+(?P<label>[^;]+?)\s*->\s*(?P<next>[a-z0-9_-]{1,40})\s*(?:;\s*(?P<suggest>.*))?$")
_HINT = re.compile(r"^\?\s+(?P<hint>\S.*)$")


@dataclass
class ScriptError(Exception):
    line: int
    message: str

    def __str__(self) -> str:
        return _("Line %(line)s: %(message)s") % {"line": self.line, "message": self.message}


def script_parse(source: str) -> dict:
    """``{"start": key, "steps": {key: {"question", "hint", "answers": [{"label", "next",
    "call_type", "priority"}]}}}``; ``ScriptError`` naming the line otherwise."""
    steps: dict[str, dict] = {}
    order: list[str] = []
    references: list[tuple[int, str]] = []
    current: dict | None = None
    for number, raw in enumerate(source.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if len(line) > MAX_TEXT:
            raise ScriptError(number, _("the line is longer than %(max)s characters") % {"max": MAX_TEXT})
        if match := _STEP.match(line):
            key = match["key"]
            if key == END:
                raise ScriptError(number, _('"end" is where a script stops; name the step otherwise'))
            if key in steps:
                raise ScriptError(number, _('step "%(key)s" is defined twice') % {"key": key})
            if len(steps) >= MAX_STEPS:
                raise ScriptError(number, _("a script has at most %(max)s steps") % {"max": MAX_STEPS})
            current = {"question": match["question"], "hint": "", "answers": []}
            steps[key] = current
            order.append(key)
        elif match := _ANSWER.match(line):
            if current is None:
                raise ScriptError(number, _("an answer before any [step]"))
            if len(current["answers"]) >= MAX_ANSWERS:
                raise ScriptError(number, _("a step has at most %(max)s answers") % {"max": MAX_ANSWERS})
            answer = {"label": match["label"], "next": match["next"], "call_type": "", "priority": None}
            _suggestions(answer, match["suggest"] or "", number)
            current["answers"].append(answer)
            references.append((number, match["next"]))
        elif match := _HINT.match(line):
            if current is None:
                raise ScriptError(number, _("a hint before any [step]"))
            current["hint"] = match["hint"]
        else:
            raise ScriptError(
                number,
                _('expected "[key] question", "? hint" or "- answer -> next step": %(line)s')
                % {"line": line},
            )
    if not order:
        raise ScriptError(1, _("the script has no step"))
    for key in order:
        if not steps[key]["answers"]:
            raise ScriptError(0, _('step "%(key)s" has no answer') % {"key": key})
    for number, target in references:
        if target != END and target not in steps:
            raise ScriptError(number, _('no step "%(key)s" (or "end")') % {"key": target})
    return {"start": order[0], "steps": steps}


def _suggestions(answer: dict, text: str, number: int) -> None:
    for item in text.split():
        name, _sep, value = item.partition("=")
        if name == "type":
            if value not in CallType.values:
                raise ScriptError(number, _('unknown call type "%(value)s"') % {"value": value})
            answer["call_type"] = value
        elif name == "priority":
            priority = integer_parse(value)
            if priority not in Priority.values:
                raise ScriptError(
                    number, _("priority is 1 (critical) to 4 (low), not %(value)s") % {"value": value}
                )
            answer["priority"] = priority
        else:
            raise ScriptError(number, _('"%(item)s": write type=... or priority=...') % {"item": item})
