"""``manage.py seed_reviews_demo`` (after ``seed_demo``): the quality group's scorecard (five
criteria), last month's calls of the demo operator with their recordings (a tone, written by the
standard library), one caller's complaint and two survey scores, the month's sample drawn as the
scheduled job draws it, and one call reviewed; so ``/reviews/`` and the operator's "My reviews"
have something to show. Run again, it adds nothing."""

from __future__ import annotations

import datetime as dt
import io
import math
import struct
import wave
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dispatch import services as dispatch_services
from dispatch.models import Call, Plant
from feedback.models import SurveyRequest
from feedback.services import complaint_open
from quality.choices import RecordingSource
from quality.services import recording_store
from reviews import services
from reviews.models import ReviewCriterion, ReviewSample

CRITERIA = [
    ("Greeting", "The centre's name and the operator's own, at once.", 1),
    ("Plant identified", "The plant or address found and confirmed before anything else.", 3),
    ("Script followed", "The call type's questions asked in order.", 2),
    ("Correct priority", "The priority the answers call for.", 3),
    ("Callback promised and made", "The caller told when they will hear back, and called.", 1),
]
CALLS = 14
SCORES = {2: 1, 5: 4}  # call index: the caller's survey score
COMPLAINED = 8


def _tone(seconds: int = 6, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        frames = (int(8000 * math.sin(2 * math.pi * 425 * n / rate)) for n in range(seconds * rate))
        out.writeframes(b"".join(struct.pack("<h", f) for f in frames))
    return buffer.getvalue()


class Command(BaseCommand):
    help = "Seed the reviews' demo: the scorecard, last month's recorded calls, a sample, a review."

    def handle(self, *args: Any, **options: Any) -> None:
        users = {
            u.username: u for u in get_user_model().objects.filter(username__in=["operator", "supervisor"])
        }
        plant = Plant.objects.order_by("pk").first()
        if len(users) < 2 or plant is None:
            raise CommandError("Run seed_demo first.")
        operator, supervisor = users["operator"], users["supervisor"]
        for position, (name, description, weight) in enumerate(CRITERIA, 1):
            ReviewCriterion.objects.get_or_create(
                name=name, defaults={"description": description, "weight": weight, "position": position}
            )
        month = services.month_previous(timezone.localdate())
        if ReviewSample.objects.filter(month=month).exists():
            self.stdout.write("The reviews' demo is there already.")
            return
        start, _end = services.month_bounds(month)
        audio = _tone()
        for index in range(CALLS):
            received = start + dt.timedelta(days=1 + index * 2, hours=9, minutes=index)
            answered, ended = received + dt.timedelta(seconds=12), received + dt.timedelta(seconds=150)
            call = dispatch_services.call_log(
                actor=operator, caller_number=f"+39 347 555 01{index:02d}", received_at=received,
                answered_at=answered, ended_at=ended, operator=operator, plant=plant, call_type="gas_leak",
                external_id=f"demo-review-{index}",
            )  # fmt: skip
            recording_store(call=call, stream=io.BytesIO(audio), source=RecordingSource.UPLOAD)
            if index in SCORES:
                SurveyRequest.objects.create(
                    call=call, number=call.caller_number, sent_at=ended, answered_at=ended,
                    expires_at=ended + dt.timedelta(days=2), score=SCORES[index],
                )  # fmt: skip
            if index == COMPLAINED:
                complaint_open(
                    actor=operator, call=call, text="The caller says nobody told them when to expect us."
                )
        drawn = services.samples_draw(month=month)
        first = drawn[0].items.order_by("rank").first() if drawn else None
        if first is not None:
            points = {c.pk: 3 for c in ReviewCriterion.objects.filter(active=True)}
            services.review_submit(
                actor=supervisor, item=first, points=points, comment="Clear; the callback time was not said."
            )
        calls = Call.objects.filter(external_id__startswith="demo-review-").count()
        self.stdout.write(f"Reviews' demo: {calls} calls of {month:%B %Y}, {len(drawn)} samples, 1 review.")
