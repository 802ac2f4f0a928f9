"""SMS through Kannel: smsbox's HTTP ``sendsms`` interface out, delivery reports (``dlr-url``) and
technicians' replies (an ``sms-service`` ``get-url``) back in.

One ``send`` is one HTTP GET to ``sendsms``, bounded by ``timeout`` (the connection and every
wait for Kannel's bytes; environment proxies are never used: Kannel sits beside Pronto). The
text goes as UTF-8 with ``coding=0`` when every character is in the GSM alphabet and
``coding=2`` (UCS-2) otherwise, so Kannel neither replaces characters with ``?`` nor sends a
GSM text at UCS-2 prices. A body longer than ``max_parts`` SMS is shortened first
(``notifications.sms_text.sms_fit``, keeping a trailing link whole): Kannel itself would cut it
silently at its ``sendsms-user`` ``max-messages``.

What Kannel (1.4.5, checked against the real daemons in tests/notifications/kannel) answers
decides what the outbox does next:

- ``202 0: Accepted for delivery`` -> ``SendResult``; ``202 3: Queued for later delivery`` (no
  SMSC connected now, Kannel keeps it and sends it later) -> ``SendResult`` saying so;
- any other 4xx (``Sender missing and no global set, rejected``, ``Number(s) has/have been denied
  by white- and/or black-lists.``, ``403 Not routable. Do not try again.``, a wrong path) ->
  ``GatewayRejected`` with Kannel's text; ``403 Authorization failed for sendsms`` ->
  ``KannelAuthorizationFailed``, a rejection too (see there why);
- no connection, a timeout, a dropped connection, 408, 429, any 5xx (``503 Temporal failure,
  try again later.``) or a reply that is not Kannel's -> ``GatewayUnavailable``.

A number that is not ``+`` and digits is refused before any call: Kannel reads a space as the
start of a second receiver and would text both halves.

Kannel's reply carries no message id, so ``SendResult.gateway_id`` is empty and ``find`` cannot
tell whether an interrupted attempt got through (a re-send may reach the phone twice). Nothing
needs the id: each message's delivery reports come back on its own ``status_url``, which already
names and authenticates the outbox row; Kannel is asked to append ``type=%d&smsc_reply=%A``.
Kannel reports a concatenated message once, not per part.

Settings (``PRONTO_NOTIFICATION_BACKENDS["sms"]["OPTIONS"]``): ``url`` (smsbox's sendsms URL,
e.g. ``http://127.0.0.1:13013/cgi-bin/sendsms``), ``username``, ``password`` (a Kannel
``sendsms-user``, whose ``max-messages`` must be at least ``max_parts`` and ``concatenation``
true), ``sender`` (``from``: up to 11 letters and digits, or a number; empty: Kannel's
``global-sender``), ``timeout`` (seconds). Optional: ``max_parts`` (3), ``dlr_mask`` (31: every
report type), ``smsc`` (Kannel's ``smsc-id`` to route through; empty: Kannel's routing).
"""

from __future__ import annotations

import http.client
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from notifications.sms_text import GSM7, sms_analyse, sms_fit

from .base import (
    DeliveryStatus,
    GatewayRejected,
    GatewayUnavailable,
    NotificationBackend,
    OutgoingMessage,
    SendResult,
)

# Kannel's delivery report types (the %d of a dlr-url); one report carries one of them.
DLR_DELIVERED = 1  # delivered to the phone
DLR_UNDELIVERED = 2  # the SMSC gave up delivering to the phone
DLR_BUFFERED = 4  # the SMSC keeps it for a phone that is off or out of coverage
DLR_SMSC_SUBMIT = 8  # the SMSC took it
DLR_SMSC_REJECT = 16  # the SMSC refused it
DLR_MASK_ALL = DLR_DELIVERED | DLR_UNDELIVERED | DLR_BUFFERED | DLR_SMSC_SUBMIT | DLR_SMSC_REJECT
# Appended to the row's status_url. Kannel expands %d and %A when it calls back; a literal "%"
# in the URL itself must be written "%%", or Kannel would read "%C3" as its %C (the charset).
DLR_URL_QUERY = "type=%d&smsc_reply=%A"

# For the sms-service that forwards technicians' replies: ``get-url = "<inbound URL>?token=..&"``
# followed by this. %b is the text as sent (%a squeezes spaces); a UCS-2 SMS arrives as its raw
# UTF-16BE bytes (coding=2, charset=UTF-16BE), which ``kannel_mo_params`` decodes.
MO_GET_URL_QUERY = "sender=%p&receiver=%P&text=%b&coding=%c&charset=%C&smsc=%i&kannel_id=%I"

