"""The text of a fax page that is only an image (what fax machines send), read by Tesseract.

A received TIFF, or a PDF of scanned pages, has no text for pypdf to extract; the plant code and
the reference the sender wrote on the cover page are on the image. OCR is optional: without the
``tesseract`` command (``PRONTO_INBOUND_OCR_COMMAND`` empty) such a fax is matched by its sender's
number or subject, or waits in the inbox. OCR never fails a fax: a crash, a timeout or nonsense
only means no text.
"""

from __future__ import annotations

import io
import logging
import subprocess

from django.conf import settings
from PIL import Image

logger = logging.getLogger(__name__)


def ocr_configured() -> bool:
    return bool(settings.PRONTO_INBOUND_OCR_COMMAND)


def page_text_ocr(image: Image.Image) -> str:
    """The text Tesseract reads on ``image`` (one page), "" when OCR is off or fails."""
    command = settings.PRONTO_INBOUND_OCR_COMMAND
    if not command:
        return ""
    png = io.BytesIO()
    # Grey, not 1-bit: Tesseract's own binarisation reads a fax's thin strokes better.
    image.convert("L").save(png, format="PNG")
    try:
        result = subprocess.run(  # noqa: S603 - the command comes from settings, not from the fax
            [command, "stdin", "stdout", "-l", settings.PRONTO_INBOUND_OCR_LANGUAGES],
            input=png.getvalue(),
            capture_output=True,
            timeout=settings.PRONTO_INBOUND_OCR_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        logger.warning("OCR of a received fax page failed: %s", exc)
        return ""
    if result.returncode != 0:
        logger.warning("OCR of a received fax page failed: %s", result.stderr.decode(errors="replace")[:300])
        return ""
    return result.stdout.decode("utf-8", errors="replace")
