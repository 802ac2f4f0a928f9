"""The endpoints a load balancer and Prometheus ask: ``/healthz``, ``/readyz``, ``/metrics``."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch.api.schema import refusal
from ops import metrics, selectors
from ops.collectors import DatabaseCollector

from .permissions import HasMetricsAccess

Health = inline_serializer("Health", {"status": serializers.CharField()})
CHECK_FIELDS: dict[str, serializers.Field[Any, Any, Any, Any]] = {
    "name": serializers.CharField(),
    "ok": serializers.BooleanField(),
    "value": serializers.FloatField(allow_null=True),
    "threshold": serializers.FloatField(allow_null=True),
    "unit": serializers.CharField(),
    "detail": serializers.CharField(),
    "skipped": serializers.BooleanField(),
}
Readiness = inline_serializer(
    "Readiness",
    {
        "status": serializers.CharField(),
        "checks": inline_serializer("ReadinessCheck", CHECK_FIELDS, many=True),
    },
)


class HealthzView(APIView):
    """The process is alive and answers: no database, no broker, nothing but this process."""

    # A load balancer or an orchestrator asks without credentials; the answer says nothing
    # about anyone ("ok"), so anybody may ask it. No authentication either: no session lookup.
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]

    @extend_schema(operation_id="healthz", responses={200: Health}, tags=["ops"])
    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})


class ReadyzView(APIView):
    """Ready for traffic: every check of ``ops.selectors.readiness()`` passes (200), or not (503),
    with each check's value, threshold and outcome."""

    # Asked by load balancers, which carry no credentials; the body holds only figures and
    # thresholds (no personal data, no addresses, errors by type), so anybody may read it.
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]

    @extend_schema(
        operation_id="readyz",
        responses={
            200: OpenApiResponse(Readiness, description="Every check passed."),
            503: OpenApiResponse(Readiness, description="At least one check failed: see each check's ok."),
        },
        tags=["ops"],
    )
    def get(self, request: Request) -> Response:
        checks = selectors.readiness()
        ready = all(check.ok for check in checks)
        return Response(
            {"status": "ok" if ready else "fail", "checks": [check.as_json() for check in checks]},
            status=200 if ready else 503,
        )


class MetricsView(APIView):
    """Prometheus's scrape of the web process: its (or every gunicorn worker's) metrics and the
    figures read from the database at scrape time (``ops.collectors``)."""

    # Prometheus has no user account: a bearer token or an allowed address (HasMetricsAccess);
    # no session or API-token authentication is tried.
    authentication_classes: list[Any] = []
    permission_classes = [HasMetricsAccess]
    renderer_classes = [JSONRenderer]

    @extend_schema(
        operation_id="metrics",
        responses={
            (200, "text/plain"): OpenApiResponse(
                OpenApiTypes.STR, description="Prometheus text format 0.0.4."
            ),
            403: refusal(403, "No valid metrics token, and not from an allowed address."),
            404: refusal(404, "Metrics are off: neither a token nor allowed addresses are configured."),
        },
        tags=["ops"],
    )
    def get(self, request: Request) -> HttpResponse:
        text, content_type = metrics.exposition([DatabaseCollector()])
        return HttpResponse(text, content_type=content_type)
