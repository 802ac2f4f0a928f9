"""Stock DRF baselines.

``PingCreateView`` (bench_calls_api): ModelSerializer + CreateAPIView, project-default
authentication and permissions (hashed expiring tokens or the session + IsAuthenticated), exactly
like the real endpoint minus its own permission class and service.

``SignedPingView`` (bench_route): an APIView signed like the phone system's endpoints
(``HasTelephonySignature``, no authentication) that parses the JSON body and answers a small JSON:
the route endpoint minus its serializer, replay claim and decision.

``SignedFloorView`` (bench_route): the signed view plus, in one transaction, as many statements
as one routing decision that offers a new call takes, each the cheapest of its kind: the floor
any decision that writes what the router writes would pay on this database, without ORM or logic."""

from typing import Any

from django.db import connection, transaction
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


class SignedFloorView(SignedPingView):
    # An offer of a new call (bench_route's profile of the router): six writes (the replay
    # receipt, the call with its first event, the operator, their state log, the route, the
    # decision), five reads (the call, the plant guess, the case owner, the calls ahead, the
    # pick) and a savepoint, inside BEGIN / COMMIT.
    WRITES = 6
    READS = 5

    def post(self, request: Request) -> Response:
        call_id = str(request.data.get("call_id", ""))[:64]
        table = connection.ops.quote_name(Ping._meta.db_table)
        with transaction.atomic(), connection.cursor() as cursor:
            ids = []
            for _ in range(self.WRITES):
                cursor.execute(f"INSERT INTO {table} (name) VALUES (%s) RETURNING id", [call_id])  # noqa: S608
                ids.append(cursor.fetchone()[0])
            savepoint = transaction.savepoint()
            transaction.savepoint_commit(savepoint)
            for index in range(self.READS):
                cursor.execute(f"SELECT id, name FROM {table} WHERE id = %s", [ids[index]])  # noqa: S608
                cursor.fetchone()
        return Response({"action": "floor", "call_id": call_id})
