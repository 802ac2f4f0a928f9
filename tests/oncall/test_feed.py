"""The on-call calendar: the secret address answers without signing in, one event per span on
call (parsed back with icalendar, matched against user_spans); a renewed or wrong token is a
404; the page shows and renews the address."""

from datetime import UTC, time, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from oncall.feed import feed_window
from oncall.models import CalendarFeed
from oncall.selectors import user_spans
from oncall.services import calendar_feed_renew, override_set, rota_save

pytestmark = pytest.mark.django_db


def events(response):
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content).walk("VEVENT")


def test_the_feed_matches_the_persons_spans_and_its_uids_stay(users, north):
    anna, _bruno, carla = north.people
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday() + 7)
    rota = rota_save(
        actor=users["supervisor"], team=north, name="Gas", handover_weekday=0, handover_time=time(8),
        starts_on=monday, members=north.people,
    )  # fmt: skip
    start = timezone.now() + timedelta(days=1)
    override_set(
        actor=users["supervisor"], rota=rota, user=anna, starts_at=start, ends_at=start + timedelta(hours=6)
    )
    feed = calendar_feed_renew(actor=anna, user=anna)
    anonymous = Client()
    found = events(anonymous.get(f"/oncall/feed/{feed.token}.ics"))
    expected = user_spans(user=anna, **dict(zip(("start", "end"), feed_window(timezone.now()), strict=True)))
    assert len(found) == len(expected) >= 3
    for event, span in zip(found, expected, strict=True):
        # iCalendar keeps whole seconds.
        assert event.decoded("dtstart") == span.starts_at.astimezone(UTC).replace(microsecond=0)
        assert event.decoded("dtend") == span.ends_at.astimezone(UTC).replace(microsecond=0)
        assert str(event["summary"]) == "On call for North"
    again = events(anonymous.get(f"/oncall/feed/{feed.token}.ics"))
    assert [str(e["uid"]) for e in again] == [str(e["uid"]) for e in found]
    assert len({str(e["uid"]) for e in found}) == len(found)
    # Carla's calendar is her own.
    carla_feed = calendar_feed_renew(actor=carla, user=carla)
    assert all(
        e.decoded("dtstart") != start.astimezone(UTC).replace(microsecond=0)
        for e in events(anonymous.get(f"/oncall/feed/{carla_feed.token}.ics"))
    )


def test_a_renewed_or_wrong_token_is_a_404(users, north):
    anna = north.people[0]
    old = calendar_feed_renew(actor=anna, user=anna)
    new = calendar_feed_renew(actor=anna, user=anna)
    anonymous = Client()
    assert anonymous.get(f"/oncall/feed/{old.token}.ics").status_code == 404
    assert anonymous.get(f"/oncall/feed/{new.token}.ics").status_code == 200
    assert anonymous.get("/oncall/feed/not-a-token.ics").status_code == 404
    anna.is_active = False
    anna.save()
    assert anonymous.get(f"/oncall/feed/{new.token}.ics").status_code == 404


def test_the_page_shows_and_renews_the_address(users, client):
    technician = users["technician"]
    client.force_login(technician)
    page = client.get("/oncall/feed/")
    assert page.status_code == 200 and "You have no calendar address yet." in page.content.decode()
    assert client.post("/oncall/feed/").status_code == 302
    first = CalendarFeed.objects.get(user=technician).token
    assert f"/oncall/feed/{first}.ics" in client.get("/oncall/feed/").content.decode()
    client.post("/oncall/feed/")
    assert CalendarFeed.objects.get(user=technician).token != first
