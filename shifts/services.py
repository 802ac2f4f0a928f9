"""Writes of the shifts: a team's month generated from a pattern, single shifts set or removed
by hand, custom patterns. Supervisors may edit every roster; a team's leader edits that team's.
Times are the local wall clock (``shifts.wallclock`` states the daylight-saving rules)."""

from __future__ import annotations

import importlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.choices import STAFF_ROLES, Role
from dispatch.roles import AnyUser as Actor
from dispatch.roles import has_role
from dispatch.services.common import require_role
from dispatch.timing import PERIOD_FIRST_YEAR, PERIOD_LAST_YEAR
from routing.models import Line
from teams.choices import MemberRole
from teams.models import Team, TeamMembership

from .choices import PatternKind, ShiftSource
from .models import MAX_CYCLE_DAYS, MAX_SHIFT_MINUTES, LineCoverageMinimum, PatternDay, Shift, ShiftPattern
from .wallclock import month_days, wall_span, wall_span_until

# The same years as every other period of the product (reports, figures, rotas).
YEARS = (PERIOD_FIRST_YEAR, PERIOD_LAST_YEAR)


def may_edit_roster(actor: Actor, team: Team | None) -> bool:
    """Supervisors edit every roster; a team's leader (still an operator or a supervisor) edits
    that team's. A shift outside any team is the supervisors' alone."""
    if has_role(actor, Role.SUPERVISOR):
        return True
    return (
        team is not None
        and actor is not None
        and actor.pk is not None
        and team.leader_id == actor.pk
        and has_role(actor, *STAFF_ROLES)
    )


def _require_editor(actor: Actor, team: Team | None) -> None:
    if not may_edit_roster(actor, team):
        raise PermissionDenied(_("Only a supervisor or the team's leader may change its roster."))


def _actor_id(actor: Actor) -> int:
    if actor is None or actor.pk is None:
        raise PermissionDenied(_("A change to a roster needs a signed-in user."))
    return int(actor.pk)


def _check_year(day: date, field: str) -> None:
    if not YEARS[0] <= day.year <= YEARS[1]:
        raise ValidationError(
            {field: _("A year from %(first)s to %(last)s.") % {"first": YEARS[0], "last": YEARS[1]}}
        )


def _lock_users(user_ids: Iterable[int]) -> None:
    """One writer per operator at a time: the overlap check reads the user's shifts, then writes."""
    list(get_user_model().objects.select_for_update().filter(pk__in=sorted(set(user_ids))).values_list("pk"))


def _overlapping(
    user_id: int, starts_at: datetime, ends_at: datetime, exclude: int | None = None
) -> Shift | None:
    rows = Shift.objects.filter(user_id=user_id, starts_at__lt=ends_at, ends_at__gt=starts_at)
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    return rows.first()


def _check_member(user: AbstractBaseUser, team: Team | None, field: str = "user") -> None:
    if not user.is_active or not has_role(user, *STAFF_ROLES):
        raise ValidationError({field: _("%(user)s is not an active operator.") % {"user": user}})
    if team is not None and not TeamMembership.objects.filter(team=team, user_id=user.pk).exists():
        raise ValidationError({field: _("%(user)s is not in %(team)s.") % {"user": user, "team": team}})


