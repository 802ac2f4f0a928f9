"""Complaints over the API: supervisors read them and mark them handled; every other role is
403 before any row is looked up. The handling is one service call (``complaint_handle``)."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from dispatch.api.pagination import LimitOffsetPage
from dispatch.api.permissions import HasActionRole
from dispatch.choices import Role
from feedback import selectors, services
from feedback.models import Complaint

from .serializers import (
    ComplaintHandleSerializer,
    ComplaintOpenSerializer,
    ComplaintQuerySerializer,
    ComplaintSerializer,
    OptOutSerializer,
)

SUPERVISORS = frozenset({Role.SUPERVISOR})
STAFF = frozenset({Role.OPERATOR, Role.SUPERVISOR})


class _View(GenericAPIView):
    permission_classes = [HasActionRole]
    action: str | None = "read"
    write_action = ""
    action_roles: dict[str, frozenset[str]] = {"read": SUPERVISORS}
    serializer_class = ComplaintSerializer
    queryset = Complaint.objects.none()  # for the schema's model only: rows come from the selector

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        method = (request.method or "").lower()
        if method not in self.http_method_names or not hasattr(self, method):
            self.action = None
        else:
            self.action = self.write_action if method == "post" else "read"
        super().initial(request, *args, **kwargs)


class ComplaintsView(_View):
    """Every complaint, newest first; ``status`` filters (open, handled) (supervisors). POST: an
    operator or a supervisor writes down a complaint taken on the phone (201)."""

    pagination_class = LimitOffsetPage
    write_action = "open"
    action_roles = {"read": SUPERVISORS, "open": STAFF}

    @extend_schema(parameters=[ComplaintQuerySerializer], responses={200: ComplaintSerializer(many=True)})
    def get(self, request: Request) -> Response:
        query = ComplaintQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = selectors.complaint_list_for_user(user=request.user, status=query.validated_data.get("status"))
        page = self.paginate_queryset(rows) or []
        return self.get_paginated_response(ComplaintSerializer(page, many=True).data)

    @extend_schema(request=ComplaintOpenSerializer, responses={201: ComplaintSerializer})
    def post(self, request: Request) -> Response:
        payload = ComplaintOpenSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        complaint = services.complaint_open(
            actor=request.user, call=payload.validated_data.get("call"), text=payload.validated_data["text"]
        )
        return Response(ComplaintSerializer(complaint).data, status=201)


class ComplaintView(_View):
    @extend_schema(responses={200: ComplaintSerializer})
    def get(self, request: Request, pk: int) -> Response:
        return Response(ComplaintSerializer(selectors.complaint_get_for_user(user=request.user, pk=pk)).data)


class ComplaintHandleView(_View):
    """Mark an open complaint handled, with what was done; 409 when it was handled already."""

    write_action = "handle"
    action_roles = {"handle": SUPERVISORS}

    @extend_schema(request=ComplaintHandleSerializer, responses={200: ComplaintSerializer})
    def post(self, request: Request, pk: int) -> Response:
        complaint = selectors.complaint_get_for_user(user=request.user, pk=pk)
        payload = ComplaintHandleSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        handled = services.complaint_handle(
            actor=request.user, complaint=complaint, notes=payload.validated_data["notes"]
        )
        return Response(
            ComplaintSerializer(selectors.complaint_get_for_user(user=request.user, pk=handled.pk)).data
        )


class OptOutsView(_View):
    """An operator or a supervisor notes that a caller wants no surveys (asked on the phone):
    201 with the opt-out, the same one again when the number had it already."""

    write_action = "opt_out"
    action_roles = {"opt_out": STAFF}
    serializer_class = OptOutSerializer  # type: ignore[assignment]

    @extend_schema(request=OptOutSerializer, responses={201: OptOutSerializer})
    def post(self, request: Request) -> Response:
        payload = OptOutSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        optout = services.optout_set(actor=request.user, number=payload.validated_data["number"])
        return Response(OptOutSerializer(optout).data, status=201)
