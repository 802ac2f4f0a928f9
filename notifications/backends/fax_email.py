"""Fax through an email-to-fax gateway: the fax number goes into the gateway's address
(``address_template``, e.g. ``{number}@fax.example.net``), the document to fax is the email's
attachment. Sessions, timeouts and the meaning of the server's answers are the SMTP backend's.

What is faxed (``attach`` option):

- ``"pdf"`` (default): the message's PDF attachments as they are (the intervention summary,
  ``intervention-12.pdf``); gateways rasterise PDF themselves. A fax message without a PDF gets
  one rendered from its subject and body, so a fax never leaves empty;
- ``"tiff"``: the message's TIFF Class F attachment when it has one (the dispatch fax's pages,
  ``notifications.fax_page``), else one TIFF page (``fax_tiff_render``: 1728 px, 204 x 196 dpi,
  CCITT G3), for gateways that take only the fax format. That page is drawn from the message's
  subject and body, the same text the summary PDF is laid out from (``fax_text``), not by rasterising the PDF:
  that would need Ghostscript or Poppler on every worker, for the same page.

Other attachments (plant documents) are not faxed: a gateway may refuse the whole message for
one format it cannot convert, and a multi-page fax ties up the recipient's only line. The text
part of the email is left empty, because many gateways fax a text part as a page of its own.
"""

from __future__ import annotations

import re
from dataclasses import replace
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from notifications.fax import fax_pdf_render, fax_tiff_render

from .base import Attachment, GatewayRejected, OutgoingMessage
from .smtp import SmtpEmailBackend

FAX_FORMATS = ("pdf", "tiff")
# E.164: a country code that never starts with 0, at most 15 digits in all. Fewer than 6 digits
# is no dialable fax number anywhere.
_FAX_NUMBER = re.compile(r"^\+?([1-9][0-9]{5,14})$")
# What people write between digit groups; anything else (letters, a second "+") is refused.
_SEPARATORS = re.compile(r"[\s\-.()/]")
_SAMPLE_NUMBER = "390212345678"
# "[Pronto] ..." marks the email in an inbox; on the faxed page it is noise.
_SUBJECT_TAG = re.compile(r"^\s*\[[^\]]*\]\s*")


class EmailFaxBackend(SmtpEmailBackend):
    """Sends a fax message as an email to ``address_template`` formatted with the recipient's
    number (``{number}``: the digits without "+", ``{e164}``: with it), carrying the fax
    document as the ``attach`` option says (see the module)."""

    channel = "fax"
    description = "fax: sent as email to the email-to-fax gateway in settings"

    def __init__(
        self, *, address_template: str = "{number}@fax.localhost", attach: str = "pdf", **options: Any
    ) -> None:
        super().__init__(**options)
        self.address_template = address_template
        self.attach = attach

    def check_config(self) -> None:
        """The SMTP settings, plus: ``attach`` is "pdf" or "tiff"; ``address_template`` takes the
        number and gives an email address."""
        super().check_config()
        name = type(self).__name__
        if self.attach not in FAX_FORMATS:
            raise ImproperlyConfigured(f"{name}: attach must be one of {FAX_FORMATS}, not {self.attach!r}.")
        try:
            sample = self._address(_SAMPLE_NUMBER)
            other = self._address("1" + _SAMPLE_NUMBER)
        except (KeyError, IndexError, ValueError) as exc:
            raise ImproperlyConfigured(
                f"{name}: address_template {self.address_template!r} may use only {{number}} and {{e164}}."
            ) from exc
        if sample == other:
            raise ImproperlyConfigured(
                f"{name}: address_template {self.address_template!r} does not contain {{number}} or {{e164}}."
            )
        if "@" not in parseaddr(sample)[1]:
            raise ImproperlyConfigured(
                f"{name}: address_template {self.address_template!r} does not give an email address."
            )

    def _address(self, digits: str) -> str:
        return self.address_template.format(number=digits, e164=f"+{digits}")

    def fax_number(self, message: OutgoingMessage) -> str:
        """The recipient's fax number as digits without "+" (``390212345678``); raises
        ``GatewayRejected`` for anything that is not an E.164-like number."""
        match = _FAX_NUMBER.match(_SEPARATORS.sub("", message.recipient))
        if match is None:
            raise GatewayRejected(
                f"not a fax number in international form (+<country><number>): {message.recipient!r}"
            )
        return match.group(1)

    def recipients(self, message: OutgoingMessage) -> list[str]:
        """The gateway's address for this fax number; ``GatewayRejected`` (before any network
        call) for a number that is not one."""
        address = self._address(self.fax_number(message))
        _name, parsed = parseaddr(address)
        if parsed != address or "@" not in address or any(ch.isspace() for ch in address):
            raise GatewayRejected(
                f"the fax gateway address for {message.recipient!r} is not valid: {address!r}"
            )
        return [address]

    def fax_text(self, message: OutgoingMessage) -> tuple[str, list[str]]:
        """Heading and lines of a page rendered here, laid out as the summary PDF is: the
        subject without its email tag ("[Pronto] "), and the body without a first line that
        only repeats that heading."""
        title = _SUBJECT_TAG.sub("", message.subject).strip()
        lines = message.body.splitlines()
        if lines and lines[0].strip() == title:
            lines = lines[1:]
        return title, lines

    def fax_document(self, message: OutgoingMessage) -> tuple[Attachment, ...]:
        """The attachments that are faxed (see the module): the PDFs, a rendered PDF when there
        is none, or one TIFF page in ``tiff`` mode."""
        pdfs = tuple(a for a in message.attachments if a.content_type.lower() == "application/pdf")
        if pdfs and self.attach == "pdf":
            return pdfs
        if self.attach == "tiff" and (
            tiffs := tuple(a for a in message.attachments if a.content_type.lower() == "image/tiff")
        ):
            # The dispatch fax's own pages, drawn beside its PDF: the same page, not a summary.
            return tiffs[:1]
        title, lines = self.fax_text(message)
        if self.attach == "tiff":
            stem = PurePath(pdfs[0].filename).stem if pdfs else f"notification-{message.notification_id}"
            content = fax_tiff_render(title=title, lines=lines)
            return (Attachment(filename=f"{stem}.tif", content_type="image/tiff", content=content),)
        content = fax_pdf_render(title=title, lines=lines)
        return (
            Attachment(
                filename=f"notification-{message.notification_id}.pdf",
                content_type="application/pdf",
                content=content,
            ),
        )

    def build_email(self, message: OutgoingMessage) -> EmailMessage:
        """The SMTP backend's email, to the gateway address, with an empty text part and the
        fax document as its only attachments."""
        return super().build_email(replace(message, body="", attachments=self.fax_document(message)))
