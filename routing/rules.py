"""Routing rules: which rule of the published version a call matches (first match wins).

A rule's conditions all hold, or it does not match; an empty condition holds for every call.
Times are the centre's local time (``TIME_ZONE``); public holidays come from the ``holidays``
library for ``PRONTO_HOLIDAYS_COUNTRY`` (and its subdivision, if set).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache

import holidays
from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

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


def rule_failures(rule: RoutingRule, call: SampleCall) -> Iterator[tuple[str, str]]:
    """The conditions of ``rule`` that ``call`` does not meet, as (field, why), in the order
    they are checked. Lazy: the router stops at the first (``rule_matches``); the editor's
    "test against a sample call" lists them all, so the two can never disagree."""
    local = timezone.localtime(call.at)
    if rule.line_id is not None and (rule.line is None or rule.line.number != call.line):
        yield (
            "line",
            _("the call came in on line %(got)s, the rule is for %(want)s")
            % {
                "got": call.line or "—",
                "want": rule.line.number if rule.line is not None else "?",
            },
        )
    if rule.weekdays and local.weekday() not in rule.weekdays:
        yield "weekdays", _("%(day)s is not one of the rule's days") % {"day": date_format(local, "l")}
    if not _in_window(local.time(), rule.time_from, rule.time_to):
        yield (
            "time",
            _("%(time)s is outside %(start)s–%(end)s")
            % {
                "time": local.strftime("%H:%M"),
                "start": rule.time_from.strftime("%H:%M") if rule.time_from else "00:00",
                "end": rule.time_to.strftime("%H:%M") if rule.time_to else "24:00",
            },
        )
    if rule.holidays != HolidayMatch.ANY_DAY:
        holiday = is_public_holiday(local.date())
        if holiday != (rule.holidays == HolidayMatch.HOLIDAYS):
            yield (
                "holidays",
                (
                    _("%(day)s is a public holiday; the rule is for working days only")
                    if holiday
                    else _("%(day)s is not a public holiday; the rule is for public holidays only")
                )
                % {"day": local.date().isoformat()},
            )
    if rule.caller_class_id is not None and (
        call.caller_class is None or rule.caller_class_id != call.caller_class.pk
    ):
        yield (
            "caller_class",
            _("the caller is %(got)s, the rule is for %(want)s")
            % {
                "got": call.caller_class or "—",
                "want": rule.caller_class,
            },
        )
    if rule.number_prefix and not call.number.lstrip("+").startswith(rule.number_prefix.lstrip("+")):
        yield (
            "number_prefix",
            _("%(number)s does not start with %(prefix)s")
            % {
                "number": call.number or "—",
                "prefix": rule.number_prefix,
            },
        )
    if rule.customer_id is not None and rule.customer_id != call.customer_id:
        yield "customer", _("the call is not about the rule's customer")
    if rule.service_id is not None and rule.service_id != call.service_id:
        yield "service", _("the call is not for the rule's service")


def rule_matches(rule: RoutingRule, call: SampleCall) -> bool:
    return next(rule_failures(rule, call), None) is None


def version_active() -> RuleSetVersion | None:
    return RuleSetVersion.objects.order_by("-number").first()


def rule_find(rules: list[RoutingRule], call: SampleCall) -> RoutingRule | None:
    """The first rule that matches, or None (the router then uses the default queue)."""
    return next((rule for rule in rules if rule_matches(rule, call)), None)
