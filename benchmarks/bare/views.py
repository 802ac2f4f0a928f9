"""Stock DRF baselines.

``PingCreateView`` (bench_calls_api): ModelSerializer + CreateAPIView, project-default
authentication and permissions (hashed expiring tokens or the session + IsAuthenticated), exactly
like the real endpoint minus its own permission class and service.

``SignedPingView`` (bench_route): an APIView signed like the phone system's endpoints
(``HasTelephonySignature``, no authentication) that parses the JSON body and answers a small JSON:
the route endpoint minus its serializer, replay claim and decision."""

from typing import Any

from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from telephony.permissions import HasTelephonySignature

from .models import Ping


class PingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Ping
        fields = ["id", "name"]


class PingCreateView(generics.CreateAPIView):
    queryset = Ping.objects.all()
    serializer_class = PingSerializer


class SignedPingView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [HasTelephonySignature]

    def post(self, request: Request) -> Response:
        return Response({"action": "pong", "call_id": str(request.data.get("call_id", ""))})
