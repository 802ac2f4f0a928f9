"""People's requests (operators and supervisors) and the access log (supervisors) over the API:
the same services as the pages."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch.access import found_or_404, restrict
from dispatch.api.permissions import HasActionRole
from dispatch.choices import STAFF_ROLES, Role
from privacy.choices import AccessKind, RequestKind, RequestStatus
from privacy.exports import export_caller_token, request_export
from privacy.models import PersonalRequest
from privacy.selectors.retention import personal_data_held
from privacy.services.access_log import access_log_for_number, access_record
from privacy.services.requests import personal_request_erase, personal_request_export, personal_request_record

from .serializers import (
    AccessLogEntrySerializer,
    AccessLogQuerySerializer,
    PersonalRequestCreateSerializer,
    PersonalRequestSerializer,
)

REQUESTS_LISTED = 200
ENTRIES_LISTED = 1000


class _StaffView(APIView):
    # Every method of these views serves one set of roles: refused before the method is looked at.
    permission_classes = [HasActionRole]
    action = "use"
    action_roles = {"use": STAFF_ROLES}

    def _get(self, request: Request, pk: int) -> PersonalRequest:
        rows = restrict(PersonalRequest.objects.select_related("recorded_by"), request.user)
        return found_or_404(rows.prefetch_related("steps__actor"), pk)


class PersonalRequestListView(_StaffView):
    """Requests from people about their phone number's data, newest first (the latest 200);
    POST records one."""

    @extend_schema(responses={200: PersonalRequestSerializer(many=True)})
    def get(self, request: Request) -> Response:
        rows = restrict(PersonalRequest.objects.select_related("recorded_by"), request.user)
        rows = rows.prefetch_related("steps__actor")[:REQUESTS_LISTED]
        return Response(PersonalRequestSerializer(rows, many=True).data)

    @extend_schema(request=PersonalRequestCreateSerializer, responses={201: PersonalRequestSerializer})
    def post(self, request: Request) -> Response:
        payload = PersonalRequestCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        created = personal_request_record(actor=request.user, **payload.validated_data)
        return Response(
            PersonalRequestSerializer(self._get(request, created.pk)).data, status=status.HTTP_201_CREATED
        )


class PersonalRequestDetailView(_StaffView):
    @extend_schema(responses={200: PersonalRequestSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return Response(PersonalRequestSerializer(self._get(request, pk)).data)


class PersonalRequestAnswerView(_StaffView):
    """Answer a request: access marks every call of the number exported (the export is then
    served by ``export/``); erasure (supervisors) erases what no legal hold or open case keeps.
    409 once answered."""

    @extend_schema(request=None, responses={200: PersonalRequestSerializer})
    def post(self, request: Request, pk: int) -> Response:
        personal_request = self._get(request, pk)
        if personal_request.kind == RequestKind.ERASURE:
            personal_request_erase(actor=request.user, request=personal_request, is_held=personal_data_held)
        else:
            personal_request_export(actor=request.user, request=personal_request)
        return Response(PersonalRequestSerializer(self._get(request, pk)).data)


class PersonalRequestExportView(_StaffView):
    """The export of an answered access request (404 before it is answered, or for erasure):
    every call of the number with its times, plant, type, history, callbacks and interventions.
    Each download is logged in the access log."""

    @extend_schema(
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="The export (docs/privacy.md)."),
        }
    )
    def get(self, request: Request, pk: int) -> Response:
        personal_request = self._get(request, pk)
        if personal_request.kind != RequestKind.ACCESS or personal_request.status != RequestStatus.ANSWERED:
            raise Http404
        data: dict[str, Any] = request_export(request=personal_request)
        access_record(
            user=request.user, kind=AccessKind.EXPORT, request=personal_request,
            token=export_caller_token(personal_request), reason=f"request #{personal_request.pk}",
        )  # fmt: skip
        return Response(data)


class AccessLogView(APIView):
    """Who read the data of a phone number (supervisors; a reason is required and the lookup is
    logged too): entries about its calls, their interventions, photos and exports, newest first."""

    permission_classes = [HasActionRole]
    action = "list"
    action_roles = {"list": frozenset({Role.SUPERVISOR})}

    @extend_schema(
        parameters=[
            OpenApiParameter("number", str, required=True, description="The phone number, any written form."),
            OpenApiParameter("reason", str, required=True, description="Why you look (kept in the log)."),
        ],
        responses={200: AccessLogEntrySerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        query = AccessLogQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        entries = access_log_for_number(actor=request.user, **query.validated_data)[:ENTRIES_LISTED]
        return Response(AccessLogEntrySerializer(entries, many=True).data)
