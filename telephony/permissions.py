"""Who may call the phone system's endpoints: the phone system, proven by the HMAC of the
timestamped body (``telephony.signatures``). The webhook and the router's endpoints share it."""

import time

from django.conf import settings
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from dispatch.inputs import integer_parse, secret_matches
from telephony.signatures import telephony_signature

# Unix seconds of at most 12 digits (until the year 33658): the header is not a place for more.
MAX_TIMESTAMP = 10**12 - 1


class HasTelephonySignature(BasePermission):
    """The phone system proves itself with an HMAC of the timestamped body (``telephony.signatures``)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        secret, timestamp = self.timestamp_checked(request)
        signature = request.META.get("HTTP_X_PRONTO_SIGNATURE", "")
        expected = telephony_signature(secret=secret, timestamp=timestamp, body=request.body)
        if not secret_matches(expected, signature):
            raise PermissionDenied("Bad signature.")
        return True

    @staticmethod
    def timestamp_checked(request: Request) -> tuple[str, str]:
        """The secret and the request's timestamp, once it is within the accepted window
        (``PermissionDenied`` otherwise). Also used by endpoints that sign a streamed body."""
        secret = settings.PRONTO_TELEPHONY_SECRET
        if not secret:
            raise PermissionDenied("The telephony webhook is not configured (PRONTO_TELEPHONY_SECRET).")
        timestamp = request.META.get("HTTP_X_PRONTO_TIMESTAMP", "")
        seconds = integer_parse(timestamp, minimum=0, maximum=MAX_TIMESTAMP)
        if seconds is None:
            raise PermissionDenied("Missing or malformed X-Pronto-Timestamp header.")
        if abs(time.time() - seconds) > settings.PRONTO_TELEPHONY_MAX_SKEW_SECONDS:
            raise PermissionDenied("X-Pronto-Timestamp is outside the accepted window.")
        return secret, timestamp
