"""Values taken from outside (headers, query strings, form fields, gateway callbacks, MQTT
payloads) made into Python values in one way each, so that no malformed input becomes a server
error.

Why not the obvious calls:

- ``str.isdigit()`` is true for "²" and "١٢٣", which ``int()`` then refuses or reads as another
  number; ``int()`` itself takes whitespace, "+", "_" and any script's digits. Here a number is
  ASCII digits with an optional "-", nothing else, and it must fit its column: an id above
  2**63 - 1 overflows the database driver (500) instead of finding nothing.
- ``hmac.compare_digest`` raises ``TypeError`` on a ``str`` with any non-ASCII character: tokens
  are compared as UTF-8 bytes.
- ``json.loads`` recurses once per nesting level and raises ``RecursionError`` (not
  ``ValueError``) on deep input: the depth is measured, without recursion, before parsing.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import re
from collections.abc import Iterable
from itertools import accumulate
from typing import Any, Literal

# Ids are BigAutoField / bigint: a signed 64-bit column.
MAX_ID = 2**63 - 1
MIN_BIGINT = -(2**63)
# "-" and 19 digits hold every 64-bit value; longer text is refused before int() sees it.
_INTEGER = re.compile(r"-?[0-9]{1,19}", re.ASCII)
# Nesting a well-formed payload of ours needs, with room to spare (telemetry uses 3).
JSON_MAX_DEPTH = 32

JsonRefusal = Literal["oversized", "too_deep", "malformed"]


def integer_parse(text: object, *, minimum: int = MIN_BIGINT, maximum: int = MAX_ID) -> int | None:
    """``text`` as an integer in ``[minimum, maximum]``, or ``None`` when it is anything else:
    not a ``str`` (an ``int`` is checked against the bounds as it is, a ``bool`` is refused),
    empty, with whitespace, "+", "_", a decimal point, an exponent or a non-ASCII digit, or out
    of range. Never raises."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        value = text
    elif isinstance(text, str) and _INTEGER.fullmatch(text):
        value = int(text)
    else:
        return None
    return value if minimum <= value <= maximum else None


def id_parse(text: object) -> int | None:
    """A row id (1 … 2**63 - 1) from ``text``, or ``None``: see ``integer_parse``."""
    return integer_parse(text, minimum=1, maximum=MAX_ID)


def secret_matches(expected: str, given: object) -> bool:
    """Whether ``given`` is the secret ``expected``, in constant time. An empty ``expected``
    (not configured) matches nothing; ``given`` that is not text never matches. Compared as
    UTF-8 bytes: ``hmac.compare_digest`` refuses ``str`` with non-ASCII characters
    (``TypeError``), and "surrogatepass" encodes even a lone surrogate."""
    if not expected or not isinstance(given, str):
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8", "surrogatepass"))


class JsonRefused(ValueError):
    """JSON that ``json_parse`` will not return: ``reason`` is ``oversized``, ``too_deep`` or
    ``malformed``; the message says why, short enough to log or show."""

    def __init__(self, reason: JsonRefusal, detail: str) -> None:
        super().__init__(detail)
        self.reason: JsonRefusal = reason
        self.detail = detail


# A JSON string (escapes included) or one bracket: strings are skipped whole, so a "[" inside
# text does not count. An unterminated string leaves its brackets counted, which can only turn a
# "malformed" into a "too deep".
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def json_depth(text: str) -> int:
    """How deep ``text``'s arrays and objects nest (``0`` for a scalar), counted without
    recursion and without parsing."""
    if text.count("[") + text.count("{") == 0:
        return 0
    steps = (_STEP.get(token, 0) for token in _STRING_OR_BRACKET.findall(text))
    return max(accumulate(steps), default=0)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def json_parse(payload: bytes | str, *, max_bytes: int, max_depth: int = JSON_MAX_DEPTH) -> Any:
    """``payload`` parsed as JSON, or ``JsonRefused``: larger than ``max_bytes`` (measured
    before anything else), nested deeper than ``max_depth``, or not JSON (bad syntax, bad
    encoding, ``NaN`` / ``Infinity``, an integer of more than 4300 digits). Bytes are decoded
    as RFC 8259 allows (UTF-8, or UTF-16/32 recognised by their first bytes)."""
    size = len(payload.encode("utf-8", "surrogatepass")) if isinstance(payload, str) else len(payload)
    if size > max_bytes:
        raise JsonRefused("oversized", f"{size} bytes, at most {max_bytes}")
    try:
        text = payload if isinstance(payload, str) else payload.decode(json.detect_encoding(payload))
    except UnicodeDecodeError as exc:
        raise JsonRefused("malformed", str(exc)[:200]) from None
    depth = json_depth(text)
    if depth > max_depth:
        raise JsonRefused("too_deep", f"nested {depth} levels deep, at most {max_depth}")
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:  # a stack already deep when called; the count above should prevent it
        raise JsonRefused("too_deep", f"nested too deep, at most {max_depth}") from None
    except ValueError as exc:
        raise JsonRefused("malformed", str(exc)[:200]) from None


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def networks_parse(entries: Iterable[str]) -> tuple[Network, ...]:
    """``["10.0.0.5", "192.168.1.0/24", "::1"]`` as networks (an address is a network of one).
    Raises ``ValueError`` naming the first entry that is neither; blank entries are skipped."""
    networks = []
    for entry in entries:
        entry = entry.strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"{entry!r} is not an IP address or network (CIDR)") from None
    return tuple(networks)


def address_allowed(address: object, networks: Iterable[Network]) -> bool:
    """Whether the client ``address`` (``REMOTE_ADDR``) lies in one of ``networks``. An address
    that does not parse is not allowed; an IPv4 address written as IPv6 (``::ffff:10.0.0.5``)
    counts as the IPv4 one."""
    if not isinstance(address, str):
        return False
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == network.version and ip in network for network in networks)
