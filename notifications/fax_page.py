"""The dispatch fax: what a technician at a fax machine receives when a case is assigned to them,
laid out as a paper form rather than the SMS text on paper.

Every page carries the centre's header (its name, the numbers and address to answer on, when
the fax was sent, the case's reference and "page n of m"). The first page then has the case's
headline, and the pages that follow as many as it takes: the intervention and plant as a form
(a label column and a value column in ruled boxes), the ways to acknowledge that work from a
fax machine (call, fax back, write), and an empty ruled box for the technician's handwritten
notes, stretched to the bottom of the last page.

The layout is computed once, with ReportLab's font metrics, into drawing operations (text,
lines, boxes) in points from the page's top-left corner; the same operations are drawn to a PDF
(``dispatch_fax_pdf``, archived on the plant, what email-to-fax gateways take) and to a TIFF
Class F image (``dispatch_fax_tiff``: 1728 px across at 204 x 196 dpi, CCITT G3, one frame per
page: what HylaFAX is given, so no rasteriser on the fax server decides how the page looks).
The text arrives already translated (``notifications.rendering.dispatch_fax_content``): this
module knows nothing of languages, cases or settings.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

from dispatch.fonts import pdf_fonts

from .fax import (
    FAX_COMPRESSIONS,
    FAX_DPI,
    FAX_HEIGHT_PX,
    FAX_WIDTH_PX,
    LEADING,
    MARGIN_BOTTOM,
    MARGIN_SIDE,
    MARGIN_TOP,
    _clean,
    _cut,
    _pil_font,
    _wrap,
)

# Points. Nothing under 12 pt: at fax "fine" resolution smaller type fills in (see fax.py).
NAME_SIZE = 16.0
PAGE_SIZE = 14.0
HEADER_SIZE = 12.0
TITLE_SIZE = 16.0
TITLE_MAX_LINES = 3
FIELD_SIZE = 12.0
CELL_PAD = 5.0
LABEL_MAX_WIDTH = 165.0
BLOCK_GAP = 12.0
BOX_LINE = 1.0
RULE_WIDTH = 1.5
# The notes box is at least this tall (about ten handwritten lines); when less is left on the
# last page it goes on a page of its own.
NOTES_MIN_HEIGHT = 170.0
# A form row split across pages keeps at least this many of its lines on the first page.
MIN_SPLIT_LINES = 2


@dataclass(frozen=True)
class FaxField:
    label: str
    # Several lines when it holds newlines (the telecontrol state, long notes).
    value: str


@dataclass(frozen=True)
class DispatchFax:
    """The page's words, already translated. ``page_label`` holds ``%(page)s`` and ``%(pages)s``."""

    centre_name: str
    # "Tel. ...", "Fax ...", "Email ...": each kept whole on a line.
    centre_contacts: list[str]
    sent: str
    reference: str
    page_label: str
    title: str
    fields: list[FaxField]
    acknowledge_title: str
    acknowledge: list[str]
    notes_title: str


@dataclass(frozen=True)
class Text:
    x: float
    y: float  # baseline, from the top edge
    text: str
    bold: bool
    size: float
    align: Literal["left", "right"] = "left"


@dataclass(frozen=True)
class Rule:
    x1: float
    y1: float
    x2: float
    y2: float
    width: float = BOX_LINE


@dataclass(frozen=True)
class Box:
    x: float
    y: float  # top edge, from the top of the page
    width: float
    height: float
    # "notes" marks the box left empty for handwriting (the tests look inside it).
    role: str = ""
    line: float = BOX_LINE


Op = Text | Rule | Box
Measure = Callable[[str, bool, float], float]


@dataclass
class _Page:
    ops: list[Op] = field(default_factory=list)


def _pack(items: list[str], fits: Callable[[str], bool]) -> list[str]:
    """Items joined by " · " on as few lines as fit, an item broken only when alone too wide."""
    lines: list[str] = []
    for item in items:
        candidate = f"{lines[-1]} · {item}" if lines else item
        if lines and fits(candidate):
            lines[-1] = candidate
        else:
            lines.extend(_wrap(item, fits))
    return lines


def _pdf_measure() -> Measure:
    regular, bold = pdf_fonts()
    return lambda text, is_bold, size: pdfmetrics.stringWidth(text, bold if is_bold else regular, size)


