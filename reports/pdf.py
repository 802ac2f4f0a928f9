"""A signed-off service-level report as PDF, drawn from the figures stored at sign-off (so the
file is the same whenever it is downloaded, and its figures' SHA-256 is printed on it)."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import KeepTogether

from dispatch.fonts import pdf_fonts

MISSES_IN_PDF = 50


def service_levels_pdf(sign_off) -> bytes:
    """A supervisor's signed-off report."""
    signer = sign_off.signed_by.get_full_name() or sign_off.signed_by.username
    issued = _("Signed off by %(name)s on %(at)s.") % {
        "name": signer, "at": timezone.localtime(sign_off.signed_at).strftime("%Y-%m-%d %H:%M %Z"),
    }  # fmt: skip
    return report_pdf(
        sign_off.figures, digest=sign_off.figures_sha256, issued=issued, note=sign_off.note, author=signer
    )


def report_run_pdf(run) -> bytes:
    """A report Pronto computed (in the background, or for the monthly email): not signed off."""
    issued = _("Computed by Pronto on %(at)s; not signed off.") % {
        "at": timezone.localtime(run.finished_at).strftime("%Y-%m-%d %H:%M %Z"),
    }  # fmt: skip
    return report_pdf(run.figures, digest=run.figures_sha256, issued=issued)


def report_pdf(data: dict, *, digest: str, issued: str, note: str = "", author: str = "Pronto") -> bytes:
    """The report's data (``reports.figures.report_data``) as a landscape A4 PDF."""
    regular, bold = pdf_fonts()
    styles = {
        "title": ParagraphStyle("title", fontName=bold, fontSize=16, leading=20, spaceAfter=6),
        "h2": ParagraphStyle("h2", fontName=bold, fontSize=12, leading=15, spaceBefore=10, spaceAfter=4),
        "body": ParagraphStyle("body", fontName=regular, fontSize=9, leading=12),
        "small": ParagraphStyle("small", fontName=regular, fontSize=7.5, leading=9.5),
        "cell": ParagraphStyle("cell", fontName=regular, fontSize=8, leading=10),
    }
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=landscape(A4), leftMargin=14 * mm, rightMargin=14 * mm, topMargin=14 * mm,
        bottomMargin=16 * mm, title=_("Service levels") + f" — {data['customer_name']}", author=author,
    )  # fmt: skip

    def p(text, style="body"):
        return Paragraph(escape(str(text)), styles[style])

    story = [
        p(_("Service levels") + f" — {data['customer_name']}", "title"),
        p(
            _("Calls received from %(start)s to %(end)s (%(tz)s); grouped by %(group)s.")
            % {"start": data["start"], "end": data["end"], "tz": data["time_zone"], "group": data["group_by"]}
        ),
        p(issued),
    ]
    if note:
        story.append(p(_("Note: %(note)s") % {"note": note}))
    for profile in data["profiles"]:
        story += _profile_section(profile, p, styles, regular, bold)
    if data["apart"] or data["outside"] or data.get("test_calls"):
        story.append(p(_("Not held to a standard"), "h2"))
        if data.get("test_calls"):
            story.append(p(_("Test calls (left out of every figure): %(n)s") % {"n": data["test_calls"]}))
        for call_type, count in data["apart"].items():
            story.append(p(_("%(t)s: %(n)s (counted apart)") % {"t": call_type, "n": count}))
        for call_type, count in data["outside"].items():
            story.append(p(f"{call_type or _('no call type')}: {count} ({_('outside the statistics')})"))
    story.append(p(_("Rules"), "h2"))
    story += [p(f"{index}. {rule}", "small") for index, rule in enumerate(data["rules"], 1)]

    footer = _("Figures SHA-256 %(digest)s · computed %(at)s") % {"digest": digest, "at": data["computed_at"]}

    def decorate(canvas, doc):
        canvas.saveState()
        canvas.setFont(regular, 7)
        canvas.drawString(14 * mm, 8 * mm, footer)
        canvas.drawRightString(landscape(A4)[0] - 14 * mm, 8 * mm, str(doc.page))
        canvas.restoreState()

    document.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()


