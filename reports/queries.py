"""The service-level figures computed in the database, from the stored timestamps of calls,
checks and interventions: one SQL aggregate per service profile, one for the calls counted apart
or outside, one for the misses listed. What the figures mean is ``reports.figures``."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connections, transaction
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import TruncDay, TruncMonth, TruncYear
from django.db.models.functions.datetime import TruncBase
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dispatch.choices import CallType, InterventionStatus, ReportGrouping, Service
from dispatch.models import Call, Customer, Intervention, Plant, ServiceLevelProfile
from dispatch.timing import seconds_between, shifted
from reports.figures import (
    ABANDONED,
    ANSWER_OUTCOMES,
    ARRIVAL_OUTCOMES,
    CANCELLED,
    MEASURES,
    MISSED,
    NO_INTERVENTION,
    PENDING,
    WITHIN,
    Figures,
    Group,
    Miss,
    ProfileReport,
    Report,
    period_bounds,
)
from reports.routers import reads_alias

# telecontrol builds on dispatch's models; reading its checks here is one way only.
from telecontrol.models import PlantCheck

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def profiles_for_customer(customer: Customer) -> list[ServiceLevelProfile]:
    """The customer's own profile for each service, else the default one."""
    chosen: dict[str, ServiceLevelProfile] = {}
    for profile in ServiceLevelProfile.objects.filter(
        Q(customer=customer) | Q(customer__isnull=True)
    ).order_by("customer_id"):
        if profile.customer_id is not None or profile.service not in chosen:
            chosen[profile.service] = profile
    return [chosen[service] for service in Service.values if service in chosen]


def service_level_report(
    *,
    customer: Customer,
    date_from: dt.date,
    date_to: dt.date,
    group_by: str = ReportGrouping.MONTH,
    misses_limit: int = 200,
    now: dt.datetime | None = None,
) -> Report:
    """The customer's service levels over the days ``date_from`` to ``date_to`` (both included),
    grouped by ``group_by``: one SQL aggregate per service profile, plus one for the calls
    counted apart or outside, plus one for the misses listed."""
    if group_by not in ReportGrouping.values:
        raise ValueError(f"group_by: one of {', '.join(ReportGrouping.values)}")
    if date_to < date_from:
        raise ValueError("date_to is before date_from")
    tz = ZoneInfo(settings.TIME_ZONE)
    now = now or timezone.now()
    start, end = period_bounds(date_from, date_to, tz)
    # The database the figures are read from: the replica inside reports.routers.reads_from_replica().
    alias = reads_alias()
    with transaction.atomic(using=alias):
        if connections[alias].vendor == "postgresql":
            # PostgreSQL's JIT compiled the ~50 expressions of the figures' query on every run,
            # and the misses' query for its (overestimated) cost: on a year of 1M calls that took
            # 1.5 s and 0.5 s, longer than running them uncompiled.
            with connections[alias].cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        return _report(customer, date_from, date_to, group_by, misses_limit, now, tz, start, end)


def _report(customer, date_from, date_to, group_by, misses_limit, now, tz, start, end) -> Report:
    in_period = Call.objects.filter(plant__customer=customer, received_at__gte=start, received_at__lt=end)
    # A test call (the quality group posing as a caller) is not a customer's emergency.
    calls = in_period.filter(is_test=False)
    test_calls = in_period.filter(is_test=True).count()
    profiles = profiles_for_customer(customer)
    by_type = dict(
        calls.order_by().values_list("call_type").annotate(n=Count("pk")).values_list("call_type", "n")
    )
    reports = [
        _profile_report(
            profile, calls.filter(call_type__in=profile.call_types), group_by, tz, now, misses_limit
        )
        if any(by_type.get(call_type) for call_type in profile.call_types)
        else ProfileReport(profile=profile, groups=[], total=Figures(), misses=[], misses_total=0)
        for profile in profiles
    ]
    counted = {t for p in profiles for t in p.call_types}
    apart_types = {t for p in profiles for t in p.call_types_apart} - counted
    apart = {t: n for t, n in by_type.items() if t in apart_types}
    outside = {t: n for t, n in by_type.items() if t not in counted and t not in apart_types}
    return Report(
        customer=customer, date_from=date_from, date_to=date_to, time_zone=str(tz), start=start, end=end,
        group_by=group_by, computed_at=now, profiles=reports, apart=apart, outside=outside,
        test_calls=test_calls,
    )  # fmt: skip


