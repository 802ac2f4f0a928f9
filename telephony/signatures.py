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