@transaction.atomic
def shift_save(
    *,
    actor: Actor,
    user: AbstractBaseUser,
    team: Team | None,
    day: date,
    start: time,
    end: time,
    break_minutes: int = 0,
    lines: Sequence[Line] = (),
    note: str = "",
    shift: Shift | None = None,
) -> Shift:
    """Set a shift by hand (a new one, or ``shift`` changed): ``day`` and ``start`` on the local
    wall clock, ``end`` likewise, on the next day when it is not after ``start``. The shift becomes
    ``manual``: generating the month again leaves it alone. Refused when it overlaps another
    shift of the same operator (any team). Takes a lock on the operator's row."""
    _require_editor(actor, team)
    if shift is not None:
        shift = Shift.objects.select_for_update(of=("self",)).select_related("team").get(pk=shift.pk)
        _require_editor(actor, shift.team)
    _check_year(day, "day")
    _check_member(user, team)
    starts_at, ends_at = wall_span_until(day, start, end)
    errors: dict[str, str] = {}
    if ends_at - starts_at > timedelta(minutes=MAX_SHIFT_MINUTES + 60):
        errors["end"] = _("A shift lasts at most %(hours)s hours.") % {"hours": MAX_SHIFT_MINUTES // 60}
    if not 0 <= break_minutes < (ends_at - starts_at).total_seconds() / 60:
        errors["break_minutes"] = _("The breaks fit inside the shift.")
    if errors:
        raise ValidationError(errors)
    _lock_users([user.pk])
    clash = _overlapping(user.pk, starts_at, ends_at, exclude=shift.pk if shift else None)
    if clash is not None:
        raise ValidationError(
            {"start": _("%(user)s is already on shift from %(start)s to %(end)s.") % {
                "user": user, "start": timezone.localtime(clash.starts_at).strftime("%d/%m %H:%M"),
                "end": timezone.localtime(clash.ends_at).strftime("%d/%m %H:%M")}}
        )  # fmt: skip
    if shift is None:
        shift = Shift()
    shift.user_id, shift.team = user.pk, team
    shift.day, shift.starts_at, shift.ends_at = day, starts_at, ends_at
    shift.break_minutes, shift.note = break_minutes, (note or "").strip()[:200]
    shift.source, shift.pattern = ShiftSource.MANUAL, shift.pattern if shift.pk else None
    shift.changed_by_id, shift.changed_at = _actor_id(actor), timezone.now()
    shift.full_clean(exclude=["lines", "changed_by"])
    shift.save()
    shift.lines.set(lines)
    return shift


@transaction.atomic
def shift_delete(*, actor: Actor, shift: Shift) -> None:
    """Remove a shift (the leader of its team, or a supervisor)."""
    shift = Shift.objects.select_for_update(of=("self",)).select_related("team").get(pk=shift.pk)
    _require_editor(actor, shift.team)
    shift.delete()


@dataclass(frozen=True)
class Generated:
    created: int
    replaced: int
    kept: int


def default_offsets(pattern: ShiftPattern, count: int) -> list[int]:
    """Where each operator's cycle starts. The week's patterns: all alike. Rotating ones: each
    next operator shifted by the cycle's working days, so that with 2/2 two operators (or any
    even number) cover every day between them."""
    if pattern.kind == PatternKind.FIVE_TWO:
        return [0] * count
    working = pattern.days.count() or 1
    return [(n * working) % pattern.cycle_days for n in range(count)]


def cycle_index(day: date, offset: int, cycle_days: int) -> int:
    """The day of the cycle ``day`` is for an operator at ``offset``. Anchored on a Monday that
    never moves (1 January of year 1), so day 0 of a weekly cycle is a Monday and the next month
    goes on with the rotation where this one left off."""
    return (day.toordinal() - 1 + offset) % cycle_days


@transaction.atomic
def roster_generate(
    *,
    actor: Actor,
    team: Team,
    year: int,
    month: int,
    pattern: ShiftPattern,
    users: Sequence[AbstractBaseUser] | None = None,
    start_offsets: Mapping[int, int] | None = None,
    now: datetime | None = None,
) -> Generated:
    """Lay ``pattern`` over the month for ``users`` (default: the team's operators), in the
    order given. Public holidays are working days like any other: the centre answers on them.

    Generating again replaces the team's ``generated`` shifts of the month not yet started; a day
    on which an operator already has a shift (set by hand, or generated and begun) is kept as it
    is, and so is a block that would overlap another shift of theirs (the night before's, another
    team's). ``start_offsets`` (user id → days) moves an operator's cycle. Locks the operators'
    rows."""
    _require_editor(actor, team)
    if not YEARS[0] <= year <= YEARS[1]:
        raise ValidationError(
            {"year": _("A year from %(first)s to %(last)s.") % {"first": YEARS[0], "last": YEARS[1]}}
        )
    if not 1 <= month <= 12:
        raise ValidationError({"month": _("A month from 1 to 12.")})
    blocks = {day.index: day for day in PatternDay.objects.filter(pattern=pattern)}
    if not pattern.active or not blocks:
        raise ValidationError({"pattern": _("This pattern has no working days.")})
    if users is None:
        users = [m.user for m in TeamMembership.objects.filter(
            team=team, role=MemberRole.OPERATOR, user__is_active=True).select_related("user")]  # fmt: skip
    for user in users:
        _check_member(user, team, field="users")
    now = now or timezone.now()
    days = month_days(year, month)
    user_ids = [user.pk for user in users]
    offsets = default_offsets(pattern, len(users))
    for n, user in enumerate(users):
        if start_offsets and user.pk in start_offsets:
            offsets[n] = start_offsets[user.pk] % pattern.cycle_days
    _lock_users(user_ids)
    replaced, _by_model = Shift.objects.filter(
        team=team, user_id__in=user_ids, day__in=days, source=ShiftSource.GENERATED, starts_at__gt=now
    ).delete()
    taken: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    busy_days: set[tuple[int, date]] = set()
    existing = Shift.objects.filter(
        user_id__in=user_ids, day__gte=days[0] - timedelta(days=1), day__lte=days[-1] + timedelta(days=1)
    ).values_list("user_id", "day", "starts_at", "ends_at")
    for user_id, day, starts_at, ends_at in existing:
        taken[user_id].append((starts_at, ends_at))
        busy_days.add((user_id, day))
    made: list[Shift] = []
    kept = 0
    changed_at = timezone.now()
    for user, offset in zip(users, offsets, strict=True):
        for day in days:
            block = blocks.get(cycle_index(day, offset, pattern.cycle_days))
            if block is None:
                continue
            if (user.pk, day) in busy_days:
                kept += 1
                continue
            starts_at, ends_at = wall_span(day, block.start, block.length_minutes)
            if any(s < ends_at and e > starts_at for s, e in taken[user.pk]):
                kept += 1
                continue
            taken[user.pk].append((starts_at, ends_at))
            made.append(Shift(
                user_id=user.pk, team=team, day=day, starts_at=starts_at, ends_at=ends_at,
                break_minutes=block.break_minutes, source=ShiftSource.GENERATED, pattern=pattern,
                changed_by_id=_actor_id(actor), changed_at=changed_at,
            ))  # fmt: skip
    Shift.objects.bulk_create(made)
    return Generated(created=len(made), replaced=replaced, kept=kept)


@transaction.atomic
def pattern_save(
    *,
    actor: Actor,
    code: str,
    name: str,
    cycle_days: int,
    blocks: Sequence[tuple[int, time, int, int]],
    kind: str = PatternKind.CUSTOM,
) -> ShiftPattern:
    """Create or change a pattern (supervisors): ``blocks`` are (day of the cycle, local start,
    length in minutes, break minutes); the cycle's other days are off."""
    require_role(actor, Role.SUPERVISOR)
    errors: dict[str, str] = {}
    if not 1 <= cycle_days <= MAX_CYCLE_DAYS:
        errors["cycle_days"] = _("From 1 to %(max)s days.") % {"max": MAX_CYCLE_DAYS}
    if kind == PatternKind.FIVE_TWO and cycle_days != 7:
        errors["cycle_days"] = _("A weekly pattern has a 7-day cycle.")
    indexes = [index for index, _start, _length, _breaks in blocks]
    if not blocks or len(set(indexes)) != len(indexes) or not all(0 <= i < cycle_days for i in indexes):
        errors["blocks"] = _("One block at most per day of the cycle, at least one in all.")
    if any(
        not 15 <= length <= MAX_SHIFT_MINUTES or not 0 <= breaks < length for _i, _s, length, breaks in blocks
    ):
        errors["blocks"] = _("Blocks last 15 minutes to %(hours)s hours; breaks fit inside.") % {
            "hours": MAX_SHIFT_MINUTES // 60
        }
    pattern = ShiftPattern.objects.select_for_update().filter(code=code).first() or ShiftPattern(code=code)
    pattern.name, pattern.kind, pattern.cycle_days, pattern.active = (
        (name or "").strip(),
        kind,
        cycle_days,
        True,
    )
    try:
        pattern.full_clean(validate_constraints=False)
    except ValidationError as invalid:
        errors.update({field: " ".join(messages) for field, messages in invalid.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    pattern.save()
    pattern.days.all().delete()
    PatternDay.objects.bulk_create(
        PatternDay(pattern=pattern, index=i, start=start, length_minutes=length, break_minutes=breaks)
        for i, start, length, breaks in blocks
    )
    return pattern


def shipped_patterns_restore() -> None:
    """The patterns every centre starts with (migration 0002), made again where missing (a demo
    reset, a test database flushed); existing ones are left as they are."""
    from django.apps import apps

    shipped = importlib.import_module("shifts.migrations.0002_shipped_patterns")
    shipped.shipped_create(apps, None)


@transaction.atomic
def coverage_minimum_add(
    *, actor: Actor, line: Line, weekdays: str, from_hour: int, to_hour: int, minimum: int
) -> LineCoverageMinimum:
    """At least ``minimum`` operators on ``line`` those weekdays (digits, 0 = Monday), local hours
    ``from_hour`` up to ``to_hour`` (supervisors). A night is two rows (0-7 and 19-24)."""
    require_role(actor, Role.SUPERVISOR)
    row = LineCoverageMinimum(
        line=line,
        weekdays="".join(sorted(set(weekdays))),
        from_hour=from_hour,
        to_hour=to_hour,
        minimum=minimum,
    )
    row.full_clean(validate_constraints=False)
    if not from_hour < to_hour:
        raise ValidationError({"to_hour": _("After the first hour.")})
    row.save()
    return row


@transaction.atomic
def coverage_minimum_remove(*, actor: Actor, row: LineCoverageMinimum) -> None:
    require_role(actor, Role.SUPERVISOR)
    LineCoverageMinimum.objects.filter(pk=row.pk).delete()