def _profile_section(profile, p, styles, regular, bold) -> list:
    rules = profile["rules"]
    story = [p(f"{rules['name']} (v{rules['version']})", "h2")]
    standards = []
    if rules["answer_target_seconds"]:
        standards.append(
            _("answer within %(s)s s in at least %(p)s%% of calls")
            % {"s": rules["answer_target_seconds"], "p": rules["answer_min_percent"]}
        )
    if rules["arrival_target_minutes"]:
        standards.append(
            _("arrival within %(m)s min in at least %(p)s%% of calls")
            % {"m": rules["arrival_target_minutes"], "p": rules["arrival_min_percent"]}
        )
    story.append(p("; ".join(standards)))
    total = profile["total"]
    if not total["calls"]:
        story.append(p(_("No call counted by this profile in the period.")))
        return story
    header = [_("Group"), _("Calls")]
    if rules["answer_target_seconds"]:
        header += [_("Answered within"), _("Answered late"), _("Hung up within"), _("Answer share %")]
    if rules["arrival_target_minutes"]:
        header += [_("Arrived within"), _("Arrived late or not"), _("No intervention"), _("Arrival share %")]
    rows = [header]
    for label, figures in [*((g["label"], g["figures"]) for g in profile["groups"]), (_("Total"), total)]:
        row = [label, figures["calls"]]
        if rules["answer_target_seconds"]:
            answer = figures["answer"]
            row += [answer.get("within", 0), answer.get("missed", 0), answer.get("abandoned", 0),
                    "" if figures["answer_share"] is None else figures["answer_share"]]  # fmt: skip
        if rules["arrival_target_minutes"]:
            arrival = figures["arrival"]
            row += [arrival.get("within", 0), arrival.get("missed", 0),
                    arrival.get("no_intervention", 0) + arrival.get("cancelled", 0),
                    "" if figures["arrival_share"] is None else figures["arrival_share"]]  # fmt: skip
        rows.append(row)
    table = Table(rows, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), regular, 8),
                ("FONT", (0, 0), (-1, 0), bold, 8),
                ("FONT", (0, -1), (-1, -1), bold, 8),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("ROWBACKGROUNDS", (0, 1), (-1, -2), [colors.white, colors.HexColor("#f2f4f7")]),
            ]
        )
    )
    story.append(table)
    verdicts = []
    for kind, label in (("answer_meets", _("Answer standard")), ("arrival_meets", _("Arrival standard"))):
        if profile[kind] is not None:
            verdicts.append(f"{label}: {_('met') if profile[kind] else _('not met')}")
    if verdicts:
        story.append(Spacer(1, 3 * mm))
        story.append(p(" · ".join(verdicts)))
    if profile["misses"]:
        story.append(
            p(
                _("%(total)s calls missed a standard; the first %(n)s:")
                % {"total": profile["misses_total"], "n": min(MISSES_IN_PDF, len(profile["misses"]))},
                "body",
            )
        )
        lines = [[_("Call"), _("Received"), _("Plant"), _("Intervention"), _("Why")]]
        for miss in profile["misses"][:MISSES_IN_PDF]:
            lines.append(
                [f"#{miss['call_id']}", miss["received_at"], miss["plant_code"],
                 f"#{miss['intervention_id']}" if miss["intervention_id"] else "—",
                 Paragraph(escape("; ".join(miss["reasons"])), styles["cell"])]
            )  # fmt: skip
        misses = Table(
            lines, repeatRows=1, hAlign="LEFT", colWidths=[20 * mm, 48 * mm, 28 * mm, 24 * mm, 140 * mm]
        )
        misses.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), regular, 7.5),
                    ("FONT", (0, 0), (-1, 0), bold, 7.5),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story.append(KeepTogether([misses]) if len(lines) < 15 else misses)
    return story
