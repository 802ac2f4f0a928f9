"""A person's on-call calendar as iCalendar (RFC 5545): one VEVENT per span on call, in UTC,
with a UID that stays the same as long as the span does (a phone's calendar then updates an
event instead of adding a second one)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, time, timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from teams.models import Team

from .models import CalendarFeed, Rota
from .selectors import OnCallSpan, user_spans

# What a subscribed calendar shows: the last month and the next three.
PAST = timedelta(days=31)
AHEAD = timedelta(days=92)


def feed_get(*, token: str) -> CalendarFeed | None:
    """The feed of an active user with this secret token, or None (the caller answers 404)."""
    if not token or len(token) > 64:
        return None
    return CalendarFeed.objects.select_related("user").filter(token=token, user__is_active=True).first()


def feed_window(at: datetime) -> tuple[datetime, datetime]:
    """From the local midnight a month before ``at`` to the one three months after: whole days,
    so that the same span reads the same all day long."""
    today = timezone.localdate(at)
    start = timezone.make_aware(datetime.combine(today - PAST, time()))
    return start, timezone.make_aware(datetime.combine(today + AHEAD, time()))


def span_uid(span: OnCallSpan, user_id: int, window_start: datetime) -> str:
    """Stable per span: the rota, the person, the cover that made it (if any) and the span's
    start, or its end for the span the window cuts at its start (a span the window cuts at its
    end keeps its start; a span is never longer than the window)."""
    edge = f"end:{span.ends_at.astimezone(UTC):%Y%m%dT%H%M%S}" if span.starts_at <= window_start else (
        f"start:{span.starts_at.astimezone(UTC):%Y%m%dT%H%M%S}"
    )  # fmt: skip
    key = f"{span.rota_id}:{user_id}:{span.cover_id or ''}:{edge}"
    return hashlib.sha256(key.encode()).hexdigest()[:32] + "@pronto.oncall"


def calendar_ics(*, user: AbstractBaseUser, at: datetime | None = None) -> bytes:
    """``user``'s spans on call from a month ago to three months ahead (``feed_window``), as an
    iCalendar."""
    at = at or timezone.now()
    start, end = feed_window(at)
    spans = user_spans(user=user, start=start, end=end)
    teams = dict(Rota.objects.filter(pk__in={s.rota_id for s in spans}).values_list("pk", "team_id"))
    names = dict(Team.objects.filter(pk__in=set(teams.values())).values_list("pk", "name"))
    calendar = Calendar()
    calendar.add("prodid", "-//Pronto//On call//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("On call"))
    stamp = at.astimezone(UTC)
    for span in spans:
        event = Event()
        event.add("uid", span_uid(span, user.pk, start))
        event.add("dtstamp", stamp)
        event.add("dtstart", span.starts_at.astimezone(UTC))
        event.add("dtend", span.ends_at.astimezone(UTC))
        team = names.get(teams.get(span.rota_id, 0), "")
        event.add("summary", _("On call for %(team)s") % {"team": team})
        event.add("categories", [str(span.source)])
        calendar.add_component(event)
    return calendar.to_ical()
