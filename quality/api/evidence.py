"""The evidence pack over the API (supervisors): find a call by time window and number, then
download its ZIP (docs/quality.md)."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch import selectors as dispatch_selectors
from dispatch.ports import access_logged
from quality import selectors
from quality.evidence import evidence_pack

from .permissions import IsSupervisor

_REFUSED = {
    401: OpenApiResponse(description="Not signed in."),
    403: OpenApiResponse(description="Not a supervisor."),
}


class EvidenceQuerySerializer(serializers.Serializer[None]):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": "The end of the window is before its start."})
        return attrs


class EvidenceCallSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    received_at = serializers.DateTimeField()
    caller_number = serializers.CharField()
    plant = serializers.CharField(allow_null=True)
    call_type = serializers.CharField()
    evidence_url = serializers.CharField()


class EvidenceCallsView(APIView):
    """Calls received in ``[start, end]`` from ``number`` (any form; empty: any), newest first, at
    most 50, each with the URL of its evidence pack."""

    permission_classes = [IsSupervisor]

    @extend_schema(
        parameters=[EvidenceQuerySerializer],
        responses={
            200: EvidenceCallSerializer(many=True),
            400: OpenApiResponse(description="Bad window or number."),
            **_REFUSED,
        },
    )
    def get(self, request: Request) -> Response:
        query = EvidenceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        calls = selectors.evidence_call_search(user=request.user, **query.validated_data)
        rows = [
            {
                "id": call.pk,
                "received_at": call.received_at,
                "caller_number": call.caller_number,
                "plant": call.plant.code if call.plant else None,
                "call_type": call.call_type,
                "evidence_url": reverse("quality-api-evidence-download", args=[call.pk]),
            }  # fmt: skip
            for call in calls
        ]
        return Response(EvidenceCallSerializer(rows, many=True).data)


class EvidenceDownloadView(APIView):
    """``evidence-call-<id>.zip``: the call, its history with the chain hashes, interventions,
    telecontrol checks, notifications, recordings and ``manifest.json`` of SHA-256 digests.
    Each download is in the access log."""

    permission_classes = [IsSupervisor]

    @extend_schema(
        responses={
            (200, "application/zip"): OpenApiTypes.BINARY,
            404: OpenApiResponse(description="No such call."),
            **_REFUSED,
        }
    )
    def get(self, request: Request, pk: int) -> FileResponse:
        call = dispatch_selectors.call_get_for_user(user=request.user, pk=pk)
        pack, size = evidence_pack(call=call, generated_by=request.user.get_username())
        access_logged(request, kind="evidence", call=call)
        response = FileResponse(pack, as_attachment=True, filename=f"evidence-call-{call.pk}.zip")
        response["Content-Type"] = "application/zip"
        response["Content-Length"] = str(size)
        return response
