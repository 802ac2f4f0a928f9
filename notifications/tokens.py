"""How the SMS gateway proves itself without a user session: a delivery report by a token that
is an HMAC of the row's id (it can only speak for the row it was issued for), an inbound SMS by
the shared ``PRONTO_SMS_INBOUND_TOKEN`` and, optionally, the address it comes from."""

import functools
import hashlib
import hmac

from django.conf import settings

from dispatch.inputs import Network, address_allowed, networks_parse, secret_matches


def status_token(notification_id: int) -> str:
    key = (settings.SECRET_KEY + ":notification-status").encode()
    return hmac.new(key, str(notification_id).encode(), hashlib.sha256).hexdigest()[:32]


def status_token_valid(notification_id: int, token: str) -> bool:
    return secret_matches(status_token(notification_id), token)


def inbound_token_valid(token: str) -> bool:
    return secret_matches(settings.PRONTO_SMS_INBOUND_TOKEN, token)


@functools.cache
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return networks_parse(entries)


def inbound_address_allowed(address: object) -> bool:
    """Whether the inbound-SMS endpoint takes a request from ``address`` (``REMOTE_ADDR``):
    any address when ``PRONTO_SMS_INBOUND_ALLOWED_ADDRESSES`` is empty, else one in its list.
    A list that does not parse (``notifications.E010`` refuses to start with it) lets nobody in."""
    entries = settings.PRONTO_SMS_INBOUND_ALLOWED_ADDRESSES
    if isinstance(entries, str):
        entries = entries.split(",")
    entries = tuple(entry.strip() for entry in entries if entry.strip())
    if not entries:
        return True
    try:
        networks = _networks(entries)
    except ValueError:
        return False
    return address_allowed(address, networks)
