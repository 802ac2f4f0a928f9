"""A service-level report computed a month at a time (a long range in the background, with its
progress), and reports of consecutive ranges merged into one: every figure is a count, so the
parts add up to the figures of the whole."""

from __future__ import annotations

import datetime as dt

from dispatch.models import Customer
from reports.figures import Figures, Group, Miss, ProfileReport, Report
from reports.queries import service_level_report


def months_of(date_from: dt.date, date_to: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The range cut at month boundaries: every figure is a count, so the parts add up."""
    parts, start = [], date_from
    while start <= date_to:
        next_month = (start.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        end = min(date_to, next_month - dt.timedelta(days=1))
        parts.append((start, end))
        start = end + dt.timedelta(days=1)
    return parts


def service_level_report_by_months(
    *, customer: Customer, date_from: dt.date, date_to: dt.date, group_by: str, progress=None,
    misses_limit: int = 200,
) -> Report:  # fmt: skip
    """The same report as ``service_level_report``, computed a month at a time; ``progress(done,
    total)`` is told after each month (a long range runs in the background with a progress bar)."""
    parts = months_of(date_from, date_to)
    reports = []
    for index, (first, last) in enumerate(parts, 1):
        reports.append(
            service_level_report(
                customer=customer, date_from=first, date_to=last, group_by=group_by, misses_limit=misses_limit
            )
        )
        if progress is not None:
            progress(index, len(parts))
    return reports_merge(reports, misses_limit=misses_limit)


def reports_merge(reports: list[Report], *, misses_limit: int = 200) -> Report:
    """Reports of consecutive ranges, as one over their union."""
    first, last = reports[0], reports[-1]
    profiles = []
    for index, profile_report in enumerate(first.profiles):
        parts = [report.profiles[index] for report in reports]
        groups: dict[str, Group] = {}
        total, misses, misses_total = Figures(), list[Miss](), 0
        for part in parts:
            total.add(part.total)
            misses_total += part.misses_total
            misses += part.misses[: max(0, misses_limit - len(misses))]
            for group in part.groups:
                merged = groups.setdefault(group.key, Group(group.key, group.label, Figures()))
                merged.figures.add(group.figures)
        ordered = sorted(groups.values(), key=lambda g: (int(g.key) if g.key.isdigit() else 0, g.key))
        profiles.append(
            ProfileReport(
                profile=profile_report.profile, groups=ordered, total=total, misses=misses,
                misses_total=misses_total,
            )
        )  # fmt: skip
    apart: dict[str, int] = {}
    outside: dict[str, int] = {}
    for report in reports:
        for target, source in ((apart, report.apart), (outside, report.outside)):
            for key, count in source.items():
                target[key] = target.get(key, 0) + count
    return Report(
        customer=first.customer, date_from=first.date_from, date_to=last.date_to, time_zone=first.time_zone,
        start=first.start, end=last.end, group_by=first.group_by, computed_at=last.computed_at,
        profiles=profiles, apart=apart, outside=outside, test_calls=sum(r.test_calls for r in reports),
    )  # fmt: skip
