"""Service levels against the customer's standards: the figures a utility files with its
regulator, computed from nothing but the stored timestamps of calls, checks and interventions.
This module holds what the figures are (plain dataclasses, the rules, the JSON a sign-off keeps);
``reports.queries`` computes them in the database, ``reports.merge`` a month at a time.

The rules, which every report states (``RULES``), so that an inspector can recompute any figure:

- A call belongs to the customer of its plant. A call whose plant was never identified belongs
  to no customer and is in no customer's report.
- The period runs from the first day's 00:00 to the day after the last's 00:00, local time
  (``TIME_ZONE``, Europe/Rome), daylight-saving changes included; a call belongs to the day,
  month and year it was received in, even when it ends after midnight.
- A call is counted by the service-level profile that lists its call type; a type the profile
  counts apart (scheduled work) is reported apart and held to no standard; any other type, and
  a call with no type, is outside the statistics.
- Answer time: from the call's arrival (``received_at``) to its answer by a person. Within the
  standard when at most the target (exactly 120 s is within). A call never answered is excluded
  when the caller hung up within the target; otherwise it missed (pending while the target has
  not run out).
- Arrival time: from the start of the call, not from the intervention's opening, to the first
  arrival on site among the call's own interventions that were not cancelled. Without an
  arrival the call missed once the target has run out (pending before). A call whose
  interventions were all cancelled, or that has none of its own, is outside the arrival figures
  and counted apart.
- Time to the telecontrol check, to dispatch (first assignment) and to closure (first close):
  from the start of the call, as distributions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple
from zoneinfo import ZoneInfo

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dispatch.choices import ReportGrouping
from dispatch.models import Customer, ServiceLevelProfile
from dispatch.timing import PERIOD_FIRST_YEAR, PERIOD_LAST_YEAR, period_years_valid

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

RULES = [
    _(
        "A call belongs to the customer of its plant; calls whose plant was never identified are in "
        "no report."
    ),
    _(
        "The period runs from the first day's 00:00 to the day after the last's 00:00 in the time zone "
        "stated; a call belongs to the day it was received in."
    ),
    _(
        "A call is counted by the profile that lists its type; types counted apart are held to no "
        "standard; other types, and calls with no type, are outside the statistics."
    ),
    _(
        "Answer time runs from the call's arrival to its answer by a person; a call answered exactly at "
        "the target is within. A call never answered is excluded if the caller hung up within the "
        "target, and missed otherwise."
    ),
    _(
        "Arrival time runs from the start of the call to the first arrival on site among the call's own "
        "interventions that were not cancelled. Without an arrival, the call missed once the target ran "
        "out. Calls with no intervention of their own, or only cancelled ones, are outside the arrival "
        "figures and counted apart."
    ),
    _("Times to the telecontrol check, to dispatch and to closure run from the start of the call."),
]

# Answer and arrival outcomes of one call.
WITHIN, MISSED, ABANDONED, PENDING, CANCELLED, NO_INTERVENTION = 1, 2, 3, 4, 5, 6
ANSWER_OUTCOMES: dict[int, str] = {
    WITHIN: "within", MISSED: "missed", ABANDONED: "abandoned", PENDING: "pending",
}  # fmt: skip
ARRIVAL_OUTCOMES: dict[int, str] = {
    WITHIN: "within", MISSED: "missed", PENDING: "pending", CANCELLED: "cancelled",
    NO_INTERVENTION: "no_intervention",
}  # fmt: skip


@dataclass(frozen=True)
class Measure:
    """A time from the start of the call, reported as a distribution over ``edges``: bucket i
    holds times up to ``edges[i]`` (after the previous edge), then one for longer, one for none."""

    name: str
    label: StrOrPromise
    edges: tuple[dt.timedelta, ...]

    def bucket_labels(self) -> list[str]:
        labels, previous = [], None
        for edge in self.edges:
            labels.append(f"≤ {_span(edge)}" if previous is None else f"{_span(previous)}–{_span(edge)}")
            previous = edge
        return [*labels, f"> {_span(self.edges[-1])}", str(_("none"))]


def _span(delta: dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 120 or seconds % 60:
        return f"{seconds} s"
    if seconds < 7200 or seconds % 3600:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


S, M, H = dt.timedelta(seconds=1), dt.timedelta(minutes=1), dt.timedelta(hours=1)
MEASURES = (
    Measure("answer", _("Answer time"), (30 * S, 60 * S, 120 * S, 300 * S)),
    Measure("check", _("Time to the telecontrol check"), (1 * M, 5 * M, 15 * M, 60 * M)),
    Measure("dispatch", _("Time to dispatch"), (5 * M, 15 * M, 30 * M, 60 * M)),
    Measure("arrival", _("Arrival time"), (30 * M, 60 * M, 120 * M, 180 * M)),
    Measure("closure", _("Time to closure"), (4 * H, 24 * H, 72 * H, 168 * H)),
)


@dataclass
class Figures:
    """One group's figures under one profile."""

    calls: int = 0
    answer: dict[str, int] = field(default_factory=dict)
    arrival: dict[str, int] = field(default_factory=dict)
    distributions: dict[str, list[int]] = field(default_factory=dict)

    def share(self, outcomes: dict[str, int]) -> float | None:
        measured = outcomes.get("within", 0) + outcomes.get("missed", 0)
        return round(100.0 * outcomes.get("within", 0) / measured, 2) if measured else None

    @property
    def answer_share(self) -> float | None:
        return self.share(self.answer)

    @property
    def arrival_share(self) -> float | None:
        return self.share(self.arrival)

    def add(self, other: Figures) -> None:
        """Count ``other``'s calls in these too (every figure is a count, so parts add up)."""
        self.calls += other.calls
        for kind in ("answer", "arrival"):
            for name, value in getattr(other, kind).items():
                getattr(self, kind)[name] = getattr(self, kind).get(name, 0) + value
        for name, values in other.distributions.items():
            current = self.distributions.setdefault(name, [0] * len(values))
            self.distributions[name] = [a + b for a, b in zip(current, values, strict=True)]