def _call_outcomes(correlated: bool) -> dict:
    """What each call's interventions and checks came to. Over many calls: joined from the
    per-call summaries (views ``dispatch_call_intervention_summary`` and
    ``telecontrol_call_check_summary``), so the calls are read once and never grouped. For a
    few calls read in order (the first misses): looked up call by call, so the scan can stop."""
    if not correlated:
        summary = "intervention_summary__"
        return {
            # A call with no intervention has no summary row: false, not null.
            "has_live": _true_when(**{f"{summary}live_interventions__gt": 0}),
            "has_any": _true_when(**{f"{summary}interventions__gt": 0}),
            "first_check": F("check_summary__first_checked_at"),
            "first_assigned": F(f"{summary}first_assigned_at"),
            "first_arrival": F(f"{summary}first_arrived_at"),
            "first_closed": F(f"{summary}first_closed_at"),
        }
    own = Intervention.objects.filter(call=OuterRef("pk"))
    live = own.exclude(status=InterventionStatus.CANCELLED)

    def first(queryset, name):
        return Subquery(queryset.filter(**{f"{name}__isnull": False}).order_by(name).values(name)[:1])

    return {
        "has_live": Exists(live),
        "has_any": Exists(own),
        "first_check": first(PlantCheck.objects.filter(call=OuterRef("pk")), "checked_at"),
        "first_assigned": first(live, "assigned_at"),
        "first_arrival": first(live, "arrived_at"),
        "first_closed": first(live, "closed_at"),
    }


def _true_when(**lookup):
    return Case(When(**lookup, then=Value(True)), default=Value(False), output_field=BooleanField())


def _per_call(
    calls, profile: ServiceLevelProfile, group_by: str, tz: ZoneInfo, now: dt.datetime, *, correlated=False
):
    """One row per call: its group, its answer and arrival outcomes and its bucket for each
    measure, all computed in the database from the stored timestamps."""
    received = F("received_at")
    rows = calls.order_by().annotate(grp=_group_expression(group_by, tz), **_call_outcomes(correlated))
    annotations = {}
    answer_target = profile.answer_target_seconds
    if answer_target is not None:
        target = dt.timedelta(seconds=answer_target)
        annotations["answer_state"] = Case(
            When(answered_at__isnull=False, answered_at__lte=received + target, then=Value(WITHIN)),
            When(answered_at__isnull=False, then=Value(MISSED)),
            When(ended_at__isnull=False, ended_at__lte=received + target, then=Value(ABANDONED)),
            When(received_at__gt=shifted(now, -target), then=Value(PENDING)),
            default=Value(MISSED),
            output_field=IntegerField(),
        )
    if profile.arrival_target_minutes is not None:
        target = dt.timedelta(minutes=profile.arrival_target_minutes)
        annotations["arrival_state"] = Case(
            When(has_live=False, has_any=True, then=Value(CANCELLED)),
            When(has_live=False, then=Value(NO_INTERVENTION)),
            When(first_arrival__lte=received + target, then=Value(WITHIN)),
            When(first_arrival__isnull=False, then=Value(MISSED)),
            When(received_at__gt=shifted(now, -target), then=Value(PENDING)),
            default=Value(MISSED),
            output_field=IntegerField(),
        )
    ends = {
        "answer": "answered_at", "check": "first_check", "dispatch": "first_assigned",
        "arrival": "first_arrival", "closure": "first_closed",
    }  # fmt: skip
    for measure in MEASURES:
        end = ends[measure.name]
        whens = [When(**{f"{end}__isnull": True}, then=Value(len(measure.edges) + 1))]
        whens += [
            When(**{f"{end}__lte": received + edge}, then=Value(index))
            for index, edge in enumerate(measure.edges)
        ]
        annotations[f"b_{measure.name}"] = Case(
            *whens, default=Value(len(measure.edges)), output_field=IntegerField()
        )
    return rows.annotate(**annotations), list(annotations)


