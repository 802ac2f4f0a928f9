"""The after-action report of a major incident as PDF (ReportLab, as the service-level reports):
its times, counts, calls per minute (or per wider bucket), the updates given and the timeline.
No caller's number and no operator's name: the utility's users download it too."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from dispatch.fonts import pdf_fonts
from incidents.choices import IncidentState, UpdateKind
from incidents.selectors.pages import AfterAction

TIMELINE_IN_PDF = 300


def local(at: datetime | None) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S") if at else "—"


def duration(span: timedelta | None) -> str:
    """``1 h 05 min 07 s``: the report's times, exact to the second."""
    if span is None:
        return "—"
    seconds = max(0, int(span.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours} h {minutes:02d} min {secs:02d} s" if hours else f"{minutes} min {secs:02d} s"


def _table(rows: list[list[Any]], regular: str, bold: str, widths: list[float] | None = None) -> Table:
    table = Table(rows, repeatRows=1, hAlign="LEFT", colWidths=widths)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), regular, 8),
                ("FONT", (0, 0), (-1, 0), bold, 8),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f2f4f7")]),
            ]
        )
    )
    return table


def _chart(report: AfterAction, regular: str) -> Drawing:
    drawing = Drawing(180 * mm, 55 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 12 * mm, 8 * mm, 165 * mm, 42 * mm
    chart.data = [[count for _start, count in report.calls_per_bucket] or [0]]
    labels = [f"{timezone.localtime(start):%H:%M}" for start, _count in report.calls_per_bucket]
    step = max(1, len(labels) // 12)
    chart.categoryAxis.categoryNames = [label if i % step == 0 else "" for i, label in enumerate(labels)] or [
        ""
    ]
    chart.categoryAxis.labels.fontName = regular
    chart.categoryAxis.labels.fontSize = 6
    chart.valueAxis.labels.fontName = regular
    chart.valueAxis.labels.fontSize = 6
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = colors.HexColor("#0b5cad")
    chart.bars[0].strokeColor = None
    drawing.add(chart)
    return drawing


def after_action_pdf(report: AfterAction) -> bytes:
    """The report as a portrait A4 PDF."""
    incident = report.incident
    regular, bold = pdf_fonts()
    styles = {
        "title": ParagraphStyle("title", fontName=bold, fontSize=15, leading=19, spaceAfter=4),
        "h2": ParagraphStyle("h2", fontName=bold, fontSize=11, leading=14, spaceBefore=8, spaceAfter=3),
        "body": ParagraphStyle("body", fontName=regular, fontSize=9, leading=12),
        "cell": ParagraphStyle("cell", fontName=regular, fontSize=7.5, leading=9.5),
    }

    def p(text: object, style: str = "body") -> Paragraph:
        return Paragraph(escape(str(text)), styles[style])

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=14 * mm, rightMargin=14 * mm, topMargin=14 * mm, bottomMargin=16 * mm,
        title=_("After-action report") + f" — {incident.title}", author="Pronto",
    )  # fmt: skip
    story: list[Any] = [
        p(_("After-action report") + f" — {incident.title}", "title"),
        p(
            f"{incident.customer.name} · {incident.node.code} {incident.node.name} · "
            f"{IncidentState(incident.state).label}"
        ),  # fmt: skip
        p(
            _("Reach when declared: %(nodes)s nodes, %(points)s supply points.")
            % {"nodes": incident.reach_nodes, "points": incident.reach_supply_points}
        ),  # fmt: skip
    ]
    if incident.cause:
        story.append(p(_("Cause: %(cause)s") % {"cause": incident.cause}))
    story.append(p(_("Times"), "h2"))
    story.append(
        _table(
            [
                [_("Moment"), _("At"), _("Time taken")],
                [_("First call or alarm"), local(report.first_event_at), ""],
                [_("Detected (first report)"), local(incident.detected_at), duration(report.to_detect)],
                [_("Declared"), local(incident.declared_at), duration(report.to_declare)],
                [_("Resolved"), local(incident.resolved_at), duration(report.to_resolve)],
                [_("Closed"), local(incident.closed_at), ""],
            ],
            regular,
            bold,
            [60 * mm, 50 * mm, 50 * mm],
        )  # fmt: skip
    )
    counts = report.counts
    story.append(p(_("Counts"), "h2"))
    story.append(
        p(
            _("%(calls)s calls, %(alarms)s alarms, %(interventions)s interventions, %(updates)s updates.")
            % counts
        )
    )
    story.append(
        p(
            _("Calls per %(minutes)s min (peak %(peak)s)")
            % {"minutes": report.bucket_minutes, "peak": report.peak},
            "h2",
        )  # fmt: skip
    )
    story.append(_chart(report, regular))
    story.append(p(_("Updates"), "h2"))
    story.append(
        _table(
            [[_("At"), _("What"), _("Public message"), _("ETA")]]
            + [
                [
                    local(u.at),
                    str(UpdateKind(u.kind).label),
                    Paragraph(escape(u.public_text), styles["cell"]),
                    local(u.eta),
                ]
                for u in report.updates
            ],
            regular,
            bold,
            [32 * mm, 26 * mm, 92 * mm, 32 * mm],
        )  # fmt: skip
    )
    story.append(p(_("Timeline"), "h2"))
    entries = report.timeline[:TIMELINE_IN_PDF]
    if report.timeline_total > len(entries):
        story.append(
            p(_("The first %(n)s of %(total)s events.") % {"n": len(entries), "total": report.timeline_total})
        )
    story.append(
        _table(
            [[_("At"), _("What"), _("Detail")]]
            + [[local(e.at), e.kind_label, Paragraph(escape(e.text), styles["cell"])] for e in entries],
            regular,
            bold,
            [32 * mm, 26 * mm, 124 * mm],
        )  # fmt: skip
    )
    story.append(Spacer(1, 4 * mm))
    footer = _("Pronto · incident %(id)s · printed %(at)s") % {"id": incident.pk, "at": local(timezone.now())}

    def decorate(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(regular, 7)
        canvas.drawString(14 * mm, 8 * mm, footer)
        canvas.drawRightString(A4[0] - 14 * mm, 8 * mm, str(doc.page))
        canvas.restoreState()

    document.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()
