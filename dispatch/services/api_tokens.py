"""API tokens: issued on a correct password, stored as a digest, ended by expiry or revocation.

django-rest-knox keeps only a SHA-512 digest of each token (and its first characters, to find
it); the token itself exists only in the answer to the one request that obtained it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from knox.models import AuthToken


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expiry: datetime


@transaction.atomic
def api_token_issue(*, user: AbstractBaseUser) -> IssuedToken:
    """A new token for ``user``, valid ``PRONTO_API_TOKEN_HOURS``. The user's expired tokens are
    deleted here rather than on every authenticated request (knox's default), which would cost
    each API request one more query."""
    AuthToken.objects.filter(user=user, expiry__lte=timezone.now()).delete()
    instance, token = AuthToken.objects.create(
        user=user, expiry=timedelta(hours=settings.PRONTO_API_TOKEN_HOURS)
    )
    assert instance.expiry is not None
    return IssuedToken(token=token, expiry=instance.expiry)


def api_token_revoke(*, token: AuthToken) -> None:
    """This token stops working at once."""
    token.delete()


def api_tokens_revoke_all(*, user: AbstractBaseUser) -> int:
    """Every token of ``user`` stops working at once (a lost phone, a leaked script); the number
    revoked."""
    count, _ = AuthToken.objects.filter(user=user).delete()
    return int(count)
