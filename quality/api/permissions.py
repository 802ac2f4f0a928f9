"""The phone system's recording upload: signed as its webhook is (``telephony.permissions``),
but over a body read as a stream (a recording may be far larger than Django keeps in memory)."""

from __future__ import annotations

import tempfile
from typing import IO

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from dispatch.choices import Role
from dispatch.inputs import integer_parse, secret_matches
from dispatch.roles import has_role
from telephony.permissions import HasTelephonySignature
from telephony.signatures import telephony_signer

CHUNK = 64 * 1024
BODY_ATTRIBUTE = "pronto_signed_body"


class RecordingTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The recording is larger than PRONTO_RECORDING_MAX_BYTES."
    default_code = "too_large"


class HasTelephonySignatureStreamed(HasTelephonySignature):
    """``HasTelephonySignature`` for a streamed body: the timestamp is checked first, the body is
    copied to a temporary file (at most ``PRONTO_RECORDING_MAX_BYTES``) while its HMAC is
    computed, and the view reads the copy (``signed_body``)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        secret, timestamp = self.timestamp_checked(request)
        limit = settings.PRONTO_RECORDING_MAX_BYTES
        declared = integer_parse(request.META.get("CONTENT_LENGTH") or "0", minimum=0)
        if declared is not None and declared > limit:
            raise RecordingTooLarge
        signer = telephony_signer(secret=secret, timestamp=timestamp)
        body = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
        size = 0
        while chunk := request._request.read(CHUNK):
            size += len(chunk)
            if size > limit:
                body.close()
                raise RecordingTooLarge
            signer.update(chunk)
            body.write(chunk)
        body.seek(0)
        if not secret_matches(
            "sha256=" + signer.hexdigest(), request.META.get("HTTP_X_PRONTO_SIGNATURE", "")
        ):
            body.close()
            raise PermissionDenied("Bad signature.")
        setattr(request, BODY_ATTRIBUTE, body)
        return True


def signed_body(request: Request) -> IO[bytes]:
    """The body ``HasTelephonySignatureStreamed`` read and verified, at its start."""
    body: IO[bytes] = getattr(request, BODY_ATTRIBUTE)
    return body


class IsSupervisor(BasePermission):
    """The evidence pack's API: supervisors (signed in with a token or a session)."""

    message = "Only supervisors take evidence packs."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.is_authenticated) and has_role(
            request.user, Role.SUPERVISOR
        )
