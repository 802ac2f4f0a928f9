"""Notification endpoints: the delivery log of an intervention (people), and the two doors the
SMS gateway knocks on (delivery reports and replies), authenticated by tokens, not sessions."""

import logging

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch import selectors as dispatch_selectors
from dispatch.api.permissions import HasActionRole
from dispatch.choices import Role
from notifications import selectors, services
from notifications.sms_text import GSM7, sms_coding
from notifications.tokens import inbound_token_valid, status_token_valid

from .serializers import GatewayStatusSerializer, NotificationSerializer, SmsInboundSerializer

logger = logging.getLogger(__name__)


class InterventionNotificationsView(APIView):
    """Every notification of an intervention with each attempt and outcome, oldest first.
    Staff see all; a technician those of its own interventions (others: 404)."""

    permission_classes = [HasActionRole]
    action = "list"
    action_roles = {"list": frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.TECHNICIAN})}

    @extend_schema(responses={200: NotificationSerializer(many=True)})
    def get(self, request, pk):
        intervention = dispatch_selectors.intervention_get_for_user(user=request.user, pk=pk)
        rows = selectors.notification_list_for_intervention(intervention=intervention)
        return Response(NotificationSerializer(rows, many=True).data)


def _gateway_reply(text: str, status: int = 200) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


def _sms_answer(text: str, status: int = 200) -> HttpResponse:
    """An answer Kannel's sms-service texts back. Kannel sends a get-url reply as a GSM 7-bit
    SMS unless told otherwise, turning every character outside the GSM alphabet into "?"; so an
    answer that needs one asks for UCS-2 with ``X-Kannel-Coding: 2`` (honoured only with
    ``accept-x-kannel-headers = true`` in the sms-service, docs/notifications.md). A GSM answer
    stays GSM: 160 characters per SMS instead of 70."""
    response = _gateway_reply(text, status)
    if sms_coding(text) != GSM7:
        response["X-Kannel-Coding"] = "2"
    return response


class NotificationStatusView(APIView):
    """Kannel's delivery report for one SMS. The token in the URL was issued for this row only."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter("token", str, required=True),
            OpenApiParameter("type", int, required=True, description="Kannel DLR type"),
            OpenApiParameter("smsc_reply", str),
        ],
        request=None,
        # The gateway's token is checked here, not by a permission: the schema is told of its 403.
        responses={(200, "text/plain"): str, (403, "text/plain"): str},
    )
    def get(self, request, pk):
        from notifications.backends.kannel import kannel_dlr_parse

        payload = GatewayStatusSerializer(data=request.query_params)
        if not payload.is_valid():
            return _gateway_reply(f"invalid report: {payload.errors}", 400)
        if not status_token_valid(pk, payload.validated_data["token"]):
            return _gateway_reply("forbidden", 403)
        status = kannel_dlr_parse(
            {"type": str(payload.validated_data["type"]), "smsc_reply": payload.validated_data["smsc_reply"]}
        )
        row = services.notification_receipt_apply(notification_id=pk, status=status)
        if row is None:
            return _gateway_reply("unknown notification", 404)
        return _gateway_reply("ok")


class SmsInboundView(APIView):
    """Replies from technicians' phones, forwarded by Kannel's sms-service. The answer's body
    is texted back to the sender by Kannel."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter("token", str, required=True),
            OpenApiParameter("sender", str, required=True),
            OpenApiParameter("text", str, required=True),
        ],
        request=None,
        responses={(200, "text/plain"): str, (403, "text/plain"): str},
    )
    def get(self, request):
        from notifications.backends.kannel import kannel_mo_params

        # Kannel sends a UCS-2 reply as raw UTF-16BE bytes (coding=2): decode as the SMS was coded.
        payload = SmsInboundSerializer(data=kannel_mo_params(request.META.get("QUERY_STRING", "")))
        if not payload.is_valid():
            return _sms_answer(f"invalid message: {payload.errors}", 400)
        if not inbound_token_valid(payload.validated_data["token"]):
            return _sms_answer("forbidden", 403)
        try:
            answer = services.sms_reply_apply(
                sender=payload.validated_data["sender"], text=payload.validated_data["text"]
            )
        except Exception:
            # The reply is kept in the log; the technician is told to use the page instead.
            logger.exception("SMS reply from %s not applied", payload.validated_data["sender"])
            return _sms_answer(_("Not applied: please acknowledge from the intervention page."))
        return _sms_answer(answer)
