"""Elapsed times across both daylight-saving changes of Europe/Rome (the last Sundays of March
and October 2026): counted in real time, never by the wall clock (``dispatch.timing``)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dispatch import selectors
from dispatch.models import Call, Callback
from dispatch.timing import as_utc, seconds_between, shifted

ROME = ZoneInfo("Europe/Rome")
# 01:59 CET, then the clocks jump from 02:00 to 03:00: 03:02:10 CEST is 190 s later.
SPRING_START, SPRING_END = "2026-03-29T01:59:00+01:00", "2026-03-29T03:02:10+02:00"
# 02:50 CEST, then the clocks fall back from 03:00 to 02:00: 02:05 CET is 15 min later.
AUTUMN_START, AUTUMN_END = "2026-10-25T02:50:00+02:00", "2026-10-25T02:05:00+01:00"


def rome(text: str) -> datetime:
    """As DRF and Django forms hand times to the code: converted to the current zone."""
    return datetime.fromisoformat(text).astimezone(ROME)


@pytest.mark.parametrize(
    ("start", "end", "seconds"), [(SPRING_START, SPRING_END, 190), (AUTUMN_START, AUTUMN_END, 900)]
)
def test_seconds_between_counts_real_time_in_one_zone(start, end, seconds):
    assert seconds_between(rome(start), rome(end)) == seconds


def test_shifted_adds_real_time_across_the_change():
    # 01:30 CET + 1 h is 03:30 CEST; the wall clock would say 02:30, an hour that does not exist.
    spring = shifted(rome("2026-03-29T01:30:00+01:00"), timedelta(hours=1))
    assert spring == as_utc(rome("2026-03-29T03:30:00+02:00"))
    # 02:30 CEST + 1 h is 02:30 CET (the second 02:30); the wall clock would say 03:30 CET.
    # (Compared in UTC: Python never finds an ambiguous local time equal to a time in another zone.)
    autumn = shifted(rome("2026-10-25T02:30:00+02:00"), timedelta(hours=1))
    assert autumn == as_utc(rome("2026-10-25T02:30:00+01:00"))


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError):
        as_utc(datetime(2026, 3, 29, 2, 30))


@pytest.mark.parametrize(
    ("start", "end", "seconds"), [(SPRING_START, SPRING_END, 190), (AUTUMN_START, AUTUMN_END, 900)]
)
def test_a_call_posted_across_a_change_lasts_its_real_time(users, client_for, start, end, seconds):
    response = client_for("operator").post(
        "/api/calls/", {"caller_number": "02 1234 5678", "received_at": start, "ended_at": end}
    )
    assert response.status_code == 201, response.json()
    assert response.json()["duration_seconds"] == seconds
    assert Call.objects.get(pk=response.json()["id"]).duration_seconds == seconds


@pytest.mark.parametrize(
    ("start", "end", "seconds"), [(SPRING_START, SPRING_END, 190), (AUTUMN_START, AUTUMN_END, 900)]
)
def test_a_call_corrected_across_a_change_lasts_its_real_time(users, client_for, start, end, seconds):
    client = client_for("operator")
    created = client.post("/api/calls/", {"caller_number": "02 1234 5678"}).json()
    response = client.patch(f"/api/calls/{created['id']}/", {"received_at": start, "ended_at": end})
    assert response.status_code == 200, response.json()
    assert response.json()["duration_seconds"] == seconds
    assert Call.objects.get(pk=created["id"]).duration_seconds == seconds


def test_an_answer_after_the_autumn_change_is_not_before_the_ring(users, client_for):
    response = client_for("operator").post(
        "/api/calls/",
        {"caller_number": "02 1234 5678", "received_at": AUTUMN_START, "answered_at": AUTUMN_END},
    )
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize(
    ("due", "now", "overdue"),
    [
        # Due 01:30 CET, 90 min of grace: overdue from 04:00 CEST, not from 03:00 CEST.
        ("2026-03-29T01:30:00+01:00", "2026-03-29T03:30:00+02:00", False),
        ("2026-03-29T01:30:00+01:00", "2026-03-29T04:00:00+02:00", True),
        # Due 02:00 CEST, 90 min of grace: overdue from 02:30 CET, not from 03:30 CET.
        ("2026-10-25T02:00:00+02:00", "2026-10-25T02:29:00+01:00", False),
        ("2026-10-25T02:00:00+02:00", "2026-10-25T02:30:00+01:00", True),
    ],
)
def test_a_callback_is_overdue_after_its_grace_in_real_time(settings, due, now, overdue):
    settings.PRONTO_CALLBACK_OVERDUE_MINUTES = 90
    callback = Callback(due_at=rome(due), status="scheduled")
    assert selectors.callback_is_overdue(callback, rome(now)) is overdue
    assert selectors.callback_is_due(callback, rome(now)) is True
