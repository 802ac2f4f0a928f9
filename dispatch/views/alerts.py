"""The staff's alert banner, polled by every staff page: a call ringing at them, critical
interventions opened since they last acknowledged; and the header's switch for its sound."""

from urllib.parse import urlsplit

from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dispatch import selectors, services
from dispatch.inputs import id_parse
from dispatch.views.board import call_opened_once
from dispatch.views.common import STAFF, role_required

# The highest intervention id whose critical alert this user dismissed. The session is enough:
# a new session shows again what is still open and recent (selectors.CRITICAL_ALERT_WITHIN).
CRITICAL_SEEN_KEY = "pronto_alerts_critical_seen"


@require_GET
@role_required(*STAFF)
def alerts(request):
    """The banner's content, every 2 s. Two queries whatever there is to show; writes nothing
    but the session. A call ringing at this operator that their screen has not shown yet also
    opens it (``HX-Redirect``); the banner keeps saying it rings until it is answered."""
    return _alerts_response(request)


@require_POST
@role_required(*STAFF)
def alerts_acknowledge(request):
    """Dismiss the critical interventions' alert up to the id the banner showed (``upto``): one
    opened since then still shows."""
    upto = id_parse(request.POST.get("upto", ""))
    if upto is None:
        return HttpResponseBadRequest(_("Which alert to dismiss is missing or not a number."))
    request.session[CRITICAL_SEEN_KEY] = max(upto, _critical_seen(request))
    if _from_htmx(request):
        return _alerts_response(request)
    return redirect(_next_path(request))


@require_POST
@role_required(*STAFF)
def alerts_sound(request):
    """Switch the alert sound off (``muted=1``) or on (``muted=0``) for this user, on every
    workstation they sign in at. The banner shows either way."""
    muted = {"1": True, "0": False}.get(request.POST.get("muted", ""))
    if muted is None:
        return HttpResponseBadRequest(_("Say muted=1 or muted=0."))
    services.workstation_preference_set(user=request.user, alerts_muted=muted)
    if _from_htmx(request):
        return render(
            request, "dispatch/_alert_sound.html", {"alerts_muted": muted, "next": _next_path(request)}
        )
    return redirect(_next_path(request))


def _alerts_response(request):
    found = selectors.alerts_for_user(user=request.user, critical_after=_critical_seen(request))
    response = render(
        request,
        "dispatch/_alerts.html",
        {
            "ringing": found.ringing,
            # On that call's own screen, which says "Ringing" itself, the banner takes no room
            # (the main path must fit 1366 x 768); screen readers still hear it, the tone still plays.
            "ringing_here": found.ringing is not None
            and urlsplit(_next_path(request)).path
            == reverse("dispatch:call-detail", args=[found.ringing.pk]),
            "critical": found.critical,
            "critical_more": found.critical_more,
            "critical_upto": found.critical[0].pk if found.critical else None,
            "next": _next_path(request),
        },
    )
    if found.call is not None and call_opened_once(request, found.call.pk):
        response["HX-Redirect"] = reverse("dispatch:call-detail", args=[found.call.pk])
    return response


def _critical_seen(request) -> int:
    seen = request.session.get(CRITICAL_SEEN_KEY, 0)
    return seen if isinstance(seen, int) else 0


def _from_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _next_path(request) -> str:
    """Where to come back to: the page the form was on (``next``, or the page htmx polls from),
    if it is on this site; else the board."""
    for candidate in (request.POST.get("next"), request.headers.get("HX-Current-URL")):
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
    return reverse("dispatch:board")
