"""TrueType fonts for the PDFs Pronto makes (fax pages, signed-off reports): Debian's DejaVu
when installed (accents, €, Greek, Cyrillic), else Bitstream Vera shipped inside ReportLab
(Latin-1 and the common typographic marks, enough for Italian), else the PDF readers' Helvetica."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_CANDIDATES = (
    (
        Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
        Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ),
    (
        Path(pdfmetrics.__file__).parent.parent / "fonts" / "Vera.ttf",
        Path(pdfmetrics.__file__).parent.parent / "fonts" / "VeraBd.ttf",
    ),
)


@cache
def font_files() -> tuple[Path, Path] | None:
    """(regular, bold) TrueType files, or None."""
    for regular, bold in FONT_CANDIDATES:
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


@cache
def pdf_fonts() -> tuple[str, str]:
    """ReportLab font names (regular, bold), registered once per process."""
    files = font_files()
    if files is None:
        return "Helvetica", "Helvetica-Bold"
    pdfmetrics.registerFont(TTFont("Pronto", str(files[0])))
    pdfmetrics.registerFont(TTFont("Pronto-Bold", str(files[1])))
    return "Pronto", "Pronto-Bold"
