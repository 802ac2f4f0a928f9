"""The phone system's webhook signature: HMAC-SHA256 over ``<unix timestamp>.<raw body>``.

The phone system sends ``X-Pronto-Timestamp`` and ``X-Pronto-Signature: sha256=<hex>``.
The timestamp bounds how long a captured request stays usable; within that window, a stored
signature makes each request usable once.
"""

import hashlib
import hmac


def telephony_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def telephony_signer(*, secret: str, timestamp: str) -> hmac.HMAC:
    """The same HMAC for a body read in chunks (``update`` each, then ``"sha256=" + hexdigest()``):
    an upload too large to hold in memory is signed as it streams."""
    return hmac.new(secret.encode(), timestamp.encode() + b".", hashlib.sha256)
