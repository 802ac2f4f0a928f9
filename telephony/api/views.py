import time
from typing import Any

from django.conf import settings
from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch.inputs import integer_parse, secret_matches
from telephony import services
from telephony.signatures import telephony_signature

from .serializers import TelephonyEventSerializer

# Unix seconds of at most 12 digits (until the year 33658): the header is not a place for more.
MAX_TIMESTAMP = 10**12 - 1


class HasTelephonySignature(BasePermission):
    """The phone system proves itself with an HMAC of the timestamped body (``telephony.signatures``)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        secret = settings.PRONTO_TELEPHONY_SECRET
        if not secret:
            raise PermissionDenied("The telephony webhook is not configured (PRONTO_TELEPHONY_SECRET).")
        timestamp = request.META.get("HTTP_X_PRONTO_TIMESTAMP", "")
        signature = request.META.get("HTTP_X_PRONTO_SIGNATURE", "")
        seconds = integer_parse(timestamp, minimum=0, maximum=MAX_TIMESTAMP)
        if seconds is None:
            raise PermissionDenied("Missing or malformed X-Pronto-Timestamp header.")
        if abs(time.time() - seconds) > settings.PRONTO_TELEPHONY_MAX_SKEW_SECONDS:
            raise PermissionDenied("X-Pronto-Timestamp is outside the accepted window.")
        expected = telephony_signature(secret=secret, timestamp=timestamp, body=request.body)
        if not secret_matches(expected, signature):
            raise PermissionDenied("Bad signature.")
        return True


class TelephonyEventView(APIView):
    """Ring / answer / hang-up events from the phone system fill in the call log by themselves."""

    authentication_classes: list[Any] = []
    permission_classes = [HasTelephonySignature]

    @extend_schema(
        request=TelephonyEventSerializer,
        responses={
            201: inline_serializer("TelephonyEventCreated", {"call": serializers.IntegerField()}),
            200: inline_serializer("TelephonyEventApplied", {"call": serializers.IntegerField()}),
        },
        parameters=[
            OpenApiParameter("X-Pronto-Timestamp", str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter("X-Pronto-Signature", str, OpenApiParameter.HEADER, required=True),
        ],
    )
    def post(self, request: Request) -> Response:
        payload = TelephonyEventSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        with transaction.atomic():
            # The signature HasTelephonySignature checked, claimed in the same transaction: a
            # request that fails can be retried as it was.
            if not services.telephony_receipt_claim(signature=request.META["HTTP_X_PRONTO_SIGNATURE"]):
                raise PermissionDenied("Replayed request: this signature was already used.")
            call, created = services.telephony_event_apply(
                call_id=data["call_id"],
                event=data["event"],
                occurred_at=data["timestamp"],
                caller_number=data["caller"],
                line=data["line"],
                agent=data["agent"],
            )
        return Response(
            {"call": call.pk, "created": created},
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
