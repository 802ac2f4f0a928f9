"""The monthly draw over the database (reviews.services.samples_draw): a call's recording kept,
its complaint and its survey score read in one query; each operator sampled once a month, with
the month's seed; the scheduled draw catches last month up."""

import datetime as dt

import pytest
from django.utils import timezone

from feedback.models import Complaint, SurveyRequest
from quality.models import CallRecording
from reviews import services, tasks
from reviews.models import ReviewItem, ReviewSample

from .conftest import call_taken

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 3, 9, tzinfo=dt.UTC)


def recorded(call, *, kept=True):
    CallRecording.objects.create(
        call=call, file=f"recordings/{call.pk}.wav" if kept else "", sha256=f"{call.pk:064d}", size_bytes=100,
        content_type="audio/wav", source="upload", received_at=call.ended_at,
        deleted_at=None if kept else call.ended_at,
    )  # fmt: skip
    return call


def surveyed(call, score):
    SurveyRequest.objects.create(
        call=call, number="+393471234567", sent_at=call.ended_at, expires_at=call.ended_at, score=score
    )
    return call


@pytest.fixture
def november(users, plant, settings):
    """Operator's calls of November 2026: twelve recorded (one scored 1, one 4, one with a
    complaint), one scored 1 whose audio retention deleted, one never recorded."""
    settings.PRONTO_REVIEW_SAMPLE_SIZE = 5
    calls = []
    for minute in range(14):
        call = call_taken(users, plant, received_at=dt.datetime(2026, 11, 10, 9, minute, tzinfo=dt.UTC))
        calls.append(recorded(call, kept=minute != 12) if minute < 13 else call)
    surveyed(calls[3], 1)
    surveyed(calls[5], 4)
    Complaint.objects.create(call=calls[7], source="operator", opened_at=timezone.now())
    surveyed(calls[12], 1)
    return calls


def picked(sample):
    return [(item.call_id, item.reason) for item in sample.items.order_by("rank")]


def test_complaints_and_low_scores_first_and_only_calls_whose_recording_is_kept(users, november):
    (sample,) = services.samples_draw(month=dt.date(2026, 11, 1), actor=users["supervisor"], seed=9, now=NOW)

    got = picked(sample)
    assert got[:2] == [(november[7].pk, "complaint"), (november[3].pk, "low_score")]
    assert [reason for _call, reason in got[2:]] == ["random"] * 3
    assert not {november[12].pk, november[13].pk} & {call for call, _reason in got}
    assert (sample.operator, sample.seed, sample.size, sample.drawn_by) == (
        users["operator"],
        9,
        5,
        users["supervisor"],
    )


def test_a_month_is_drawn_once_and_drawn_again_from_its_seed_it_is_the_same(users, november):
    first = picked(services.samples_draw(month=dt.date(2026, 11, 1), seed=9, now=NOW)[0])

    assert services.samples_draw(month=dt.date(2026, 11, 1), seed=10, now=NOW) == []
    assert ReviewSample.objects.count() == 1
    ReviewSample.objects.all().delete()
    assert picked(services.samples_draw(month=dt.date(2026, 11, 1), seed=9, now=NOW)[0]) == first


def test_the_scheduled_draw_takes_last_month_once(users, november, settings, monkeypatch):
    # The task asks for "now": pinned to a day of December 2026, whatever today is.
    monkeypatch.setattr(tasks.timezone, "now", lambda: NOW)

    assert tasks.review_samples_draw.run() == 1
    assert tasks.review_samples_draw.run() == 0
    assert ReviewSample.objects.get().month == dt.date(2026, 11, 1)
    assert ReviewItem.objects.count() == 5


def test_without_the_recording_rule_unrecorded_calls_are_drawn_too(users, november, settings):
    settings.PRONTO_REVIEW_RECORDING_REQUIRED = False
    settings.PRONTO_REVIEW_SAMPLE_SIZE = 3

    (sample,) = services.samples_draw(month=dt.date(2026, 11, 1), seed=9, now=NOW)

    got = picked(sample)
    assert got[0] == (november[7].pk, "complaint")
    assert set(got[1:]) == {(november[3].pk, "low_score"), (november[12].pk, "low_score")}
    assert sample.recording_required is False