def _group_expression(group_by: str, tz: ZoneInfo):
    if group_by == ReportGrouping.PLANT:
        return F("plant_id")
    if group_by == ReportGrouping.CATEGORY:
        return F("call_type")
    trunc: dict[str, type[TruncBase]] = {
        ReportGrouping.DAY: TruncDay,
        ReportGrouping.MONTH: TruncMonth,
        ReportGrouping.YEAR: TruncYear,
    }
    return trunc[group_by]("received_at", tzinfo=tz)


def _profile_report(profile, calls, group_by, tz, now, misses_limit) -> ProfileReport:
    per_call, computed = _per_call(calls, profile, group_by, tz, now)
    inner_sql, params = per_call.values("grp", *computed).query.sql_with_params()
    columns = ["COUNT(*)"]
    keys: list[tuple[str, str, int]] = []
    if profile.answer_target_seconds is not None:
        for code, name in ANSWER_OUTCOMES.items():
            columns.append(f"COUNT(*) FILTER (WHERE answer_state = {code})")
            keys.append(("answer", name, code))
    if profile.arrival_target_minutes is not None:
        for code, name in ARRIVAL_OUTCOMES.items():
            columns.append(f"COUNT(*) FILTER (WHERE arrival_state = {code})")
            keys.append(("arrival", name, code))
    for measure in MEASURES:
        for index in range(len(measure.edges) + 2):
            columns.append(f"COUNT(*) FILTER (WHERE b_{measure.name} = {index})")
            keys.append((measure.name, "bucket", index))
    missed = _missed_condition_sql(profile)
    columns.append(f"COUNT(*) FILTER (WHERE {missed})")
    keys.append(("misses", "count", 0))
    sql = f"SELECT grp, {', '.join(columns)} FROM ({inner_sql}) per_call GROUP BY grp ORDER BY grp"  # noqa: S608 - only our own column expressions
    with connections[reads_alias()].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    groups, total, misses_total = [], Figures(), 0
    labels = _group_labels(group_by, [row[0] for row in rows], tz)
    for row in rows:
        figures = Figures(calls=int(row[1]))
        for (kind, name, _index), value in zip(keys, row[2:], strict=True):
            value = int(value or 0)
            if kind == "misses":
                misses_total += value
            elif name == "bucket":
                figures.distributions.setdefault(kind, []).append(value)
            else:
                getattr(figures, kind)[name] = value
        key = _group_key(row[0], group_by)
        groups.append(Group(key, labels.get(key, key), figures))
        total.add(figures)
    misses = []
    if misses_total:
        ordered, _computed = _per_call(calls, profile, group_by, tz, now, correlated=True)
        misses = _misses(ordered, profile, misses_limit)
    return ProfileReport(
        profile=profile, groups=groups, total=total, misses=misses, misses_total=misses_total
    )


def _group_key(value, group_by: str) -> str:
    if group_by in (ReportGrouping.PLANT, ReportGrouping.CATEGORY):
        return "" if value is None else str(value)
    text = value.isoformat() if isinstance(value, dt.date | dt.datetime) else str(value)
    prefix: dict[str, str] = {
        ReportGrouping.DAY: text[:10],
        ReportGrouping.MONTH: text[:7],
        ReportGrouping.YEAR: text[:4],
    }
    return prefix[group_by]


def _group_labels(group_by: str, values, tz) -> dict[str, str]:
    if group_by == ReportGrouping.PLANT:
        plants = Plant.objects.in_bulk([v for v in values if v is not None])
        return {str(pk): f"{plant.code} {plant.name}" for pk, plant in plants.items()}
    if group_by == ReportGrouping.CATEGORY:
        return {value: str(label) for value, label in CallType.choices}
    return {}