REPLY_ACCEPTED = "0:"
REPLY_QUEUED = "3:"
AUTHORIZATION_FAILED = "Authorization failed"
_NUMBER = re.compile(r"^\+?[0-9]{3,20}$")
_ALPHANUMERIC_SENDER = re.compile(r"^[A-Za-z0-9 ._-]{1,11}$")
# A link at the very end of a body is what sms_fit keeps whole.
_TRAILING_LINK = re.compile(r"^(?P<text>.*?)(?P<separator>\s+)(?P<link>https?://\S+)\s*$", re.DOTALL)
# Fields of an SMPP delivery receipt Kannel passes on in %A ("id:.. stat:UNDELIV err:001 ...").
_RECEIPT_FIELD = re.compile(r"\b(stat|err):(\S+)", re.IGNORECASE)
_REPLY_LIMIT = 1000


class KannelAuthorizationFailed(GatewayRejected):
    """Kannel refused the configured ``sendsms-user`` (wrong username or password, or this host
    not in its ``user-allow-ip``).

    Raised as a *rejection* on purpose: every SMS fails the same way until someone fixes
    ``PRONTO_KANNEL_USERNAME`` / ``PRONTO_KANNEL_PASSWORD`` or Kannel's configuration, and
    retrying with backoff would only delay the supervisor's warning (and the escalation to the
    technician's next channel) by the whole retry schedule. The row fails at once with this text."""


def _reply_text(raw: bytes) -> str:
    return " ".join(raw.decode("utf-8", "replace").split())


def _dlr_url(status_url: str) -> str:
    escaped = status_url.replace("%", "%%")
    joiner = "&" if "?" in escaped else "?"
    return f"{escaped}{joiner}{DLR_URL_QUERY}"