class Group(NamedTuple):
    key: str  # "2026-03", "2026-03-29", "2026"; a plant's id; a call type
    label: str
    figures: Figures


@dataclass
class Miss:
    call_id: int
    received_at: dt.datetime
    plant_code: str
    call_type: str
    answer: str
    arrival: str
    answer_seconds: float | None
    arrival_minutes: float | None
    intervention_id: int | None
    reasons: list[StrOrPromise]


@dataclass
class ProfileReport:
    profile: ServiceLevelProfile
    groups: list[Group]
    total: Figures
    misses: list[Miss]
    misses_total: int

    @property
    def answer_meets(self) -> bool | None:
        share = self.total.answer_share
        if self.profile.answer_target_seconds is None or share is None:
            return None
        return share >= float(self.profile.answer_min_percent)

    @property
    def arrival_meets(self) -> bool | None:
        share = self.total.arrival_share
        if self.profile.arrival_target_minutes is None or share is None:
            return None
        return share >= float(self.profile.arrival_min_percent)


@dataclass
class Report:
    customer: Customer
    date_from: dt.date
    date_to: dt.date
    time_zone: str
    start: dt.datetime
    end: dt.datetime
    group_by: str
    computed_at: dt.datetime
    profiles: list[ProfileReport]
    apart: dict[str, int]
    outside: dict[str, int]
    # The quality group's test calls in the period: never in the figures, only counted.
    test_calls: int = 0
    rules: list[str] = field(default_factory=lambda: [str(rule) for rule in RULES])


# A report covers at most this many days (a day's grouping, one year): beyond, ask for several.
MAX_DAYS = 366 * 5
MAX_DAYS_BY_DAY = 366


