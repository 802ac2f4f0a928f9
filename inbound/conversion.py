"""A received fax as a PDF: PDFs kept as they came, TIFFs (a fax machine's own format, one frame
per page) converted page by page at their own resolution; the cover page's text read back."""

from __future__ import annotations

import io
import logging

from django.utils.translation import gettext as _
from PIL import Image, ImageSequence, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from dispatch.files import PDF, SNIFF_BYTES, TIFF, file_type_sniff

logger = logging.getLogger(__name__)

# A fax longer than this is not a fax: refused rather than converted (and the raw is kept).
MAX_PAGES = 200
# The cover page's text is read for a plant code or a reference; this much is plenty.
COVER_TEXT_CHARS = 5000


class NotAFax(ValueError):
    """The file is neither a readable PDF nor a readable TIFF."""


def is_fax_file(content: bytes) -> bool:
    return file_type_sniff(content[:SNIFF_BYTES]) in (PDF, TIFF)


def fax_pdf(content: bytes) -> tuple[bytes, int, str]:
    """``(pdf, pages, cover_text)`` for a received PDF or TIFF; ``NotAFax`` otherwise. A TIFF
    has no text (nothing here reads images), so its cover text is ""."""
    found = file_type_sniff(content[:SNIFF_BYTES])
    if found == PDF:
        try:
            reader = PdfReader(io.BytesIO(content))
            pages = len(reader.pages)
            if not 0 < pages <= MAX_PAGES:
                raise NotAFax(_("A fax of %(pages)d pages is not accepted.") % {"pages": pages})
            text = (reader.pages[0].extract_text() or "")[:COVER_TEXT_CHARS]
        except (PyPdfError, ValueError, KeyError, TypeError) as exc:
            if isinstance(exc, NotAFax):
                raise
            raise NotAFax(_("The PDF cannot be read: %(error)s") % {"error": exc}) from exc
        return content, pages, text
    if found == TIFF:
        return _tiff_to_pdf(content), _tiff_pages(content), ""
    raise NotAFax(_("The file is neither a PDF nor a TIFF."))


def _tiff_pages(content: bytes) -> int:
    with Image.open(io.BytesIO(content)) as image:
        return int(getattr(image, "n_frames", 1))


def _tiff_to_pdf(content: bytes) -> bytes:
    try:
        with Image.open(io.BytesIO(content)) as image:
            frames = []
            for index, frame in enumerate(ImageSequence.Iterator(image)):
                if index >= MAX_PAGES:
                    raise NotAFax(
                        _("A fax of more than %(pages)d pages is not accepted.") % {"pages": MAX_PAGES}
                    )
                frames.append(frame.convert("1") if frame.mode != "1" else frame.copy())
            dpi = image.info.get("dpi") or (204, 196)
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise NotAFax(_("The TIFF cannot be read: %(error)s") % {"error": exc}) from exc
    buffer = io.BytesIO()
    # Each page keeps the fax's own resolution (204 x 196 dpi "fine", 204 x 98 "normal"), so
    # it prints at the size it was sent.
    frames[0].save(
        buffer, format="PDF", save_all=True, append_images=frames[1:], dpi=(float(dpi[0]), float(dpi[1]))
    )
    return buffer.getvalue()
