"""The on-call calendar: the page where a person reads (and renews) its secret address, and the
address itself, which a phone's calendar asks without signing in: the token is the key, a wrong
or renewed one is a 404."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from dispatch.views.common import role_required
from oncall import services
from oncall.feed import calendar_ics, feed_get
from oncall.models import CalendarFeed
from oncall.views import READERS


@require_http_methods(["GET", "POST"])
@role_required(*READERS)
def my_feed(request: HttpRequest) -> HttpResponse:
    """GET shows the address (none yet: a button makes one); POST makes a new one, which ends
    the old."""
    user = cast(AbstractBaseUser, request.user)  # signed in: role_required
    if request.method == "POST":
        services.calendar_feed_renew(actor=user, user=user)
        messages.success(request, _("A new address: subscribe to it again; the old one no longer answers."))
        return redirect(reverse("oncall:my-feed"))
    feed = CalendarFeed.objects.filter(user_id=user.pk).first()
    url = request.build_absolute_uri(reverse("oncall:feed", args=[feed.token])) if feed else ""
    return render(request, "oncall/feed.html", {"feed": feed, "url": url})


@never_cache
@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    found = feed_get(token=token)
    if found is None:
        raise Http404
    response = HttpResponse(calendar_ics(user=found.user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="on-call.ics"'
    return response
