"""Fixtures of the caller-satisfaction tests: surveys switched on, and calls ended a while ago
through the real services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch import services as dispatch_services

MOBILE = "+393471234567"
OTHER_MOBILE = "+393479876543"
LANDLINE = "+390212345678"


@pytest.fixture(autouse=True)
def surveys_on(settings):
    settings.PRONTO_SURVEY_ENABLED = True
    settings.PRONTO_SURVEY_DELAY_MINUTES = 30
    settings.PRONTO_SURVEY_MIN_DAYS = 30
    settings.PRONTO_SURVEY_COMPLAINT_MAX_SCORE = 2
    settings.PRONTO_SURVEY_CUSTOMERS_EXCLUDED = []
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def ended_call(users, plant):
    """``ended_call(number, minutes_ago=60, **fields)``: a call logged by the operator on
    ``plant`` that ended ``minutes_ago``."""

    def make(number: str = MOBILE, minutes_ago: int = 60, **fields):
        now = timezone.now()
        values = {
            "caller_number": number,
            "plant": plant,
            "received_at": now - timedelta(minutes=minutes_ago + 5),
            "answered_at": now - timedelta(minutes=minutes_ago + 4),
            "ended_at": now - timedelta(minutes=minutes_ago),
            "line": "800900",
            **fields,
        }
        return dispatch_services.call_log(actor=users["operator"], **values)

    return make
