"""The API's sign-in: a token for a username and password, and its revocation.

``POST /api/auth/token/`` goes through ``django.contrib.auth.authenticate`` with the request, so
django-axes counts its failures and refuses a locked-out user or address exactly as on the
sign-in page (dispatch/signin.py); the refusal is DRF's 429 with ``Retry-After``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate, user_logged_in
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from knox.models import AuthToken
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dispatch.services.api_tokens import api_token_issue, api_token_revoke, api_tokens_revoke_all
from dispatch.signin import retry_after_seconds

from .authentication import ExpiringTokenAuthentication


class TokenObtainSerializer(serializers.Serializer[Any]):
    username = serializers.CharField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer[Any]):
    token = serializers.CharField(help_text="Send it as `Authorization: Token <token>`.")
    expiry = serializers.DateTimeField(help_text="The token stops working at this time.")


DETAIL = inline_serializer("Detail", {"detail": serializers.CharField()})
TOKEN_REFUSED = inline_serializer(
    "TokenObtainRefused",
    {
        "non_field_errors": serializers.ListField(child=serializers.CharField(), required=False),
        "username": serializers.ListField(child=serializers.CharField(), required=False),
        "password": serializers.ListField(child=serializers.CharField(), required=False),
    },
)
RESPONSES_401 = {401: OpenApiResponse(DETAIL, description="No valid token: signed out, expired or revoked.")}


class SignedInWithToken(BasePermission):
    """The request carries a valid API token (a session has no token to revoke)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated and isinstance(request.auth, AuthToken))


class TokenObtainView(APIView):
    """Anyone may ask; the password decides. No authentication class: a token or a session sent
    along changes nothing (and a session would need CSRF)."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes: list[type] = []

    @extend_schema(
        operation_id="auth_token_obtain",
        request=TokenObtainSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(TOKEN_REFUSED, description="Missing fields or a wrong password."),
            429: OpenApiResponse(
                DETAIL,
                description="Too many failed sign-ins for this username or from this address; "
                "the `Retry-After` header says how many seconds to wait without trying.",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        data = TokenObtainSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # The Django request, not DRF's: axes marks the lock-out on it for its middleware.
        django_request = request._request
        user = authenticate(
            request=django_request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if getattr(django_request, "axes_locked_out", False):
            seconds = retry_after_seconds()
            raise exceptions.Throttled(
                wait=seconds,
                detail=_("Too many failed sign-ins. Try again in %(minutes)d minutes.")
                % {"minutes": seconds // 60},
            )
        if user is None:
            raise exceptions.ValidationError(
                {"non_field_errors": [_("Unable to sign in with the username and password given.")]}
            )
        issued = api_token_issue(user=user)
        user_logged_in.send(sender=type(user), request=django_request, user=user)
        return Response(TokenSerializer(issued).data)


class TokenRevokeView(APIView):
    """This token stops working; the user's other tokens go on."""

    authentication_classes = [ExpiringTokenAuthentication]
    permission_classes = [SignedInWithToken]

    @extend_schema(operation_id="auth_token_revoke", request=None, responses={204: None, **RESPONSES_401})
    def post(self, request: Request) -> Response:
        assert isinstance(request.auth, AuthToken)  # SignedInWithToken
        api_token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenRevokeAllView(APIView):
    """Every token of this user stops working (a lost phone, a leaked script)."""

    authentication_classes = [ExpiringTokenAuthentication]
    permission_classes = [SignedInWithToken]

    @extend_schema(operation_id="auth_token_revoke_all", request=None, responses={204: None, **RESPONSES_401})
    def post(self, request: Request) -> Response:
        assert isinstance(request.auth, AuthToken)  # SignedInWithToken
        api_tokens_revoke_all(user=request.auth.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
