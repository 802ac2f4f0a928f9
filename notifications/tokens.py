"""Tokens that let a gateway report on one notification without a user session: an HMAC of
the row's id, so a delivery report can only speak for the row it was issued for."""

import hashlib
import hmac

from django.conf import settings


def status_token(notification_id: int) -> str:
    key = (settings.SECRET_KEY + ":notification-status").encode()
    return hmac.new(key, str(notification_id).encode(), hashlib.sha256).hexdigest()[:32]


def status_token_valid(notification_id: int, token: str) -> bool:
    return hmac.compare_digest(status_token(notification_id), token or "")


def inbound_token_valid(token: str) -> bool:
    expected = settings.PRONTO_SMS_INBOUND_TOKEN
    return bool(expected) and hmac.compare_digest(expected, token or "")
