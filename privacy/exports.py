"""What is held about a phone number, for the person who asked (an access request's answer).

Drawn from the calls the answer marked as exported (``PersonalRequest.outcome``) and the
interventions opened from them: their times, plant, type, the caller's own data, callbacks and
history. The history reads as a utility user reads it (``dispatch.disclosure``: what happened
and when, not the staff's contacts, gateway details or internal notes), with the person's own
data put back at the paths where the history keeps it (``dispatch.personal.PERSONAL_PATHS``).
A value erased since shows as erased. Nothing is read by number: only those calls' rows.
"""

from __future__ import annotations

import io
import json
from collections import defaultdict
from typing import Any
from xml.sax.saxutils import escape

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate

from dispatch.choices import Role, SubjectType
from dispatch.disclosure import event_data_for
from dispatch.fonts import pdf_fonts
from dispatch.history import json_plain
from dispatch.models import Call, Callback, Event, Intervention
from dispatch.personal import ERASED, PERSONAL_PATHS, personal_resolve
from dispatch.timeline import event_changes, event_sentence
from dispatch.timeline.values import as_datetime, label
from privacy.models import PersonalRequest

_REQUESTER = frozenset({Role.UTILITY})


def _put_back(shown: Any, resolved: Any, kind: str) -> Any:
    """``shown`` with the values at ``kind``'s personal paths taken from ``resolved``."""
    for path in PERSONAL_PATHS.get(kind, {}):
        *parents, name = path.split(".")
        source, target = resolved, shown
        for parent in parents:
            source = source.get(parent) if isinstance(source, dict) else None
            target = target.get(parent) if isinstance(target, dict) else None
        if isinstance(source, dict) and isinstance(target, dict) and name in source:
            target[name] = source[name]
    return shown