class _Flow:
    """Pages being filled from the top; ``room`` is what is left above the bottom margin."""

    def __init__(self, content: DispatchFax, *, width: float, height: float, measure: Measure) -> None:
        self.content, self.width, self.height, self.measure = content, width, height, measure
        self.left, self.right = MARGIN_SIDE, width - MARGIN_SIDE
        self.bottom = height - MARGIN_BOTTOM
        self.pages: list[_Page] = []
        self.y = self.page_top = 0.0
        self.new_page()

    def fits(self, bold: bool, size: float, width: float) -> Callable[[str], bool]:
        return lambda text: self.measure(text, bold, size) <= width

    @property
    def room(self) -> float:
        return self.bottom - self.y

    def new_page(self) -> None:
        """A page with the centre's header; its "page n of m" is filled in at the end."""
        page = _Page()
        self.pages.append(page)
        c, y = self.content, MARGIN_TOP + NAME_SIZE
        text_width = self.right - self.left
        # The page number stays on the right of the name line; the name wraps before it.
        number_room = self.measure(c.page_label % {"page": 99, "pages": 99}, True, PAGE_SIZE) + 12
        name_fits = self.fits(True, NAME_SIZE, text_width - number_room)
        for line in _cut(_wrap(c.centre_name, name_fits), 2, name_fits):
            page.ops.append(Text(self.left, y, line, True, NAME_SIZE))
            y += NAME_SIZE * LEADING
        y -= NAME_SIZE * LEADING
        contacts_fits = self.fits(False, HEADER_SIZE, text_width)
        for line in _cut(_pack(c.centre_contacts, contacts_fits), 3, contacts_fits):
            y += HEADER_SIZE * LEADING
            page.ops.append(Text(self.left, y, line, False, HEADER_SIZE))
        y += HEADER_SIZE * LEADING
        page.ops.append(Text(self.left, y, c.sent, False, HEADER_SIZE))
        page.ops.append(Text(self.right, y, c.reference, True, HEADER_SIZE, "right"))
        y += HEADER_SIZE * (LEADING - 1) + 4
        page.ops.append(Rule(self.left, y, self.right, y, RULE_WIDTH))
        self.y = self.page_top = y + BLOCK_GAP

    def add(self, op: Op) -> None:
        self.pages[-1].ops.append(op)

    def title(self) -> None:
        fits = self.fits(True, TITLE_SIZE, self.right - self.left)
        for line in _cut(_wrap(self.content.title, fits), TITLE_MAX_LINES, fits):
            self.y += TITLE_SIZE
            self.add(Text(self.left, self.y, line, True, TITLE_SIZE))
            self.y += TITLE_SIZE * (LEADING - 1)
        self.y += BLOCK_GAP

    def form(self) -> None:
        fields = self.content.fields
        if not fields:
            return
        widest = max(self.measure(_clean(f.label), True, FIELD_SIZE) for f in fields)
        label_width = min(widest + 2 * CELL_PAD, LABEL_MAX_WIDTH)
        value_x = self.left + label_width
        label_fits = self.fits(True, FIELD_SIZE, label_width - 2 * CELL_PAD)
        value_fits = self.fits(False, FIELD_SIZE, self.right - value_x - 2 * CELL_PAD)
        line_height = FIELD_SIZE * LEADING
        for item in fields:
            labels = _wrap(item.label, label_fits)
            values = [part for raw in (item.value.splitlines() or [""]) for part in _wrap(raw, value_fits)]
            while values:
                rows = max(len(labels), len(values))
                fitting = int((self.room - 2 * CELL_PAD) // line_height)
                if rows > fitting:
                    if fitting < max(MIN_SPLIT_LINES, len(labels)) and self.y > self.page_top:
                        self.new_page()
                        continue
                    rows = max(1, fitting)
                height = rows * line_height + 2 * CELL_PAD
                self.add(Box(self.left, self.y, label_width, height))
                self.add(Box(value_x, self.y, self.right - value_x, height))
                for index, line in enumerate(labels[:rows]):
                    baseline = self.y + CELL_PAD + FIELD_SIZE + index * line_height
                    self.add(Text(self.left + CELL_PAD, baseline, line, True, FIELD_SIZE))
                for index, line in enumerate(values[:rows]):
                    baseline = self.y + CELL_PAD + FIELD_SIZE + index * line_height
                    self.add(Text(value_x + CELL_PAD, baseline, line, False, FIELD_SIZE))
                values = values[rows:]
                self.y += height
        self.y += BLOCK_GAP

    def acknowledge(self) -> None:
        """A ruled block kept whole: split, its second half would read as a different instruction."""
        c = self.content
        fits_bold = self.fits(True, FIELD_SIZE, self.right - self.left - 2 * CELL_PAD)
        fits = self.fits(False, FIELD_SIZE, self.right - self.left - 2 * CELL_PAD)
        title = _wrap(c.acknowledge_title, fits_bold)
        lines = [part for raw in c.acknowledge for part in _wrap(raw, fits)]
        height = (len(title) + len(lines)) * FIELD_SIZE * LEADING + 2 * CELL_PAD
        if height > self.room:
            self.new_page()
        self.add(Box(self.left, self.y, self.right - self.left, height, line=RULE_WIDTH))
        baseline = self.y + CELL_PAD + FIELD_SIZE
        for line, bold in [(line, True) for line in title] + [(line, False) for line in lines]:
            self.add(Text(self.left + CELL_PAD, baseline, line, bold, FIELD_SIZE))
            baseline += FIELD_SIZE * LEADING
        self.y += height + BLOCK_GAP

    def notes(self) -> None:
        heading = FIELD_SIZE * LEADING + 4
        if self.room < heading + NOTES_MIN_HEIGHT:
            self.new_page()
        self.y += FIELD_SIZE
        self.add(Text(self.left, self.y, _clean(self.content.notes_title), True, FIELD_SIZE))
        self.y += FIELD_SIZE * (LEADING - 1) + 4
        self.add(Box(self.left, self.y, self.right - self.left, self.room, role="notes", line=RULE_WIDTH))
        self.y = self.bottom

    def finish(self) -> list[list[Op]]:
        total = len(self.pages)
        result = []
        for number, page in enumerate(self.pages, start=1):
            label = self.content.page_label % {"page": number, "pages": total}
            top = MARGIN_TOP + NAME_SIZE
            result.append([*page.ops, Text(self.right, top, label, True, PAGE_SIZE, "right")])
        return result


def dispatch_fax_layout(
    content: DispatchFax, *, width: float = A4[0], height: float = A4[1], measure: Measure | None = None
) -> list[list[Op]]:
    """The drawing operations of each page (see the module), in points from the top-left."""
    flow = _Flow(content, width=width, height=height, measure=measure or _pdf_measure())
    flow.title()
    flow.form()
    flow.acknowledge()
    flow.notes()
    return flow.finish()


def dispatch_fax_pdf(content: DispatchFax) -> bytes:
    """The dispatch fax as an A4 PDF, one page per page of the layout; black on white only."""
    regular, bold = pdf_fonts()
    width, height = A4
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(_clean(content.title))
    pdf.setAuthor(_clean(content.centre_name) or "Pronto")
    pdf.setCreator("Pronto")
    for ops in dispatch_fax_layout(content):
        pdf.setFillColorRGB(0, 0, 0)
        pdf.setStrokeColorRGB(0, 0, 0)
        for op in ops:
            # ReportLab's y runs upwards from the bottom edge.
            if isinstance(op, Text):
                pdf.setFont(bold if op.bold else regular, op.size)
                draw = pdf.drawRightString if op.align == "right" else pdf.drawString
                draw(op.x, height - op.y, op.text)
            elif isinstance(op, Rule):
                pdf.setLineWidth(op.width)
                pdf.line(op.x1, height - op.y1, op.x2, height - op.y2)
            else:
                pdf.setLineWidth(op.line)
                pdf.rect(op.x, height - op.y - op.height, op.width, op.height, stroke=1, fill=0)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def dispatch_fax_images(content: DispatchFax) -> list[Image.Image]:
    """Each page as a bilevel image at fax resolution (1728 x 2292, 204 x 196 dpi)."""
    # Drawn with square pixels at 204 dpi, then squeezed to 196 lines per inch (as fax.py does);
    # the A4 page is centred on the 215 mm scan line.
    scale = FAX_DPI[0] / 72
    draw_height = round(FAX_HEIGHT_PX * FAX_DPI[0] / FAX_DPI[1])
    offset = (FAX_WIDTH_PX - A4[0] * scale) / 2

    def px(x_pt: float) -> int:
        return round(offset + x_pt * scale)

    def py(y_pt: float) -> int:
        return round(y_pt * scale)

    images = []
    for ops in dispatch_fax_layout(content):
        image = Image.new("L", (FAX_WIDTH_PX, draw_height), 255)
        draw = ImageDraw.Draw(image)
        for op in ops:
            if isinstance(op, Text):
                font = _pil_font(op.bold, round(op.size * scale))
                anchor = "rs" if op.align == "right" else "ls"
                draw.text((px(op.x), py(op.y)), op.text, font=font, fill=0, anchor=anchor)
            elif isinstance(op, Rule):
                draw.line(
                    [(px(op.x1), py(op.y1)), (px(op.x2), py(op.y2))],
                    fill=0,
                    width=max(2, round(op.width * scale)),
                )
            else:
                draw.rectangle(
                    [(px(op.x), py(op.y)), (px(op.x + op.width), py(op.y + op.height))],
                    outline=0,
                    width=max(2, round(op.line * scale)),
                )
        # Thresholded first, then squeezed by dropping one row in 26: a grey resample before the
        # threshold looked no better on paper and made the page twice as slow to draw, and the
        # page is drawn inside the send attempt.
        bilevel = image.convert("1", dither=Image.Dither.NONE)
        images.append(bilevel.resize((FAX_WIDTH_PX, FAX_HEIGHT_PX), Image.Resampling.NEAREST))
    return images


def dispatch_fax_tiff(content: DispatchFax, *, compression: str = "group3") -> bytes:
    """The same pages as ``dispatch_fax_pdf`` as one TIFF Class F file, a frame per page, CCITT
    ``compression`` ("group3", T.4, what Class F specifies; or "group4")."""
    if compression not in FAX_COMPRESSIONS:
        raise ValueError(f"compression must be one of {FAX_COMPRESSIONS}, not {compression!r}")
    first, *rest = dispatch_fax_images(content)
    buffer = io.BytesIO()
    first.save(buffer, format="TIFF", compression=compression, dpi=FAX_DPI, save_all=True, append_images=rest)
    return buffer.getvalue()