class KannelSmsBackend(NotificationBackend):
    """Sends ``OutgoingMessage.body`` as one SMS (or up to ``max_parts`` concatenated parts) to
    ``OutgoingMessage.recipient`` through Kannel's ``sendsms``, asking for delivery reports on
    ``OutgoingMessage.status_url`` when the row has one."""

    channel = "sms"
    description = "SMS: sent through the Kannel gateway in settings"

    def __init__(
        self,
        *,
        url: str = "",
        username: str = "",
        password: str = "",
        sender: str = "",
        timeout: float = 10.0,
        max_parts: int = 3,
        dlr_mask: int = DLR_MASK_ALL,
        smsc: str = "",
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.url = url
        self.username = username
        self.password = password
        self.sender = sender
        self.timeout = float(timeout)
        self.max_parts = int(max_parts)
        self.dlr_mask = int(dlr_mask)
        self.smsc = smsc
        # Kannel is on the operator's own network: an HTTP proxy from the environment (meant for
        # the internet) must never sit in between, nor turn an outage into a proxy's 502 page.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def check_config(self) -> None:
        """Raise ``ImproperlyConfigured`` unless url, username and password are set, the URL is
        http(s), and the sender is one a phone network accepts."""
        missing = [name for name in ("url", "username", "password") if not getattr(self, name)]
        if missing:
            raise ImproperlyConfigured(
                f"Kannel SMS backend: {', '.join(missing)} missing (PRONTO_KANNEL_URL, "
                "PRONTO_KANNEL_USERNAME, PRONTO_KANNEL_PASSWORD)"
            )
        parsed = urllib.parse.urlsplit(self.url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ImproperlyConfigured(f"Kannel SMS backend: url {self.url!r} is not an http(s) URL")
        if self.sender and not (_NUMBER.match(self.sender) or _ALPHANUMERIC_SENDER.match(self.sender)):
            raise ImproperlyConfigured(
                f"Kannel SMS backend: sender {self.sender!r} is neither a number "
                "nor up to 11 letters and digits"
            )
        if self.timeout <= 0 or self.max_parts < 1:
            raise ImproperlyConfigured("Kannel SMS backend: timeout must be > 0 and max_parts >= 1")

    def text_for(self, body: str) -> str:
        """``body`` as it will be sent: unchanged when it fits in ``max_parts`` SMS, else shortened
        by ``sms_fit`` with a trailing http(s) link kept whole."""
        if sms_analyse(body).parts <= self.max_parts:
            return body
        match = _TRAILING_LINK.match(body)
        try:
            if match:
                return sms_fit(
                    match["text"], link=match["link"], max_parts=self.max_parts, separator=match["separator"]
                )
            return sms_fit(body, max_parts=self.max_parts)
        except ValueError as exc:
            raise GatewayRejected(f"SMS not sent: {exc}") from exc

    def params(self, message: OutgoingMessage) -> dict[str, str]:
        """The ``sendsms`` query for ``message`` (credentials included)."""
        text = self.text_for(message.body)
        params = {
            "username": self.username,
            "password": self.password,
            "to": message.recipient,
            "text": text,
            "charset": "UTF-8",
            "coding": "0" if sms_analyse(text).coding == GSM7 else "2",
        }
        if self.sender:
            params["from"] = self.sender
        if self.smsc:
            params["smsc"] = self.smsc
        if message.status_url and self.dlr_mask:
            params["dlr-mask"] = str(self.dlr_mask)
            params["dlr-url"] = _dlr_url(message.status_url)
        return params

    def send(self, message: OutgoingMessage) -> SendResult:
        """One GET to ``sendsms``; returns once Kannel accepted or queued the message, raises
        ``GatewayRejected`` / ``GatewayUnavailable`` as the module docstring lists. The number is
        checked before any network call. Takes at most about ``timeout`` seconds per network wait."""
        if not _NUMBER.match(message.recipient):
            raise GatewayRejected(f"not a phone number Kannel can send to: {message.recipient!r}")
        query = urllib.parse.urlencode(self.params(message))
        request = urllib.request.Request(f"{self.url}?{query}", method="GET")
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status, reply = response.status, _reply_text(response.read(_REPLY_LIMIT))
        except urllib.error.HTTPError as exc:
            with exc:
                reply = _reply_text(exc.read(_REPLY_LIMIT)) or str(exc.reason)
            raise self._refusal(exc.code, reply) from exc
        except urllib.error.URLError as exc:
            raise GatewayUnavailable(f"Kannel unreachable at {self._where}: {exc.reason}") from exc
        except TimeoutError as exc:
            raise GatewayUnavailable(
                f"Kannel did not answer within {self.timeout:g} s ({self._where})"
            ) from exc
        except (http.client.HTTPException, OSError) as exc:
            raise GatewayUnavailable(f"Kannel connection failed ({self._where}): {exc!r}") from exc
        if reply.startswith(REPLY_ACCEPTED):
            return SendResult(detail=f"Kannel: {reply}")
        if reply.startswith(REPLY_QUEUED):
            return SendResult(detail=f"Kannel: {reply} (no SMSC connected now: Kannel sends it later)")
        raise GatewayUnavailable(f"Kannel answered {status} {reply[:200]!r}, not an acceptance")

    @property
    def _where(self) -> str:
        parsed = urllib.parse.urlsplit(self.url)
        return f"{parsed.hostname}:{parsed.port or (443 if parsed.scheme == 'https' else 80)}"

    @staticmethod
    def _refusal(code: int, reply: str) -> GatewayRejected | GatewayUnavailable:
        text = f"Kannel {code}: {reply[:250]}"
        if code == 403 and AUTHORIZATION_FAILED.lower() in reply.lower():
            return KannelAuthorizationFailed(
                f"{text} (check PRONTO_KANNEL_USERNAME / PRONTO_KANNEL_PASSWORD "
                "against Kannel's sendsms-user)"
            )
        if 400 <= code < 500 and code not in (408, 429):
            return GatewayRejected(text)
        return GatewayUnavailable(text)


def kannel_dlr_parse(params: Mapping[str, str]) -> DeliveryStatus:
    """What a delivery report Kannel sent to a ``dlr-url`` says: ``params`` holds ``type`` (the
    %d) and ``smsc_reply`` (the %A: an SMPP receipt such as ``id:.. stat:UNDELIV err:001``, a
    ``NACK/..`` text, ``ACK/`` from the fake SMSC, or nothing).

    ``delivered`` is ``True`` for type 1, ``False`` for 2 and 16 (with ``failed_reason``), and
    ``None`` for 4, 8 and anything unreadable (``detail`` says what happened). Should a report
    carry several bits, delivery beats failure, which beats buffering, which beats submission.
    """
    raw_type = str(params.get("type", "")).strip()
    reply = " ".join(str(params.get("smsc_reply") or "").split())[:200]
    try:
        kind = int(raw_type)
    except ValueError:
        return DeliveryStatus(detail=f"unreadable Kannel report type {raw_type[:20]!r}")
    receipt = {key.lower(): value for key, value in _RECEIPT_FIELD.findall(reply)}
    said = f"{receipt['stat']}, err {receipt.get('err', '?')}" if "stat" in receipt else reply

    def labelled(label: str) -> str:
        return f"{label} ({said})" if said else label

    if kind & DLR_DELIVERED:
        return DeliveryStatus(delivered=True, detail=labelled("delivered to the phone"))
    if kind & DLR_UNDELIVERED:
        reason = labelled("not delivered to the phone")
        return DeliveryStatus(delivered=False, failed_reason=reason, detail=reason)
    if kind & DLR_SMSC_REJECT:
        reason = labelled("refused by the SMSC")
        return DeliveryStatus(delivered=False, failed_reason=reason, detail=reason)
    if kind & DLR_BUFFERED:
        return DeliveryStatus(detail=labelled("buffered by the SMSC: the phone is not reachable yet"))
    if kind & DLR_SMSC_SUBMIT:
        return DeliveryStatus(detail=labelled("accepted by the SMSC"))
    return DeliveryStatus(detail=labelled(f"Kannel report type {kind}"))


def _mo_decode(raw: bytes, coding: str, charset: str) -> str:
    charset = charset.strip().upper()
    if coding == "2" or charset in ("UTF-16BE", "UTF16-BE", "UCS-2", "UCS2"):
        return raw.decode("utf-16-be", "replace")
    if charset in ("ISO-8859-1", "LATIN1", "WINDOWS-1252"):
        return raw.decode("latin-1")
    return raw.decode("utf-8", "replace")


def kannel_mo_params(query_string: str) -> dict[str, str]:
    """The parameters of a request Kannel's ``sms-service`` made to its ``get-url`` (the raw
    query string, ``request.META["QUERY_STRING"]``), every value as text, ``text`` decoded the
    way the SMS was coded.

    Needed because Kannel 1.4.5 puts a UCS-2 SMS (anything with a character outside the GSM
    alphabet: ``✓``, ``–``, an emoji) into %a / %b as its raw UTF-16BE bytes, URL-encoded, with
    ``%c`` = ``2`` and ``%C`` = ``UTF-16BE``; a GSM SMS comes as UTF-8 (``%c`` = ``0``). A
    framework's ordinary query parsing would read those bytes as UTF-8 and garble the text, so the
    get-url must carry ``coding=%c`` (and ``charset=%C``): see ``MO_GET_URL_QUERY``.
    """
    pairs = urllib.parse.parse_qsl(query_string, keep_blank_values=True, encoding="latin-1")
    raw = {key: value.encode("latin-1") for key, value in pairs}
    params = {key: value.decode("utf-8", "replace") for key, value in raw.items()}
    if "text" in raw:
        params["text"] = _mo_decode(raw["text"], params.get("coding", ""), params.get("charset", ""))
    return params


# A charset parameter of a Content-Type, quoted (Kannel: ``text/plain; charset="UTF-16BE"``) or not.
_CHARSET = re.compile(r';\s*charset\s*=\s*"?([^";\s]+)"?', re.IGNORECASE)
FORM = "application/x-www-form-urlencoded"
# What Kannel's post-url sends as the body: the SMS itself (octet-stream for 8-bit data).
RAW_BODIES = frozenset({"text/plain", "application/octet-stream"})


class UnsupportedInbound(ValueError):
    """A POST to the inbound endpoint whose body is neither a form nor Kannel's raw text."""


def kannel_mo_post(
    *, query_string: str, content_type: str, body: bytes, headers: Mapping[str, str]
) -> dict[str, str]:
    """The parameters of an inbound SMS that came as a POST, every value as text, as
    ``kannel_mo_params`` gives them for a GET:

    - a form (``application/x-www-form-urlencoded``): its fields with the query string's
      (the form's win), read as ``kannel_mo_params`` reads a query string;
    - Kannel's ``post-url`` (``text/plain`` or ``application/octet-stream``): the body is the
      SMS, in the charset its ``Content-Type`` names (``UTF-16BE`` for a UCS-2 SMS, coding
      ``X-Kannel-Coding``); the sender is ``X-Kannel-From`` (``send-sender = true``), else
      the query string's ``sender``; anything else (the token) comes from the query string.

    ``headers`` is case-insensitive (``request.headers``). Other bodies raise
    ``UnsupportedInbound``."""
    media_type, _sep, parameters = content_type.partition(";")
    media_type = media_type.strip().lower()
    if media_type == FORM:
        form = body.decode("latin-1")
        return kannel_mo_params("&".join(part for part in (query_string, form) if part))
    if media_type not in RAW_BODIES:
        raise UnsupportedInbound(f"send a form ({FORM}) or the SMS as text/plain, not {media_type or '-'}")
    params = kannel_mo_params(query_string)
    charset = _CHARSET.search(f";{parameters}")
    params["coding"] = str(headers.get("X-Kannel-Coding") or params.get("coding", ""))
    params["charset"] = charset.group(1) if charset else params.get("charset", "")
    params["text"] = _mo_decode(body, params["coding"], params["charset"])
    sender = headers.get("X-Kannel-From")
    if sender:
        params["sender"] = str(sender)
    return params
