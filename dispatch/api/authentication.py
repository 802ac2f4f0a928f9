"""``Authorization: Token <token>`` against knox's hashed, expiring tokens."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from rest_framework import exceptions


class ExpiringTokenAuthentication(TokenAuthentication):
    """knox's ``TokenAuthentication`` (prefix ``Token``, as DRF's was), with two changes:

    - a header that is not UTF-8 is refused (401) instead of raising ``UnicodeDecodeError``;
    - only the presented token is checked for expiry. knox also reads all of the user's other
      tokens on every request to delete the expired ones: one query more per API request, for
      housekeeping that ``api_token_issue`` does when the user next signs in.
    """

    def authenticate_credentials(self, token: bytes) -> Any:
        try:
            token.decode("utf-8")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        return super().authenticate_credentials(token)

    def _cleanup_token(self, auth_token: Any) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False


class ExpiringTokenScheme(OpenApiAuthenticationExtension):
    """The schema's security scheme for it: ``Authorization: Token <token>``, under the name
    DRF's token authentication had (``tokenAuth``), so clients of the schema see no change."""

    target_class = "dispatch.api.authentication.ExpiringTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")