def _missed_condition_sql(profile: ServiceLevelProfile) -> str:
    conditions = []
    if profile.answer_target_seconds is not None:
        conditions.append(f"answer_state = {MISSED}")
    if profile.arrival_target_minutes is not None:
        conditions.append(f"arrival_state = {MISSED}")
    return " OR ".join(conditions) or "1 = 0"


def _misses(per_call, profile: ServiceLevelProfile, limit: int | None) -> list[Miss]:
    """The first ``limit`` calls (None: all) that missed a standard, in the order they came."""
    return list(_misses_iter(per_call, profile, limit))


def _misses_iter(per_call, profile: ServiceLevelProfile, limit: int | None = None, chunk: int = 2000):
    missed = Q()
    if profile.answer_target_seconds is not None:
        missed |= Q(answer_state=MISSED)
    if profile.arrival_target_minutes is not None:
        missed |= Q(arrival_state=MISSED)
    listed = per_call.filter(missed).values(
        "pk", "received_at", "answered_at", "plant__code", "call_type", "first_arrival", "first_assigned",
        *(["answer_state"] if profile.answer_target_seconds is not None else []),
        *(["arrival_state"] if profile.arrival_target_minutes is not None else []),
    ).order_by("received_at", "pk")  # fmt: skip
    if limit is not None:
        listed = listed[:limit]
    rows = listed.iterator(chunk_size=chunk)
    while batch := list(itertools.islice(rows, chunk)):
        first_intervention = dict(
            Intervention.objects.filter(call__in=[row["pk"] for row in batch])
            .order_by()
            .values_list("call")
            .annotate(first=Min("pk"))
            .values_list("call", "first")
        )
        for row in batch:
            yield _miss({**row, "first_intervention": first_intervention.get(row["pk"])}, profile)


def misses_all(*, report: Report, profile: ServiceLevelProfile, now: dt.datetime | None = None):
    """Every call of the report's customer and days that missed one of ``profile``'s standards,
    oldest first, read in chunks (for the CSV export: an inspector gets the whole list)."""
    calls = Call.objects.filter(
        plant__customer=report.customer, received_at__gte=report.start, received_at__lt=report.end,
        call_type__in=profile.call_types, is_test=False,
    )  # fmt: skip
    tz = ZoneInfo(report.time_zone)
    per_call, _computed = _per_call(
        calls, profile, report.group_by, tz, now or report.computed_at, correlated=True
    )
    yield from _misses_iter(per_call, profile)


def _miss(row: dict, profile: ServiceLevelProfile) -> Miss:
    received = row["received_at"]
    answer = ANSWER_OUTCOMES.get(row.get("answer_state") or 0, "")
    arrival = ARRIVAL_OUTCOMES.get(row.get("arrival_state") or 0, "")
    answer_seconds = seconds_between(received, row["answered_at"]) if row["answered_at"] else None
    arrival_minutes = seconds_between(received, row["first_arrival"]) / 60 if row["first_arrival"] else None
    reasons: list[StrOrPromise] = []
    if answer == "missed":
        if answer_seconds is not None:
            reasons.append(_("answered after %(s)d s") % {"s": answer_seconds})
        else:
            reasons.append(_("never answered"))
    if arrival == "missed":
        if arrival_minutes is not None:
            reasons.append(_("arrived %(m)d min after the start of the call") % {"m": arrival_minutes})
        else:
            reasons.append(_("no arrival on site recorded"))
        if row["first_assigned"] is not None:
            reasons.append(
                _("first assigned %(m)d min after the start of the call")
                % {"m": seconds_between(received, row["first_assigned"]) / 60}
            )
        else:
            reasons.append(_("never assigned"))
    return Miss(
        call_id=row["pk"], received_at=received, plant_code=row["plant__code"] or "",
        call_type=row["call_type"],
        answer=answer, arrival=arrival, answer_seconds=answer_seconds, arrival_minutes=arrival_minutes,
        intervention_id=row["first_intervention"], reasons=[str(r) for r in reasons],
    )  # fmt: skip
