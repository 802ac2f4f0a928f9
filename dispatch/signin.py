"""Limits on failed sign-ins, for the sign-in page, the admin's and ``POST /api/auth/token/``.

django-axes counts the failures (``AccessAttempt`` rows, in the database so that every web
process sees the same count) and refuses a locked-out user or address before any password is
checked (``axes.backends.AxesStandaloneBackend``, first of ``AUTHENTICATION_BACKENDS``). This
module is what Pronto configures in it (``AXES_*`` in config/settings.py):

- two limits instead of axes' one: ``PRONTO_SIGNIN_USER_FAILURE_LIMIT`` failures lock a username
  out from any address, ``PRONTO_SIGNIN_ADDRESS_FAILURE_LIMIT`` lock an address out for any
  username (a control room signs in from one address, so its limit is higher);
- the client's address behind ``PRONTO_TRUSTED_PROXY_COUNT`` proxies;
- the refusal: 429 with ``Retry-After`` (the sign-in page again, with the reason, or DRF's JSON
  for the API), and a warning in the log naming the username and the address.

The settings are read on every attempt, not once at start, so tests may change them.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Sum
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

logger = logging.getLogger("pronto.signin")


def user_failure_limit(request: HttpRequest | None = None, credentials: Any = None) -> int:
    """``AXES_FAILURE_LIMIT``: the per-username limit (the address's is scaled onto it below)."""
    return int(settings.PRONTO_SIGNIN_USER_FAILURE_LIMIT)


def lockout_time(request: HttpRequest | None = None) -> timedelta:
    """``AXES_COOLOFF_TIME``: how long a lock lasts after the latest failure."""
    return timedelta(minutes=settings.PRONTO_SIGNIN_LOCKOUT_MINUTES)


def retry_after_seconds() -> int:
    """Every attempt while locked out counts as a failure and starts the cool-off again
    (axes' ``AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT``), so the whole cool-off is exactly
    how long a refused client must wait without trying."""
    return int(lockout_time().total_seconds())


def client_address(request: HttpRequest) -> str | None:
    """``AXES_CLIENT_IP_CALLABLE``: ``REMOTE_ADDR``, or behind ``PRONTO_TRUSTED_PROXY_COUNT``
    proxies the address the outermost of them appended to ``X-Forwarded-For``. Only addresses
    that trusted proxies appended are read, counting from the right: whatever a client wrote
    there itself comes first and is ignored, so it cannot pose as another address."""
    proxies = int(settings.PRONTO_TRUSTED_PROXY_COUNT)
    remote: str | None = request.META.get("REMOTE_ADDR")
    if proxies <= 0:
        return remote
    header: str = request.META.get("HTTP_X_FORWARDED_FOR", "")
    forwarded = [part.strip() for part in header.split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        return remote
    return forwarded[-proxies]


class SigninAttemptHandler(AxesDatabaseHandler):
    """axes' database handler with one limit per lock-out parameter.

    ``AXES_LOCKOUT_PARAMETERS`` is ``["username", "ip_address"]``, so axes builds one queryset of
    recent failures for the username and one for the address, and locks when its single
    ``AXES_FAILURE_LIMIT`` (the per-user limit, U) is reached by the larger count. The address's
    count is scaled onto that limit: ``floor(address × U / A) ≥ U`` exactly when
    ``address ≥ A`` (A the per-address limit), so each count meets its own limit and axes'
    comparison, made in several places, need not change.
    """

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        user_attempts, address_attempts = self.get_user_attempts(request, credentials)
        by_user = user_attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
        by_address = address_attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
        user_limit = user_failure_limit()
        address_limit = max(int(settings.PRONTO_SIGNIN_ADDRESS_FAILURE_LIMIT), 1)
        return max(int(by_user), int(by_address) * user_limit // address_limit)


@receiver(user_locked_out, dispatch_uid="pronto-signin-locked-out")
def _log_lockout(
    sender: Any, request: Any, username: str | None, ip_address: str | None, **kwargs: Any
) -> None:
    """One warning per refused attempt, for whoever watches the log for brute force."""
    logger.warning(
        "Sign-in refused after too many failures: username %r from address %s (%s); locked for %d s.",
        username,
        ip_address,
        getattr(request, "path", ""),
        retry_after_seconds(),
    )


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``, called by ``axes.middleware.AxesMiddleware`` for a request
    that axes locked out. The API's token view has already answered 429 in DRF's own way (JSON,
    documented in the schema): that answer stands. A page gets the sign-in form again, with the
    reason, status 429 and ``Retry-After``."""
    if original_response is not None and original_response.status_code == 429:
        return original_response
    minutes = int(settings.PRONTO_SIGNIN_LOCKOUT_MINUTES)
    username = get_client_username(request, credentials) or ""
    form = AuthenticationForm(request, initial={"username": username})
    response = TemplateResponse(
        request,
        "registration/login.html",
        {
            "form": form,
            "next": request.POST.get("next", "") if request.method == "POST" else "",
            "locked_out": _("Too many failed sign-ins. Try again in %(minutes)d minutes.")
            % {"minutes": minutes},
        },
        status=429,
    )
    response["Retry-After"] = str(retry_after_seconds())
    return response.render()
