"""Fax pages: always one page, large black type, fax-standard TIFF. No database."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image, ImageChops, ImageDraw
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics

from notifications import fax
from notifications.fax import fax_pdf_render, fax_tiff_render

TITLE = "Intervento 12 — Città di Sant'Elpidio: perdita di gas"
LINES = [
    "Priorità: CRITICA",
    "Impianto P1, cabina di riduzione «Università», via dell'Artigianato 3",
    "",
    "Il cliente segnala odore di gas vicino al contatore. È anziano: suonare più volte, perché "
    "non sente bene. Costo stimato 120 €.",
]
ITALIAN = "àèéìòùÀÈÉÌÒÙ «perché» più città €"
MARKER = "… continues in the intervention page"


def long_summary() -> tuple[str, list[str], str]:
    title = "Intervento 99 " + "molto lungo " * 40
    lines = [f"Riga {i}: " + "testo della segnalazione " * 12 for i in range(300)]
    lines.append("https://pronto.example.org/" + "x" * 400)  # one word wider than the page
    footer = "Pronto — pagina generata automaticamente " * 20
    return title, lines, footer


def pdf_pages(pdf: bytes) -> int:
    # Page objects are never compressed by ReportLab (only their content streams are).
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def pdf_layout(title: str, lines: list[str], footer: str):
    regular, bold = fax.pdf_fonts()

    def measure(text: str, is_bold: bool, size: float) -> float:
        return pdfmetrics.stringWidth(text, bold if is_bold else regular, size)

    width, height = A4
    return fax._layout(title, lines, footer, width=width, height=height, measure=measure), measure


# --------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------


def test_pdf_is_one_a4_page():
    pdf = fax_pdf_render(title=TITLE, lines=LINES, footer="Pronto · 12/03/2025 14:05")

    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert pdf_pages(pdf) == 1
    assert re.search(rb"/Count 1\b", pdf)
    assert re.search(rb"/MediaBox \[\s*0 0 595\.2756 841\.8898\s*\]", pdf)


def test_pdf_of_a_very_long_summary_is_still_one_page():
    title, lines, footer = long_summary()

    pdf = fax_pdf_render(title=title, lines=lines, footer=footer)

    assert pdf_pages(pdf) == 1


def test_a_short_summary_is_set_large_and_whole():
    layout, _measure = pdf_layout(TITLE, LINES, "Pronto")

    assert layout.body_size == max(fax.BODY_SIZES) == 14
    assert layout.more == ""
    assert " ".join(layout.body).split() == " ".join(LINES).split()
    assert " ".join(layout.title) == TITLE
    assert layout.footer == ["Pronto"]


def test_a_long_summary_shrinks_to_12_pt_then_is_cut_with_a_visible_marker():
    title, lines, footer = long_summary()

    layout, measure = pdf_layout(title, lines, footer)

    assert layout.body_size == 12  # never smaller
    assert layout.more == MARKER
    assert layout.body[0].startswith("Riga 0: ")
    assert len(layout.title) == fax.TITLE_MAX_LINES and layout.title[-1].endswith("…")
    assert len(layout.footer) == fax.FOOTER_MAX_LINES and layout.footer[-1].endswith("…")
    text_width = A4[0] - 2 * fax.MARGIN_SIDE
    assert all(measure(line, False, 12) <= text_width for line in layout.body)
    assert all(measure(line, True, fax.TITLE_SIZE) <= text_width for line in layout.title)
    used = (
        fax.MARGIN_TOP
        + len(layout.title) * fax.TITLE_SIZE * fax.LEADING
        + fax.TITLE_GAP
        + (len(layout.body) + 1) * 12 * fax.LEADING
        + fax.FOOTER_GAP
        + len(layout.footer) * fax.FOOTER_SIZE * fax.LEADING
        + fax.MARGIN_BOTTOM
    )
    assert used <= A4[1]


def test_a_summary_just_over_the_page_at_14_pt_fits_at_a_smaller_size_without_a_cut():
    # 40 lines fit at 14 pt under a one-line title; 42 need 13 pt.
    short_lines = [f"Riga {i}" for i in range(42)]

    layout, _measure = pdf_layout("Intervento", short_lines, "")

    assert 12 <= layout.body_size < 14
    assert layout.more == ""
    assert layout.body == short_lines


def test_a_word_wider_than_the_page_is_broken_not_lost():
    url = "https://pronto.example.org/" + "x" * 300

    layout, _measure = pdf_layout("Intervento", [url], "")

    assert len(layout.body) > 1
    assert "".join(layout.body) == url


def test_italian_accented_text_renders_in_the_pdf():
    pdf = fax_pdf_render(title=ITALIAN, lines=[ITALIAN, ITALIAN.upper()], footer=ITALIAN)

    assert pdf_pages(pdf) == 1
    regular, bold = fax.pdf_fonts()
    for name in (regular, bold):
        font = pdfmetrics.getFont(name)
        if hasattr(font, "face") and hasattr(font.face, "charToGlyph"):
            # Every character has its own glyph, not the missing-glyph box.
            missing = [ch for ch in ITALIAN if ch != " " and not font.face.charToGlyph.get(ord(ch))]
            assert missing == []


# --------------------------------------------------------------------------------------------
# TIFF
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("compression", ["group3", "group4"])
def test_tiff_is_a_fax_standard_fine_resolution_page(compression):
    tiff = fax_tiff_render(title=TITLE, lines=LINES, footer="Pronto", compression=compression)

    with Image.open(io.BytesIO(tiff)) as image:
        assert image.format == "TIFF"
        assert image.n_frames == 1
        assert image.size == (1728, 2292)
        assert image.mode == "1"
        assert image.info["compression"] == compression
        assert image.info["dpi"] == pytest.approx((204, 196))
        assert {value for _count, value in image.convert("L").getcolors()} == {0, 255}


def tiff_ink_box(tiff: bytes) -> tuple[int, int, int, int]:
    """The box around every black pixel."""
    with Image.open(io.BytesIO(tiff)) as image:
        ink = ImageChops.invert(image.convert("L"))
        box = ink.getbbox()
    assert box is not None, "nothing is drawn"
    return box


def test_tiff_of_a_very_long_summary_stays_inside_the_margins():
    title, lines, footer = long_summary()

    tiff = fax_tiff_render(title=title, lines=lines, footer=footer)

    left, top, right, bottom = tiff_ink_box(tiff)
    scale = 204 / 72
    margin_px = fax.MARGIN_SIDE * scale
    assert left >= margin_px - 5
    assert right <= 1728 - margin_px + 5
    assert top >= fax.MARGIN_TOP * 196 / 72 * 0.8  # clear of the fax machine's own header line
    assert bottom <= 2292 - fax.MARGIN_BOTTOM * 196 / 72 * 0.5


def test_tiff_type_is_large_enough_for_a_fax():
    tiff = fax_tiff_render(title="", lines=["H"], footer="")

    with Image.open(io.BytesIO(tiff)) as image:
        ink = ImageChops.invert(image.convert("L"))
    # Ignore the title rule: look below it for the capital H of the body.
    rule_bottom = int((fax.MARGIN_TOP + fax.TITLE_SIZE * fax.LEADING + fax.TITLE_GAP) * 196 / 72) + 5
    left, top, right, bottom = ink.crop((0, rule_bottom, 1728, 2292)).getbbox()
    cap_height_pt = (bottom - top) / 196 * 72
    # A capital is ~0.73 em: 14 pt type has ~10 pt capitals; 12 pt, the floor, ~8.7 pt.
    assert cap_height_pt >= 0.7 * 12


def test_italian_accented_text_renders_in_the_tiff():
    tiff = fax_tiff_render(title=ITALIAN, lines=[ITALIAN, ITALIAN.upper()], footer=ITALIAN)

    with Image.open(io.BytesIO(tiff)) as image:
        assert image.size == (1728, 2292)
    font = fax._pil_font(False, 40)

    def glyph(text: str) -> bytes:
        image = Image.new("L", (60, 60), 0)
        ImageDraw.Draw(image).text((10, 50), text, font=font, fill=255, anchor="ls")
        return image.tobytes()

    missing_glyph = glyph("\ue000")  # a private-use character: no font has it
    for plain, accented in [("a", "à"), ("E", "È"), ("e", "é"), ("u", "ù")]:
        drawn = glyph(accented)
        assert drawn != glyph(plain)
        assert drawn != missing_glyph


def test_tiff_refuses_an_unknown_compression():
    with pytest.raises(ValueError, match="compression"):
        fax_tiff_render(title="x", lines=[], compression="lzw")
