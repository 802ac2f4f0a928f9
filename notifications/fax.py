"""Intervention summaries laid out for fax: one page, large black type, nothing that a 200 dpi
scanner turns into mush.

Two renderings of the same layout:

- ``fax_pdf_render``: an A4 PDF (ReportLab), what email-to-fax gateways and HylaFAX accept;
- ``fax_tiff_render``: a TIFF Class F image (Pillow), the fax machine's own format, for gateways
  that only take TIFF.

Both always produce exactly one page: the body is set at 14 pt, shrunk down to 12 pt (the
smallest size a received fax still reads comfortably) if that makes it fit, and cut after that,
with a bold "continues" marker in place of the last line that fits. The title is kept to three
lines and the footer to two, cut with an ellipsis.
"""

from __future__ import annotations

import io
import math
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

from dispatch.fonts import font_files, pdf_fonts

# Sizes in points. 12 pt is the floor: at fax "fine" resolution it is ~34 pixels high, smaller
# type loses its counters (e, a, 8 fill in) on a worn receiving machine.
TITLE_SIZE = 20.0
BODY_SIZES = (14.0, 13.0, 12.0)
FOOTER_SIZE = 12.0
LEADING = 1.25
TITLE_MAX_LINES = 3
FOOTER_MAX_LINES = 2
# Generous margins: fax machines print their own header line (sender, date, page) over the top
# few millimetres and crop the edges of the paper.
MARGIN_TOP = 54.0
MARGIN_BOTTOM = 40.0
MARGIN_SIDE = 42.0
RULE_WIDTH = 1.5
TITLE_GAP = 12.0
FOOTER_GAP = 10.0
ELLIPSIS = "…"

# TIFF Class F, "fine" resolution: 1728 dots across a 215 mm scan line at 204 dpi, 196 lines
# per inch down an A4 page (297 mm -> 2292 rows).
FAX_WIDTH_PX = 1728
FAX_DPI = (204, 196)
FAX_HEIGHT_PX = round(297 / 25.4 * FAX_DPI[1])
FAX_COMPRESSIONS = ("group3", "group4")

Measure = Callable[[str, bool, float], float]


@cache
def _pil_font(bold: bool, pixels: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    files = font_files()
    if files is not None:
        return ImageFont.truetype(str(files[1] if bold else files[0]), pixels)
    return ImageFont.load_default(size=pixels)


def _clean(text: str) -> str:
    """One line of text without control characters (a stray tab or NUL draws as a box)."""
    text = text.replace("\t", "    ")
    return "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")


def _wrap(text: str, fits: Callable[[str], bool]) -> list[str]:
    """Greedy word wrap; a word wider than the line (a URL, a serial number) is broken between
    characters rather than run off the paper."""
    words = _clean(text).split()
    if not words:
        return [""]
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if fits(candidate):
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        while not fits(word):
            cut = len(word) - 1
            while cut > 1 and not fits(word[:cut]):
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    lines.append(current)
    return lines


def _cut(lines: list[str], limit: int, fits: Callable[[str], bool]) -> list[str]:
    """At most ``limit`` lines, the last one ending in an ellipsis when something was dropped."""
    if len(lines) <= limit:
        return lines
    kept = lines[:limit]
    last = kept[-1]
    while last and not fits(last + ELLIPSIS):
        last = last[:-1]
    kept[-1] = last.rstrip() + ELLIPSIS
    return kept


@dataclass(frozen=True)
class _Layout:
    title: list[str]
    body: list[str]
    body_size: float
    footer: list[str]
    # The marker line shown (bold) after the body when the body was cut; "" otherwise.
    more: str


def _layout(title: str, lines: list[str], footer: str, *, width: float, height: float, measure: Measure):
    """Where every line goes on a page of ``width`` x ``height`` points; ``measure(text, bold,
    size)`` is the advance width of ``text`` in points."""
    text_width = width - 2 * MARGIN_SIDE

    def fitter(bold: bool, size: float) -> Callable[[str], bool]:
        return lambda text: measure(text, bold, size) <= text_width

    title_fits = fitter(True, TITLE_SIZE)
    title_lines = _cut(_wrap(title, title_fits), TITLE_MAX_LINES, title_fits)
    footer_fits = fitter(False, FOOTER_SIZE)
    footer_lines = _cut(_wrap(footer, footer_fits), FOOTER_MAX_LINES, footer_fits) if footer.strip() else []
    available = (
        height
        - MARGIN_TOP
        - MARGIN_BOTTOM
        - len(title_lines) * TITLE_SIZE * LEADING
        - TITLE_GAP
        - (len(footer_lines) * FOOTER_SIZE * LEADING + FOOTER_GAP if footer_lines else 0)
    )
    paragraphs = [line for raw in lines for line in (raw.splitlines() or [""])]
    for size in BODY_SIZES:
        body_fits = fitter(False, size)
        wrapped = [part for paragraph in paragraphs for part in _wrap(paragraph, body_fits)]
        capacity = math.floor(available / (size * LEADING))
        if len(wrapped) <= capacity:
            return _Layout(title_lines, wrapped, size, footer_lines, "")
    more_fits = fitter(True, size)
    more = _cut(_wrap(_("… continues in the intervention page"), more_fits), 1, more_fits)[0]
    kept = wrapped[: max(capacity - 1, 0)]
    # A blank line just before the marker would look like the end of the text.
    while kept and not kept[-1].strip():
        kept.pop()
    return _Layout(title_lines, kept, size, footer_lines, more)


