"""Severity and reach: a case's priority from its type, the caller's class and the plants hit."""

import pytest

from clocks.models import CaseType
from clocks.services import case_file_set
from clocks.severity import case_priority
from dispatch import services
from dispatch.choices import Priority
from dispatch.models import Event
from routing.models import CallerClass


def test_class_and_reach_raise_the_type_priority():
    low, normal = int(Priority.LOW), int(Priority.NORMAL)
    assert case_priority(type_priority=low, vip_or_critical_user=False, reach=1) == Priority.LOW
    assert case_priority(type_priority=low, vip_or_critical_user=True, reach=1) == Priority.NORMAL
    assert case_priority(type_priority=low, vip_or_critical_user=True, reach=10) == Priority.HIGH
    assert case_priority(type_priority=normal, vip_or_critical_user=False, reach=9) == Priority.NORMAL
    assert case_priority(type_priority=normal, vip_or_critical_user=False, reach=100) == Priority.CRITICAL
    assert (
        case_priority(type_priority=int(Priority.CRITICAL), vip_or_critical_user=True, reach=50)
        == Priority.CRITICAL
    )


@pytest.mark.django_db
def test_typing_a_case_raises_its_priority_never_lowers_it(users, plant):
    case = services.intervention_open(
        actor=users["operator"], plant=plant, summary="No gas in the building", priority=Priority.LOW
    )
    hospital = CallerClass.objects.get(code="critical")
    typed = case_file_set(
        actor=users["operator"],
        intervention=case,
        case_type=CaseType.objects.get(code="service"),
        caller_class=hospital,
        reach=12,
    )
    case.refresh_from_db()
    # Service request (normal), a critical user (+1), twelve plants (+1): critical.
    assert typed.reach == 12 and case.priority == Priority.CRITICAL
    raised = Event.objects.get(intervention=case, kind="intervention.priority_raised")
    assert raised.data["after"] == {"priority": 1} and "12 plants" in raised.data["reason"]

    case_file_set(
        actor=users["operator"], intervention=case, case_type=CaseType.objects.get(code="information")
    )
    case.refresh_from_db()
    assert case.priority == Priority.CRITICAL