def period_problem(date_from: dt.date, date_to: dt.date, group_by: str) -> str | None:
    """Why these days cannot make one report, or None."""
    if not period_years_valid(date_from, date_to):
        return str(
            _("Reports cover the years %(first)d to %(last)d.")
            % {"first": PERIOD_FIRST_YEAR, "last": PERIOD_LAST_YEAR}
        )
    days = (date_to - date_from).days + 1
    limit = MAX_DAYS_BY_DAY if group_by == ReportGrouping.DAY else MAX_DAYS
    if days < 1:
        return str(_("The last day comes before the first."))
    if days > limit:
        return str(_("At most %(days)d days for this grouping.") % {"days": limit})
    return None


def period_bounds(date_from: dt.date, date_to: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """Local midnight of the first day, and of the day after the last (DST-aware)."""
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


# ----------------------------------------------------------------------------------------------
# The report as JSON: what the API answers, what a sign-off and a run keep and hash.
#
# The formats are those of the DRF serializer that built this data before (and that still
# documents it for the API's schema, ``reports.api.serializers.ServiceLevelReportSerializer``):
# the SHA-256 of every sign-off already filed is over them, so they must not change. Dates in
# ISO 8601; times in the current time zone, UTC written as "Z"; None stays None.


def report_data(report: Report) -> dict:
    """The report as plain JSON data (the same keys, in the same order, as the API's schema)."""
    data = {
        "customer": report.customer.pk,
        "customer_name": _text(report.customer.name),
        "date_from": _date(report.date_from),
        "date_to": _date(report.date_to),
        "time_zone": _text(report.time_zone),
        "start": _datetime(report.start),
        "end": _datetime(report.end),
        "group_by": _text(report.group_by),
        "computed_at": _datetime(report.computed_at),
        "rules": [_text(rule) for rule in report.rules],
        "profiles": [_profile_data(item) for item in report.profiles],
        "apart": _counts(report.apart),
        "outside": _counts(report.outside),
        "test_calls": int(report.test_calls),
    }
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _profile_data(item: ProfileReport) -> dict:
    return {
        "rules": {str(key): value for key, value in item.profile.rules().items()},
        "answer_meets": item.answer_meets,
        "arrival_meets": item.arrival_meets,
        "total": _figures_data(item.total),
        "groups": [
            {"key": _text(group.key), "label": _text(group.label), "figures": _figures_data(group.figures)}
            for group in item.groups
        ],
        "misses": [_miss_data(miss) for miss in item.misses],
        "misses_total": int(item.misses_total),
        "buckets": {measure.name: measure.bucket_labels() for measure in MEASURES},
    }


def _figures_data(figures: Figures) -> dict:
    return {
        "calls": int(figures.calls),
        "answer": _counts(figures.answer),
        "answer_share": _number(figures.answer_share),
        "arrival": _counts(figures.arrival),
        "arrival_share": _number(figures.arrival_share),
        "distributions": {
            str(name): [None if count is None else int(count) for count in counts]
            for name, counts in figures.distributions.items()
        },
    }


def _miss_data(miss: Miss) -> dict:
    return {
        "call_id": int(miss.call_id),
        "received_at": _datetime(miss.received_at),
        "plant_code": _text(miss.plant_code),
        "call_type": _text(miss.call_type),
        "answer": _text(miss.answer),
        "arrival": _text(miss.arrival),
        "answer_seconds": _number(miss.answer_seconds),
        "arrival_minutes": _number(miss.arrival_minutes),
        "intervention_id": None if miss.intervention_id is None else int(miss.intervention_id),
        "reasons": [_text(reason) for reason in miss.reasons],
    }


def _counts(counts: dict) -> dict[str, int | None]:
    return {str(key): None if value is None else int(value) for key, value in counts.items()}


def _text(value) -> str | None:
    return None if value is None else str(value)


def _number(value) -> float | None:
    return None if value is None else float(value)


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _datetime(value: dt.datetime | None) -> str | None:
    if not value:
        return None
    zone = timezone.get_current_timezone()
    value = value.astimezone(zone) if timezone.is_aware(value) else timezone.make_aware(value, zone)
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def figures_digest(data: dict) -> str:
    """SHA-256 of the report's data in canonical form (sorted keys, no spaces)."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
