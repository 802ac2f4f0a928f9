"""Routing rules: which rule of the published version a call matches (first match wins).

A rule's conditions all hold, or it does not match; an empty condition holds for every call.
Times are the centre's local time (``TIME_ZONE``); public holidays come from the ``holidays``
library for ``PRONTO_HOLIDAYS_COUNTRY`` (and its subdivision, if set).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache

import holidays
from django.conf import settings
from django.utils import timezone

from routing.catalogue import version_rules
from routing.choices import HolidayMatch
from routing.models import CallerClass, RoutingRule, RuleSetVersion

__all__ = ["SampleCall", "rule_find", "rule_matches", "version_active", "version_rules"]


@dataclass(frozen=True)
class SampleCall:
    """What a rule looks at: the router builds one per call, the editor one per test."""

    line: str
    at: datetime
    number: str
    caller_class: CallerClass | None
    customer_id: int | None
    service_id: int | None = None


@lru_cache(maxsize=16)
def _holidays(country: str, subdivision: str, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays(country, subdiv=subdivision or None, years=year)


def is_public_holiday(day: date) -> bool:
    country = getattr(settings, "PRONTO_HOLIDAYS_COUNTRY", "IT")
    subdivision = getattr(settings, "PRONTO_HOLIDAYS_SUBDIVISION", "")
    return day in _holidays(country, subdivision, day.year)


def _in_window(moment: time, start: time | None, end: time | None) -> bool:
    if start is None and end is None:
        return True
    start = start or time.min
    end = end or time.max
    if start <= end:
        return start <= moment < end
    # A window across midnight (22:00–06:00).
    return moment >= start or moment < end


def rule_matches(rule: RoutingRule, call: SampleCall) -> bool:
    local = timezone.localtime(call.at)
    if rule.line_id is not None and (rule.line is None or rule.line.number != call.line):
        return False
    if rule.weekdays and local.weekday() not in rule.weekdays:
        return False
    if not _in_window(local.time(), rule.time_from, rule.time_to):
        return False
    if rule.holidays != HolidayMatch.ANY_DAY:
        holiday = is_public_holiday(local.date())
        if holiday != (rule.holidays == HolidayMatch.HOLIDAYS):
            return False
    if rule.caller_class_id is not None and (
        call.caller_class is None or rule.caller_class_id != call.caller_class.pk
    ):
        return False
    if rule.number_prefix and not call.number.lstrip("+").startswith(rule.number_prefix.lstrip("+")):
        return False
    if rule.customer_id is not None and rule.customer_id != call.customer_id:
        return False
    return not (rule.service_id is not None and rule.service_id != call.service_id)


def version_active() -> RuleSetVersion | None:
    return RuleSetVersion.objects.order_by("-number").first()


def rule_find(rules: list[RoutingRule], call: SampleCall) -> RoutingRule | None:
    """The first rule that matches, or None (the router then uses the default queue)."""
    return next((rule for rule in rules if rule_matches(rule, call)), None)
