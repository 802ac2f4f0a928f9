"""The phone system's questions: who answers this call (``route``), which waiting calls to
resume now (``queue``). Signed like the webhook; each signature is usable once."""

import time
from typing import Any

from django.db import transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ops.metrics import ROUTING_DECISION_SECONDS
from routing.services import routes
from telephony import services as telephony_services
from telephony.permissions import HasTelephonySignature

from .serializers import (
    QueuePollSerializer,
    QueueResumeSerializer,
    RouteAnswerSerializer,
    RouteRequestSerializer,
)

SIGNATURE_HEADERS = [
    OpenApiParameter("X-Pronto-Timestamp", str, OpenApiParameter.HEADER, required=True),
    OpenApiParameter("X-Pronto-Signature", str, OpenApiParameter.HEADER, required=True),
]


def _claim(request: Request) -> None:
    if not telephony_services.telephony_receipt_claim(signature=request.META["HTTP_X_PRONTO_SIGNATURE"]):
        raise PermissionDenied("Replayed request: this signature was already used.")


class RouteView(APIView):
    """Who answers this call: offer it to an operator, queue it (position, estimated wait),
    forward it to another centre, or reject it. Asked again when an offer fails."""

    authentication_classes: list[Any] = []
    permission_classes = [HasTelephonySignature]

    @extend_schema(
        request=RouteRequestSerializer, responses={200: RouteAnswerSerializer}, parameters=SIGNATURE_HEADERS
    )
    def post(self, request: Request) -> Response:
        started = time.perf_counter()
        payload = RouteRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        with transaction.atomic():
            _claim(request)
            answer = routes.route_decide(
                call_id=data["call_id"],
                caller=data["caller"],
                line=data["line"],
                at=data["timestamp"],
                attempt=data["attempt"],
                previous=data["previous"],
                previous_status=data["previous_status"],
            )
        ROUTING_DECISION_SECONDS.labels(action=answer.action).observe(time.perf_counter() - started)
        return Response(answer.as_json())


class QueuePollView(APIView):
    """The phone system lists the calls it holds in queue; the answer names those to ask about
    again now (an operator is reserved for each).

    Not claimed against replay, unlike the other phone-system requests: the phone system polls
    twice a second, so the same list in the same second is the same signed request, and doing
    it again only does what the next poll would do."""

    authentication_classes: list[Any] = []
    permission_classes = [HasTelephonySignature]

    @extend_schema(
        request=QueuePollSerializer, responses={200: QueueResumeSerializer}, parameters=SIGNATURE_HEADERS
    )
    def post(self, request: Request) -> Response:
        payload = QueuePollSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with transaction.atomic():
            resume = routes.queue_resume(waiting=payload.validated_data["waiting"], at=timezone.now())
        return Response({"resume": resume})
