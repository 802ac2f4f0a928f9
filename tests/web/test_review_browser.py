# ruff: noqa: F811  (the quality fixtures are imported by name, to be used here)
"""A review in a real browser: the supervisor opens a sampled call, plays its recording (a real
WAV from sox, served in ranges), scores it on the scorecard and saves; the operator finds the
review and its trend on their own page and acknowledges it.

With ``PRONTO_SCREENSHOTS=docs/screenshots`` the scorecard and the operator's trend are saved as
``review-scorecard.png`` and ``review-trend.png``."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from playwright.sync_api import expect

from quality import services as quality_services
from quality.choices import RecordingSource
from quality.models import RecordingListen
from reviews.models import Review, ReviewCriterion, ReviewItem, ReviewSample
from tests.quality.conftest import call, make_audio, recordings_dir, sox  # noqa: F401
from tests.web.conftest import wait_until
from tests.web.test_whole_flow import shoot

AUDIO = "document.querySelector('#call-recordings audio')"

pytestmark = [pytest.mark.real_component, pytest.mark.django_db(transaction=True)]


def test_a_reviewer_plays_a_sampled_call_scores_it_and_the_operator_sees_it(
    signed_in, users, call, make_audio
):
    recording, _ = quality_services.recording_store(
        call=call, stream=io.BytesIO(make_audio("wav", seconds=12, rate=8000)), source=RecordingSource.UPLOAD
    )
    greeting = ReviewCriterion.objects.create(
        name="Greeting", description="Name and centre", weight=1, position=1
    )
    plant = ReviewCriterion.objects.create(name="Plant identified", weight=3, position=2)
    sample = ReviewSample.objects.create(
        month=dt.date(2026, 11, 1), operator=users["operator"], seed=7, size=10
    )
    item = ReviewItem.objects.create(sample=sample, call=call, reason="complaint", rank=1)

    page = signed_in("supervisor", path=f"/reviews/items/{item.pk}/")
    page.goto(f"/reviews/items/{item.pk}/")
    expect(page.locator("#call-recordings audio")).to_have_count(1)
    page.evaluate(f"{AUDIO}.play().catch(() => {{}})")
    wait_until(
        page, f"(() => {{ const a = {AUDIO}; return a.readyState >= 2 && a.duration > 11; }})()", timeout=15
    )
    page.get_by_role("group", name="Greeting").get_by_label("4").check()
    page.get_by_role("group", name="Plant identified").get_by_label("2").check()
    page.get_by_label("Comment").fill("Calm; the plant took two questions.")
    shoot(page, "review-scorecard")
    page.get_by_role("button", name="Save the review").click()

    expect(page.get_by_text("Review saved.")).to_be_visible()
    review = Review.objects.get()
    # (4×1 + 2×3) / 16
    assert (str(review.percent), review.reviewer.username) == ("62.5", "supervisor")
    assert [(s.criterion, s.points) for s in review.scores.all()] == [(greeting, 4), (plant, 2)]
    assert RecordingListen.objects.filter(recording=recording, user=users["supervisor"]).count() == 1

    operator = signed_in("operator", path="/reviews/mine/")
    operator.goto("/reviews/mine/")
    expect(operator.locator(f"#review-{review.pk}")).to_contain_text("62.5%")
    expect(operator.locator(f"#review-{review.pk}")).to_contain_text("Calm; the plant took two questions.")
    expect(operator.get_by_role("table", name="Trend")).to_contain_text("62.5%")
    shoot(operator, "review-trend")
    operator.get_by_label("Your comment").fill("I will ask for the plate code first.")
    operator.get_by_role("button", name="Acknowledge").click()

    expect(operator.get_by_text("You acknowledged it")).to_be_visible()
    review.refresh_from_db()
    assert review.acknowledged_at is not None
    assert review.operator_comment == "I will ask for the plate code first."
