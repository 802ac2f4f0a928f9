"""A received fax as a PDF: PDFs kept as they came, TIFFs (a fax machine's own format, one frame
per page) converted page by page at their own resolution; the cover page's text read back (by
OCR when the page is only an image: ``inbound.ocr``)."""

from __future__ import annotations

import io
import logging

from django.utils.translation import gettext as _
from PIL import Image, ImageSequence, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from dispatch.files import PDF, SNIFF_BYTES, TIFF, file_type_sniff
from inbound.ocr import ocr_configured, page_text_ocr

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
    """``(pdf, pages, cover_text)`` for a received PDF or TIFF; ``NotAFax`` otherwise. A TIFF,
    or a PDF whose first page has no text (a scan), has its cover text read by OCR when it is
    configured, else ""."""
    found = file_type_sniff(content[:SNIFF_BYTES])
    if found == PDF:
        try:
            reader = PdfReader(io.BytesIO(content))
            pages = len(reader.pages)
            if not 0 < pages <= MAX_PAGES:
                raise NotAFax(_("A fax of %(pages)d pages is not accepted.") % {"pages": pages})
            text = (reader.pages[0].extract_text() or "").strip()
            if not text and ocr_configured():
                text = _pdf_cover_ocr(reader)
        except (PyPdfError, ValueError, KeyError, TypeError) as exc:
            if isinstance(exc, NotAFax):
                raise
            raise NotAFax(_("The PDF cannot be read: %(error)s") % {"error": exc}) from exc
        return content, pages, text[:COVER_TEXT_CHARS]
    if found == TIFF:
        pdf = _tiff_to_pdf(content)
        return pdf, _tiff_pages(content), _tiff_cover_ocr(content)[:COVER_TEXT_CHARS]
    raise NotAFax(_("The file is neither a PDF nor a TIFF."))


def _pdf_cover_ocr(reader: PdfReader) -> str:
    """The text on the largest image of the first page: a scanned or faxed page is one image."""
    images = list(reader.pages[0].images)
    if not images:
        return ""
    largest = max(images, key=lambda found: len(found.data))
    try:
        image = largest.image
    except (OSError, ValueError, UnidentifiedImageError) as exc:
        logger.warning("the cover image of a received PDF cannot be read: %s", exc)
        return ""
    return page_text_ocr(image) if image is not None else ""


def _tiff_cover_ocr(content: bytes) -> str:
    if not ocr_configured():
        return ""
    with Image.open(io.BytesIO(content)) as image:
        return page_text_ocr(image)


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