def _histories(subject_type: str, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    events = list(
        Event.objects.filter(subject_type=subject_type, subject_id__in=ids).order_by("subject_id", "seq")
    )
    histories: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for event, resolved in zip(events, personal_resolve([e.data for e in events]), strict=True):
        shown = _put_back(event_data_for(_REQUESTER, event.kind, resolved), resolved, event.kind)
        histories[event.subject_id].append(
            {"at": event.occurred_at, "what": event.kind,
             "by": "system" if event.actor_id is None else "staff", "data": shown}
        )  # fmt: skip
    return histories


def _value(value: str, erased: bool) -> str:
    return ERASED if erased and not value else value


def request_export(*, request: PersonalRequest) -> dict[str, Any]:
    """The export of an answered access request, as plain JSON (see the module)."""
    call_ids = [int(pk) for pk in request.outcome.get("calls", [])]
    calls = list(Call.objects.filter(pk__in=call_ids).select_related("plant").order_by("received_at", "pk"))
    interventions = list(Intervention.objects.filter(call_id__in=call_ids).order_by("opened_at", "pk"))
    callbacks = list(Callback.objects.filter(call_id__in=call_ids).order_by("due_at", "pk"))
    call_history = _histories(SubjectType.CALL, call_ids)
    intervention_history = _histories(SubjectType.INTERVENTION, [i.pk for i in interventions])
    by_call: dict[int | None, list[Intervention]] = defaultdict(list)
    for intervention in interventions:
        by_call[intervention.call_id].append(intervention)
    callbacks_by_call: dict[int | None, list[Callback]] = defaultdict(list)
    for callback in callbacks:
        callbacks_by_call[callback.call_id].append(callback)
    rows = []
    for call in calls:
        erased = call.personal_erased_at is not None
        rows.append(
            {
                "id": call.pk,
                "received_at": call.received_at, "answered_at": call.answered_at, "ended_at": call.ended_at,
                "duration_seconds": call.duration_seconds,
                "caller_number": _value(call.caller_number, erased),
                "notes": _value(call.notes, erased),
                "personal_data_erased_at": call.personal_erased_at,
                "plant": {"code": call.plant.code, "name": call.plant.name} if call.plant else None,
                "call_type": call.call_type,
                "history": call_history.get(call.pk, []),
                "callbacks": [
                    {"due_at": c.due_at, "status": c.status, "number": _value(c.number, erased),
                     "note": _value(c.note, erased), "outcome": _value(c.outcome, erased)}
                    for c in callbacks_by_call.get(call.pk, [])
                ],
                "interventions": [
                    {"id": i.pk, "opened_at": i.opened_at, "status": i.status, "summary": i.summary,
                     "arrived_at": i.arrived_at, "completed_at": i.completed_at, "closed_at": i.closed_at,
                     "cancelled_at": i.cancelled_at, "history": intervention_history.get(i.pk, [])}
                    for i in by_call.get(call.pk, [])
                ],
            }
        )  # fmt: skip
    data = {
        "request": {"id": request.pk, "kind": request.kind, "received_at": request.received_at,
                    "answered_at": request.answered_at},
        "generated_at": timezone.now(),
        "calls": rows,
    }  # fmt: skip
    plain: dict[str, Any] = json_plain(data)
    return plain


def export_caller_token(request: PersonalRequest) -> str:
    """The caller's token of an answered request's calls (the request no longer keeps it): what
    the access log files the export's download under."""
    call_ids = [int(pk) for pk in request.outcome.get("calls", [])]
    token = (
        Call.objects.filter(pk__in=call_ids).exclude(caller_token="").values_list("caller_token", flat=True)
    )
    return token.first() or ""


def request_export_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode()


def request_export_pdf(data: dict[str, Any]) -> bytes:
    """The same export for a person to read: each call, its interventions and their history."""
    regular, bold = pdf_fonts()
    styles = {
        "title": ParagraphStyle("title", fontName=bold, fontSize=16, leading=20, spaceAfter=6),
        "h2": ParagraphStyle("h2", fontName=bold, fontSize=12, leading=15, spaceBefore=10, spaceAfter=4),
        "h3": ParagraphStyle("h3", fontName=bold, fontSize=10, leading=13, spaceBefore=6, spaceAfter=2),
        "body": ParagraphStyle("body", fontName=regular, fontSize=9, leading=12),
        "small": ParagraphStyle("small", fontName=regular, fontSize=7.5, leading=9.5, leftIndent=8),
        "change": ParagraphStyle("change", fontName=regular, fontSize=7.5, leading=9.5, leftIndent=16),
    }
    request = data["request"]
    buffer = io.BytesIO()
    title = _("Data held about your phone number")
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm, topMargin=16 * mm, bottomMargin=16 * mm,
        title=title, author="Pronto",
    )  # fmt: skip

    def p(text: Any, style: str = "body") -> Paragraph:
        return Paragraph(escape(str(text)), styles[style])

    story: list[Flowable] = [
        p(title, "title"),
        p(_("Answer to request #%(id)s, received %(at)s; drawn up %(now)s.")
          % {"id": request["id"], "at": request["received_at"], "now": data["generated_at"]}),
        p(_("%(n)s calls from this number.") % {"n": len(data["calls"])}),
    ]  # fmt: skip
    for call in data["calls"]:
        story.append(
            p(_("Call #%(id)s, received %(at)s") % {"id": call["id"], "at": call["received_at"]}, "h2")
        )
        plant = call["plant"]
        facts = [
            (_("Caller's number"), call["caller_number"] or "—"),
            (_("Answered"), call["answered_at"] or "—"),
            (_("Ended"), call["ended_at"] or "—"),
            (_("Plant"), f"{plant['code']} {plant['name']}" if plant else "—"),
            (_("Type"), call["call_type"] or "—"),
            (_("Notes"), call["notes"] or "—"),
        ]
        story += [p(f"{label}: {value}") for label, value in facts]
        for callback in call["callbacks"]:
            story.append(
                p(_("Callback due %(at)s (%(status)s) to %(number)s: %(note)s %(outcome)s")
                  % {"at": callback["due_at"], "status": callback["status"],
                     "number": callback["number"] or "—", "note": callback["note"],
                     "outcome": callback["outcome"]})
            )  # fmt: skip
        story += _history(call["history"], p, SubjectType.CALL)
        for intervention in call["interventions"]:
            story.append(
                p(_("Intervention #%(id)s, opened %(at)s: %(summary)s (%(status)s)")
                  % {"id": intervention["id"], "at": intervention["opened_at"],
                     "summary": intervention["summary"], "status": intervention["status"]}, "h3")
            )  # fmt: skip
            story += _history(intervention["history"], p, SubjectType.INTERVENTION)
    document.build(story)
    return buffer.getvalue()


def _history(entries: list[dict[str, Any]], p: Any, subject_type: str) -> list[Flowable]:
    """The history as the pages read it (``dispatch.timeline``): a sentence per event, in the
    reader's language with local times, and the fields it changed; built from the export's own
    data, so it says no more than the JSON export does."""
    lines: list[Flowable] = [p(_("History"), "h3")] if entries else []
    for entry in entries:
        occurred_at = as_datetime(entry["at"]) or timezone.now()
        event = Event(
            kind=entry["what"], data=entry["data"], occurred_at=occurred_at, subject_type=subject_type
        )
        lines.append(p(f"{label(occurred_at)} · {event_sentence(event)}", "small"))
        lines += [
            # "->", not the pages' arrow: the fallback font (dispatch.fonts) has no glyph for it.
            p(f"– {change.field}: {change.before} -> {change.after}", "change")
            for change in event_changes(event)
        ]
    return lines