def fax_pdf_render(*, title: str, lines: list[str], footer: str = "") -> bytes:
    """A one-page A4 PDF: ``title`` as a bold heading over a black rule, ``lines`` (each may hold
    several lines; blank ones are kept as spacing) wrapped to the page width, ``footer`` at the
    bottom. Black on white only, type never under 12 pt; what does not fit is cut and replaced
    by a "continues in the intervention page" marker, so the result is always exactly one page."""
    regular, bold = pdf_fonts()
    width, height = A4

    def measure(text: str, is_bold: bool, size: float) -> float:
        return pdfmetrics.stringWidth(text, bold if is_bold else regular, size)

    layout = _layout(title, lines, footer, width=width, height=height, measure=measure)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    pdf.setTitle(_clean(title))
    pdf.setAuthor("Pronto")
    pdf.setCreator("Pronto")
    pdf.setFillColorRGB(0, 0, 0)
    pdf.setStrokeColorRGB(0, 0, 0)

    # ReportLab's y runs upwards from the bottom edge; each line is placed by its baseline.
    y = height - MARGIN_TOP
    for line in layout.title:
        y -= TITLE_SIZE
        pdf.setFont(bold, TITLE_SIZE)
        pdf.drawString(MARGIN_SIDE, y, line)
        y -= TITLE_SIZE * (LEADING - 1)
    y -= TITLE_GAP / 2
    pdf.setLineWidth(RULE_WIDTH)
    pdf.line(MARGIN_SIDE, y, width - MARGIN_SIDE, y)
    y -= TITLE_GAP / 2
    size = layout.body_size
    for line in layout.body:
        y -= size * LEADING
        pdf.setFont(regular, size)
        pdf.drawString(MARGIN_SIDE, y, line)
    if layout.more:
        y -= size * LEADING
        pdf.setFont(bold, size)
        pdf.drawString(MARGIN_SIDE, y, layout.more)
    y = MARGIN_BOTTOM + (len(layout.footer) - 1) * FOOTER_SIZE * LEADING
    for line in layout.footer:
        pdf.setFont(regular, FOOTER_SIZE)
        pdf.drawString(MARGIN_SIDE, y, line)
        y -= FOOTER_SIZE * LEADING
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def fax_tiff_render(*, title: str, lines: list[str], footer: str = "", compression: str = "group3") -> bytes:
    """The same page as ``fax_pdf_render`` as a TIFF Class F image: 1728 x 2292 pixels, 1 bit
    per pixel, 204 x 196 dpi ("fine"), CCITT ``compression`` ("group3", T.4, what Class F
    specifies and every fax gateway reads; or "group4", T.6, smaller)."""
    if compression not in FAX_COMPRESSIONS:
        raise ValueError(f"compression must be one of {FAX_COMPRESSIONS}, not {compression!r}")
    # Drawn with square pixels at the horizontal 204 dpi, then squeezed to 196 lines per inch:
    # drawn straight at 1728 x 2292 the letters would come out 4% too tall on paper.
    scale = FAX_DPI[0] / 72
    draw_height = round(FAX_HEIGHT_PX * FAX_DPI[0] / FAX_DPI[1])
    width_pt, height_pt = FAX_WIDTH_PX / scale, draw_height / scale

    def font(is_bold: bool, size: float):
        return _pil_font(is_bold, round(size * scale))

    def measure(text: str, is_bold: bool, size: float) -> float:
        return font(is_bold, size).getlength(text) / scale

    layout = _layout(title, lines, footer, width=width_pt, height=height_pt, measure=measure)
    # Grey antialiasing while drawing, then a hard threshold: fax has no grey, and dithered
    # edges would only add noise to the scan lines.
    image = Image.new("L", (FAX_WIDTH_PX, draw_height), 255)
    draw = ImageDraw.Draw(image)
    x = round(MARGIN_SIDE * scale)

    def text_at(baseline_pt: float, line: str, is_bold: bool, size: float) -> None:
        draw.text((x, round(baseline_pt * scale)), line, font=font(is_bold, size), fill=0, anchor="ls")

    # Pillow's y runs downwards from the top edge; each line is placed by its baseline.
    y = MARGIN_TOP
    for line in layout.title:
        y += TITLE_SIZE
        text_at(y, line, True, TITLE_SIZE)
        y += TITLE_SIZE * (LEADING - 1)
    y += TITLE_GAP / 2
    draw.line(
        [(x, round(y * scale)), (FAX_WIDTH_PX - x, round(y * scale))], fill=0, width=round(RULE_WIDTH * scale)
    )
    y += TITLE_GAP / 2
    size = layout.body_size
    for line in layout.body:
        y += size * LEADING
        text_at(y, line, False, size)
    if layout.more:
        y += size * LEADING
        text_at(y, layout.more, True, size)
    y = height_pt - MARGIN_BOTTOM - (len(layout.footer) - 1) * FOOTER_SIZE * LEADING
    for line in layout.footer:
        text_at(y, line, False, FOOTER_SIZE)
        y += FOOTER_SIZE * LEADING

    image = image.resize((FAX_WIDTH_PX, FAX_HEIGHT_PX), Image.Resampling.LANCZOS)
    bilevel = image.convert("1", dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    bilevel.save(buffer, format="TIFF", compression=compression, dpi=FAX_DPI)
    return buffer.getvalue()
