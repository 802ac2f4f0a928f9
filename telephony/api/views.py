import time
from typing import Any

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ops.metrics import TELEPHONY_WEBHOOK_SECONDS
from telephony import services
from telephony.permissions import HasTelephonySignature

from .serializers import TelephonyEventSerializer


class TelephonyEventView(APIView):
    """The phone system's events fill in the call log by themselves and move the router's state."""

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
        started = time.perf_counter()
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
                callback_at=data["callback_at"],
            )
        TELEPHONY_WEBHOOK_SECONDS.labels(event=data["event"]).observe(time.perf_counter() - started)
        return Response(
            {"call": call.pk, "created": created},
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
