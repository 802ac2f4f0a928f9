"""Notification endpoints: the delivery log of an intervention (people), and the two doors the
SMS gateway knocks on (delivery reports and replies), authenticated by tokens, not sessions."""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch import selectors as dispatch_selectors
from dispatch.api.permissions import HasActionRole
from dispatch.api.schema import refusal
from dispatch.choices import Role
from notifications import selectors, services
from notifications.sms_text import GSM7, sms_coding
from notifications.tokens import inbound_address_allowed, inbound_token_valid, status_token_valid

from .serializers import (
    GatewayStatusSerializer,
    MessageUploadSerializer,
    MessageWriteSerializer,
    NotificationSerializer,
    SmsInboundSerializer,
)

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


class InterventionMessagesView(APIView):
    """Write an SMS or an email about an intervention to one technician or one contact of the
    plant's customer (issue 20): 201 with the outbox row, delivered after commit like every
    notification. JSON, or a multipart form with one more ``file`` to attach to an email."""

    permission_classes = [HasActionRole]
    action = "write"
    action_roles = {"write": frozenset({Role.OPERATOR, Role.SUPERVISOR})}
    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(
        request={"application/json": MessageWriteSerializer, "multipart/form-data": MessageUploadSerializer},
        responses={201: NotificationSerializer},
    )
    def post(self, request, pk):
        intervention = dispatch_selectors.intervention_get_for_user(user=request.user, pk=pk)
        payload = MessageUploadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        file = data.get("file")
        upload = None
        if file is not None:
            if file.size > settings.PRONTO_EMAIL_ATTACHMENTS_MAX_BYTES:
                raise DjangoValidationError({"file": _("The file is larger than every attachment may be.")})
            upload = services.Upload(filename=file.name or "file", content=file.read())
        row = services.message_send(
            actor=request.user,
            channel=data["channel"],
            plant=intervention.plant,
            intervention=intervention,
            technician_id=data.get("technician"),
            contact_id=data.get("contact"),
            text=data["text"],
            subject=data["subject"],
            document_ids=data["documents"],
            upload=upload,
        )
        return Response(NotificationSerializer(row).data, status=201)


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
        responses={
            (200, "text/plain"): OpenApiResponse(str, description="Report applied."),
            (400, "text/plain"): OpenApiResponse(str, description="Malformed report."),
            (403, "text/plain"): OpenApiResponse(str, description="Wrong token for this notification."),
            (404, "text/plain"): OpenApiResponse(str, description="No such notification."),
            # An id that is not a number matches no route: the JSON 404 of any unknown /api/ path.
            (404, "application/json"): refusal(404, "The id is not a number."),
        },
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


TEXT = "text/plain"
INBOUND_PARAMETERS = [
    OpenApiParameter("X-Pronto-Token", str, OpenApiParameter.HEADER, description="Or ``token``."),
    OpenApiParameter("token", str, description="PRONTO_SMS_INBOUND_TOKEN, unless sent as X-Pronto-Token."),
]
INBOUND_RESPONSES = {
    (200, TEXT): OpenApiResponse(str, description="The answer Kannel texts back to the sender."),
    (400, TEXT): OpenApiResponse(str, description="No token, no sender, or a text too long."),
    (403, TEXT): OpenApiResponse(str, description="Wrong token, or an address not allowed."),
}


class SmsInboundView(APIView):
    """Replies from technicians' phones, forwarded by Kannel's sms-service with its ``get-url``
    (GET, everything in the query string) or ``post-url`` (POST, the SMS as the body; or a form).
    The gateway proves itself with ``PRONTO_SMS_INBOUND_TOKEN`` (``X-Pronto-Token`` or
    ``token``) and, when ``PRONTO_SMS_INBOUND_ALLOWED_ADDRESSES`` is set, its address. The
    answer's body is texted back to the sender by Kannel."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    # Read by hand: a UCS-2 SMS comes as UTF-16BE bytes, in the query string or the body.
    parser_classes: list = []

    @extend_schema(
        parameters=[
            *INBOUND_PARAMETERS,
            OpenApiParameter("sender", str, required=True),
            OpenApiParameter("text", str, required=True),
            OpenApiParameter("coding", str, description="Kannel's %c: 2 when text is UTF-16BE bytes."),
            OpenApiParameter("charset", str, description="Kannel's %C."),
        ],
        request=None,
        responses=INBOUND_RESPONSES,
    )
    def get(self, request):
        from notifications.backends.kannel import kannel_mo_params

        if not inbound_address_allowed(request.META.get("REMOTE_ADDR")):
            return _sms_answer("forbidden", 403)
        return self._apply(request, kannel_mo_params(request.META.get("QUERY_STRING", "")))

    @extend_schema(
        parameters=[
            *INBOUND_PARAMETERS,
            OpenApiParameter("sender", str, description="Unless sent as X-Kannel-From or in the form."),
            OpenApiParameter("X-Kannel-From", str, OpenApiParameter.HEADER, description="The sender."),
            OpenApiParameter("X-Kannel-Coding", str, OpenApiParameter.HEADER),
        ],
        request={
            TEXT: OpenApiTypes.STR,
            "application/octet-stream": OpenApiTypes.BINARY,
            "application/x-www-form-urlencoded": SmsInboundSerializer,
        },
        responses={
            **INBOUND_RESPONSES,
            (415, TEXT): OpenApiResponse(str, description="Neither a form nor the SMS as text."),
        },
    )
    def post(self, request):
        from notifications.backends.kannel import UnsupportedInbound, kannel_mo_params, kannel_mo_post

        if not inbound_address_allowed(request.META.get("REMOTE_ADDR")):
            return _sms_answer("forbidden", 403)
        query_string = request.META.get("QUERY_STRING", "")
        unsupported = None
        try:
            params = kannel_mo_post(
                query_string=query_string,
                content_type=request.META.get("CONTENT_TYPE", ""),
                body=request.body,
                headers=request.headers,
            )
        except UnsupportedInbound as exc:
            # Said only to a caller with the token: the others learn nothing but "forbidden".
            params, unsupported = kannel_mo_params(query_string), exc
        return self._apply(request, params, unsupported=unsupported)

    def _apply(
        self, request, params: dict[str, str], *, unsupported: Exception | None = None
    ) -> HttpResponse:
        token = request.headers.get("X-Pronto-Token") or params.get("token", "")
        if not token:
            return _sms_answer("invalid message: no token (X-Pronto-Token or token)", 400)
        if not inbound_token_valid(token):
            return _sms_answer("forbidden", 403)
        if unsupported is not None:
            return _sms_answer(str(unsupported), 415)
        payload = SmsInboundSerializer(data={**params, "token": token})
        if not payload.is_valid():
            return _sms_answer(f"invalid message: {payload.errors}", 400)
        try:
            answer = services.sms_reply_apply(
                sender=payload.validated_data["sender"], text=payload.validated_data["text"]
            )
        except Exception:
            # The reply is kept in the log; the technician is told to use the page instead.
            logger.exception("SMS reply from %s not applied", payload.validated_data["sender"])
            return _sms_answer(_("Not applied: please acknowledge from the intervention page."))
        return _sms_answer(answer)
