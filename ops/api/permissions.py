"""Who may read ``/metrics``: a scraper with the bearer token ``PRONTO_METRICS_TOKEN``, or one
from an address in ``PRONTO_METRICS_ALLOWED_IPS``. Neither set: the endpoint does not exist (404).
Not a user's role: Prometheus has no account, and the figures are the whole centre's."""

from __future__ import annotations

import ipaddress
import secrets
from typing import Any

from django.conf import settings
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.request import Request


def _allowed_address(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for network in settings.PRONTO_METRICS_ALLOWED_IPS:
        try:
            if ip in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:
            continue
    return False


class HasMetricsAccess(BasePermission):
    message = "A valid metrics token (Authorization: Bearer) or an allowed address is required."

    def has_permission(self, request: Request, view: Any) -> bool:
        token = settings.PRONTO_METRICS_TOKEN
        if not token and not settings.PRONTO_METRICS_ALLOWED_IPS:
            raise NotFound()
        if token:
            scheme, _, given = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
            if scheme.lower() == "bearer" and secrets.compare_digest(given.strip().encode(), token.encode()):
                return True
        # REMOTE_ADDR, not X-Forwarded-For: a header anyone can write is no allowlist.
        return _allowed_address(request.META.get("REMOTE_ADDR", ""))
