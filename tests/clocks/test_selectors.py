"""Stored calendars as the arithmetic reads them, and which target a case runs on."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction

from clocks.calendars import deadline_after, working_days_deadline
from clocks.models import Calendar, CaseType, Target
from clocks.selectors import calendar_of, target_for
from dispatch.choices import Priority
from routing.models import CallerClass

pytestmark = pytest.mark.django_db
ROME = ZoneInfo("Europe/Rome")


def test_the_shipped_calendars_and_case_types_are_there():
    assert set(CaseType.objects.values_list("code", flat=True)) == {
        "emergency",
        "incident",
        "information",
        "service",
        "order",
        "meter",
    }
    emergency = CaseType.objects.get(code="emergency")
    arrival = target_for(case_type=emergency, metric="arrival", priority=None, caller_class_id=None)
    assert arrival is not None and (arrival.amount, arrival.unit, arrival.calendar.code) == (
        60,
        "minutes",
        "always",
    )
    assert CaseType.objects.get(code="incident").verification_days == 3


def test_a_stored_calendar_closes_on_its_provinces_patron_saint_and_listed_dates():
    office = Calendar.objects.get(code="office")
    milan = Calendar.objects.create(
        code="office-mi", name="Milan office", kind="working_hours", holidays_subdivision="MI"
    )
    for window in office.windows.all():
        milan.windows.create(weekday=window.weekday, start=window.start, end=window.end)
    milan.closed_dates.create(date=date(2026, 12, 9), reason="Inventory")
    friday = datetime(2026, 12, 4, 10, tzinfo=ROME)

    # Rome's office is open on Monday 7 December; Milan's is closed for Saint Ambrose, on the
    # 8th (Immaculate Conception) and on its listed 9th.
    assert working_days_deadline(calendar_of(office), friday, 1) == datetime(2026, 12, 7, 10, tzinfo=ROME)
    assert working_days_deadline(calendar_of(milan), friday, 1) == datetime(2026, 12, 10, 10, tzinfo=ROME)
    always = calendar_of(Calendar.objects.get(code="always"))
    assert deadline_after(always, friday, 3600) == datetime(2026, 12, 4, 11, tzinfo=ROME)


def test_the_most_specific_target_wins():
    incident = CaseType.objects.get(code="incident")
    office = Calendar.objects.get(code="office")
    vip = CallerClass.objects.get(code="vip")
    by_class = Target.objects.create(
        case_type=incident, metric="response", caller_class=vip, amount=60, unit="minutes", calendar=office
    )
    by_priority = Target.objects.create(
        case_type=incident,
        metric="response",
        priority=Priority.CRITICAL,
        amount=30,
        unit="minutes",
        calendar=office,
    )
    both = Target.objects.create(
        case_type=incident,
        metric="response",
        priority=Priority.CRITICAL,
        caller_class=vip,
        amount=15,
        unit="minutes",
        calendar=office,
    )

    def found(priority, caller_class):
        return target_for(
            case_type=incident,
            metric="response",
            priority=priority,
            caller_class_id=caller_class.pk if caller_class else None,
        )

    assert found(Priority.CRITICAL, vip) == both
    assert found(Priority.CRITICAL, None) == by_priority
    assert found(Priority.NORMAL, vip) == by_class
    assert found(Priority.NORMAL, None).amount == 240
    assert target_for(case_type=incident, metric="arrival", priority=None, caller_class_id=None) is None


def test_one_target_per_combination_any_included():
    incident = CaseType.objects.get(code="incident")
    with pytest.raises(IntegrityError), transaction.atomic():
        Target.objects.create(
            case_type=incident,
            metric="response",
            amount=1,
            unit="minutes",
            calendar=Calendar.objects.get(code="office"),
        )
