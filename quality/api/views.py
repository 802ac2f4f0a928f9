"""The phone system hands over a call's recording: the audio itself, or where to fetch it."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from quality import services
from telephony import services as telephony_services

from .permissions import HasTelephonySignatureStreamed, signed_body
from .serializers import RecordingFetchSerializer, RecordingQueuedSerializer, RecordingReceivedSerializer

# A JSON body ({call_id, url}) is small; more is not JSON Pronto asked for.
JSON_MAX_BYTES = 16 * 1024


class AudioParser(BaseParser):
    """Declares the audio types the endpoint takes; the body is read by the permission, not here."""

    media_type = "audio/*"

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        return {}


class OctetStreamParser(AudioParser):
    media_type = "application/octet-stream"


class JsonBodyParser(AudioParser):
    media_type = "application/json"


_SIGNED = [
    OpenApiParameter("X-Pronto-Timestamp", str, OpenApiParameter.HEADER, required=True),
    OpenApiParameter("X-Pronto-Signature", str, OpenApiParameter.HEADER, required=True),
    OpenApiParameter(
        "call_id", str, OpenApiParameter.QUERY, required=False,
        description="The phone system's call id, with an audio body (or the header X-Pronto-Call-Id).",
    ),
    OpenApiParameter("X-Pronto-Call-Id", str, OpenApiParameter.HEADER, required=False),
]  # fmt: skip


class RecordingUploadView(APIView):
    """A call's recording after hang-up: the body is the audio (WAV, MP3, Ogg/Opus; judged by its
    content) with the call's id in ``?call_id=`` or ``X-Pronto-Call-Id``, or JSON ``{call_id, url}``
    for Pronto to fetch it. Signed as the telephony webhook; each signature is used once."""

    authentication_classes: list[Any] = []
    permission_classes = [HasTelephonySignatureStreamed]
    parser_classes = [JsonBodyParser, AudioParser, OctetStreamParser]

    @extend_schema(
        request={
            "audio/wav": OpenApiTypes.BINARY,
            "audio/mpeg": OpenApiTypes.BINARY,
            "audio/ogg": OpenApiTypes.BINARY,
            "application/octet-stream": OpenApiTypes.BINARY,
            "application/json": RecordingFetchSerializer,
        },
        responses={
            201: RecordingReceivedSerializer,
            200: RecordingReceivedSerializer,
            202: RecordingQueuedSerializer,
            400: OpenApiResponse(
                description="Not a call Pronto knows, not audio, or a URL it will not fetch."
            ),
            403: OpenApiResponse(description="Unsigned, badly signed, outside the time window, or replayed."),
            413: OpenApiResponse(description="Larger than PRONTO_RECORDING_MAX_BYTES."),
        },
        parameters=_SIGNED,
    )
    def post(self, request: Request) -> Response:
        body = signed_body(request)
        try:
            with transaction.atomic():
                # Claimed with the change: a request that fails (400) can be sent again as it was.
                if not telephony_services.telephony_receipt_claim(
                    signature=request.META["HTTP_X_PRONTO_SIGNATURE"]
                ):
                    raise PermissionDenied("Replayed request: this signature was already used.")
                if (request.content_type or "").split(";")[0].strip().lower() == "application/json":
                    return self._fetch(body.read(JSON_MAX_BYTES + 1))
                call_id = request.query_params.get("call_id") or request.headers.get("X-Pronto-Call-Id", "")
                recording, created = services.recording_receive(external_call_id=call_id, stream=body)
        except DjangoValidationError as exc:
            raise ApiValidationError(
                exc.message_dict if hasattr(exc, "error_dict") else exc.messages
            ) from exc
        finally:
            body.close()
        return Response(
            {
                "recording": recording.pk,
                "call": recording.call_id,
                "sha256": recording.sha256,
                "created": created,
            },
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def _fetch(self, raw: bytes) -> Response:
        if len(raw) > JSON_MAX_BYTES:
            raise DjangoValidationError({"url": "The JSON body is too large."})
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DjangoValidationError({"body": f"Not JSON: {exc}"}) from exc
        payload = RecordingFetchSerializer(data=data)
        payload.is_valid(raise_exception=True)
        call = services.recording_fetch_request(
            external_call_id=payload.validated_data["call_id"], url=payload.validated_data["url"]
        )
        return Response({"call": call.pk, "queued": True}, status=status.HTTP_202_ACCEPTED)
