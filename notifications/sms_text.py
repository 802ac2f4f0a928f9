"""How an SMS text is coded and counted, and how a text too long for its budget is shortened.

Pure functions, no gateway and no database. The rules are the GSM ones phones and SMSCs apply
(3GPP TS 23.038 and 23.040):

- a text whose every character is in the GSM 7-bit default alphabet is sent as ``gsm7``; the
  characters of the alphabet's extension table (``€ [ ] { } ^ ~ | \\`` and form feed) are sent
  as an escape plus a septet, so they count 2;
- any other character, even one, makes the whole message ``ucs2`` (UTF-16), where a character
  outside the Basic Multilingual Plane (most emoji) takes 2 units, a surrogate pair;
- one SMS holds 160 septets or 70 UTF-16 units; a longer text is sent as concatenated parts, each
  holding 153 septets or 67 units (the rest of each part is the concatenation header).

A part never splits an escape pair or a surrogate pair: the pair moves whole into the next part,
as careful senders do, so a count here may be one part higher than naive division and is never
lower than what a gateway that splits anywhere would need. The alphabet comes from the
``gsm0338`` codec (the 128 basic characters and the 10 of the default extension table); the
real-Kannel tests check that Kannel 1.4.5 carries every one of them unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)

GSM7 = "gsm7"
UCS2 = "ucs2"
SINGLE_LIMIT = {GSM7: 160, UCS2: 70}
PART_LIMIT = {GSM7: 153, UCS2: 67}
ELLIPSIS = {GSM7: "...", UCS2: "\u2026"}  # "…" is not in the GSM alphabet: it would force UCS-2
LINK_SEPARATOR = "\n"
_ESCAPE = "\x1b"
# Characters after which a shortened text reads badly just before the ellipsis.
_TRAILING_JUNK = " \t\r\n.,;:-\u2013\u2014"


@dataclass(frozen=True)
class SmsInfo:
    """``coding``: ``"gsm7"`` or ``"ucs2"``; ``units``: septets (gsm7) or UTF-16 code units
    (ucs2) of the whole text; ``parts``: SMS the text is sent as (1 for an empty text)."""

    coding: str
    units: int
    parts: int


@lru_cache(maxsize=4096)
def gsm7_septets(char: str) -> int | None:
    """Septets ``char`` takes in the GSM 7-bit default alphabet: 1, 2 (extension table), or
    ``None`` when it is not in the alphabet. The escape character itself is not text."""
    if char == _ESCAPE:
        return None
    try:
        return len(char.encode("gsm03.38"))
    except UnicodeEncodeError:
        return None


def _ucs2_units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def sms_coding(text: str) -> str:
    """``"gsm7"`` when every character of ``text`` is in the GSM alphabet, else ``"ucs2"``."""
    return GSM7 if all(gsm7_septets(char) is not None for char in text) else UCS2


def _costs(text: str, coding: str) -> list[int]:
    if coding == GSM7:
        return [gsm7_septets(char) or 0 for char in text]
    return [_ucs2_units(char) for char in text]


def _parts(costs: list[int], coding: str) -> int:
    total = sum(costs)
    if total <= SINGLE_LIMIT[coding]:
        return 1
    limit, parts, used = PART_LIMIT[coding], 1, 0
    for cost in costs:
        if used + cost > limit:  # the pair moves whole into the next part
            parts, used = parts + 1, 0
        used += cost
    return parts


def sms_analyse(text: str) -> SmsInfo:
    """The coding ``text`` is sent in, its length in that coding's units, and its part count."""
    if all(gsm7_septets(char) == 1 for char in set(text)):
        # The common case, counted without a loop per character (the escalation sweep fits
        # thousands of texts at once): every character one septet, every part full.
        units = len(text)
        parts = 1 if units <= SINGLE_LIMIT[GSM7] else -(-units // PART_LIMIT[GSM7])
        return SmsInfo(coding=GSM7, units=units, parts=parts)
    coding = sms_coding(text)
    costs = _costs(text, coding)
    return SmsInfo(coding=coding, units=sum(costs), parts=_parts(costs, coding))


def _fits(message: str, max_parts: int) -> bool:
    info = sms_analyse(message)
    return info.parts <= max_parts


def _with_link(text: str, link: str, separator: str) -> str:
    if not link:
        return text
    if not text:
        return link
    return f"{text}{separator}{link}"


def _shortened(prefix: str, link: str, separator: str) -> str:
    """``prefix`` + the ellipsis its message's coding allows + the link."""
    coding = sms_coding(_with_link(prefix, link, separator))
    return _with_link(prefix + ELLIPSIS[coding], link, separator)


def _cut_points(text: str, longest: int) -> Iterator[int]:
    """Where ``text`` may be cut, none past ``longest`` characters: after each word, longest
    first; then, should no word cut fit (a first word too long), between any two characters."""
    words = {match.start() for match in re.finditer(r"\s+", text) if 0 < match.start() <= longest}
    yield from sorted(words, reverse=True)
    yield from range(min(longest, len(text)), 0, -1)


def sms_fit(text: str, *, link: str = "", max_parts: int = 3, separator: str = LINK_SEPARATOR) -> str:
    """``text`` with ``link`` at its end (after ``separator``), sent in at most ``max_parts`` SMS.

    When it fits it comes back unchanged. Otherwise the text is cut after its last word that
    leaves room for an ellipsis (``...`` when the shortened message is GSM, ``…`` when it is UCS-2
    anyway) and the link, which is always kept whole at the end; a single word too long for the
    budget is cut between characters. Cutting may drop the only non-GSM character, turning the
    message into GSM and leaving room for more text: the longest such cut is taken. Python
    strings hold whole characters, so no cut can split a surrogate pair or an escape pair.

    Raises ``ValueError`` when ``max_parts`` is below 1 or the link alone does not fit: a cut
    link would lead the technician nowhere.
    """
    if max_parts < 1:
        raise ValueError(f"max_parts must be at least 1, not {max_parts}")
    whole = _with_link(text, link, separator)
    if _fits(whole, max_parts):
        return whole
    if link and not _fits(link, max_parts):
        raise ValueError(f"the link alone ({len(link)} characters) does not fit in {max_parts} SMS")
    # No message of more characters than the GSM budget can fit: start the search there.
    longest = max_parts * PART_LIMIT[GSM7] if max_parts > 1 else SINGLE_LIMIT[GSM7]
    for cut in _cut_points(text, longest):
        prefix = text[:cut].rstrip(_TRAILING_JUNK)
        if not prefix:
            continue
        candidate = _shortened(prefix, link, separator)
        if _fits(candidate, max_parts):
            return candidate
    return link  # not even one character of text fits beside the link
