"""Reading a received message: its parts, its text without the quoted original, its attachments,
and the references it carries. Pure functions over bytes, used by the services."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import policy
from email.errors import MessageDefect, MultipartInvariantViolationDefect, StartBoundaryNotFoundDefect
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses

from django.utils.translation import gettext as _

# Defects after which the parts of a message cannot be trusted: a multipart whose boundary never
# comes, or whose structure contradicts its headers.
FATAL_DEFECTS: tuple[type[MessageDefect], ...] = (
    StartBoundaryNotFoundDefect,
    MultipartInvariantViolationDefect,
)
# Where the quoted original starts in a reply: "On ... wrote:", "Il ... ha scritto:", Outlook's
# separator and headers, a line of quotes.
QUOTE_START = re.compile(
    r"^(>|On .+wrote:\s*$|Il .+ha scritto:\s*$|-{2,}\s*(Original Message|Messaggio originale)|"
    r"(From|Da|Sent|Inviato):\s)",
    re.IGNORECASE,
)
# "<hex@pronto>": the Message-ID every email Pronto sends carries (notifications.backends.smtp).
PRONTO_MESSAGE_ID = re.compile(r"<([A-Za-z0-9]{1,64})@pronto>")
# "#123", "intervention 123", "intervento n. 123", "rif. 123" / "ref 123", and "INT-123": the
# reference the dispatch fax asks to quote (notifications.rendering.fax_reference).
REFERENCE = re.compile(
    r"(?:#\s?|\bINT-\s?|\b(?:intervention|intervento|rif\.?|ref\.?)\s*(?:n\.?|no\.?|nr\.?)?\s*(?:#|INT-)?\s*)"
    r"([0-9]{1,9})\b",
    re.IGNORECASE,
)


class MalformedMessage(ValueError):
    """The message cannot be read as one; ``str()`` says why (kept as the item's error)."""


@dataclass(frozen=True)
class Part:
    filename: str
    content_type: str
    content: bytes


def message_parse(raw: bytes) -> EmailMessage:
    """The message parsed as a mail client would; ``MalformedMessage`` when it has no headers at
    all or a structure its parts cannot be read from."""
    if not raw.strip():
        raise MalformedMessage(_("The message is empty."))
    message = BytesParser(policy=policy.default).parsebytes(raw)
    if not isinstance(message, EmailMessage) or not list(message.keys()):
        raise MalformedMessage(_("The message has no headers."))
    for part in message.walk():
        for defect in part.defects:
            if isinstance(defect, FATAL_DEFECTS):
                raise MalformedMessage(
                    _("The message's structure is broken: %(defect)s") % {"defect": type(defect).__name__}
                )
    return message


def header_text(message: EmailMessage, name: str) -> str:
    """A header as one line of text ("" when absent or unreadable)."""
    try:
        value = message.get(name, "")
    except (ValueError, IndexError, TypeError):
        return ""
    return " ".join(str(value or "").split())


def sender_address(message: EmailMessage) -> str:
    """The From address, lower-cased ("" when there is none)."""
    pairs = getaddresses([header_text(message, "From")])
    return pairs[0][1].strip().lower() if pairs and "@" in pairs[0][1] else ""


def text_body(message: EmailMessage) -> str:
    """The plain text of the message (its HTML part stripped of tags when it has no text part)."""
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    try:
        text = body.get_content()
    except (LookupError, ValueError, AssertionError) as exc:
        raise MalformedMessage(_("The text cannot be decoded: %(error)s") % {"error": exc}) from exc
    if body.get_content_subtype() == "html":
        text = re.sub(r"<[^>]+>", " ", text)
    return str(text)


def reply_text(message: EmailMessage) -> str:
    """What the technician wrote: the text up to the quoted original, blank lines trimmed."""
    kept: list[str] = []
    for line in text_body(message).replace("\r\n", "\n").split("\n"):
        if QUOTE_START.match(line.strip()):
            break
        if line.strip() == "--":
            # A signature follows.
            break
        kept.append(line.rstrip())
    return "\n".join(kept).strip()


def attachments(message: EmailMessage) -> list[Part]:
    """Every attachment (and inline image) with its decoded bytes."""
    found: list[Part] = []
    for part in message.iter_attachments():
        if part.is_multipart():
            continue
        content = part.get_payload(decode=True)
        if not isinstance(content, bytes) or not content:
            continue
        found.append(Part(part.get_filename() or "", part.get_content_type(), content))
    return found


def pronto_message_ids(message: EmailMessage) -> list[str]:
    """The keys of Pronto's own messages this one answers (In-Reply-To, then References)."""
    keys: list[str] = []
    for name in ("In-Reply-To", "References"):
        for key in PRONTO_MESSAGE_ID.findall(header_text(message, name)):
            if key not in keys:
                keys.append(key)
    return keys


def references(*texts: str) -> list[int]:
    """The intervention numbers quoted in ``texts``, in order, once each."""
    found: list[int] = []
    for text in texts:
        for number in REFERENCE.findall(text or ""):
            if int(number) not in found:
                found.append(int(number))
    return found
