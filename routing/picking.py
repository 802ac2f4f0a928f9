"""Which operators may take a route's call, and who of them goes first.

Able: free (available, or past their wrap-up), enabled for the call's line (no lines listed:
every line), holding every skill of the call's queue, with a phone to ring. First: the VIP's
personal manager or the operator who knows the caller's open case, then that operator's team,
then whoever has been idle longest. The pick locks the operator's row and skips rows another
decision holds (``SKIP LOCKED`` on PostgreSQL), so two calls never get one operator.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Exists, Model, OuterRef, Q, QuerySet

from routing.catalogue import catalogue
from routing.choices import OperatorState
from routing.models import CallRoute, OperatorProfile, Queue

M = TypeVar("M", bound=Model)


def operators_free(*, at: datetime) -> QuerySet[OperatorProfile]:
    return OperatorProfile.objects.filter(
        Q(state=OperatorState.AVAILABLE) | Q(state=OperatorState.WRAP_UP, wrap_up_until__lte=at),
        user__is_active=True,
    ).exclude(sip_uri="", extension="")


def operators_enabled(profiles: QuerySet[OperatorProfile], *, line: str) -> QuerySet[OperatorProfile]:
    """Enabled for ``line``: operators with no lines listed take every line."""
    line_links = OperatorProfile.lines.through.objects.filter(operatorprofile_id=OuterRef("pk"))
    on_line = line_links.filter(line__number=line)
    if not line or line not in catalogue().lines:
        return profiles
    return profiles.filter(~Exists(line_links) | Exists(on_line))


def operators_skilled(
    profiles: QuerySet[OperatorProfile], *, queue: Queue | None
) -> QuerySet[OperatorProfile]:
    if queue is None:
        return profiles
    skill_links = OperatorProfile.skills.through.objects.filter(operatorprofile_id=OuterRef("pk"))
    for skill_id in catalogue().queue_skills.get(queue.pk, ()):
        profiles = profiles.filter(Exists(skill_links.filter(skill_id=skill_id)))
    return profiles


def able_where(*, skills: int, on_line: bool) -> list[str]:
    """SQL conditions on ``p`` (a profile) and ``u`` (its user): an active user, enabled for the
    line ``%(line)s`` (no lines listed: every line) and holding the skills ``%(skill0)s``...
    (parameters by name; ``able_params`` fills them)."""
    skills_table = quoted(OperatorProfile.skills.through._meta.db_table)
    lines_table = quoted(OperatorProfile.lines.through._meta.db_table)
    where = ["u.is_active"]
    if on_line:
        where.append(
            f"(NOT EXISTS (SELECT 1 FROM {lines_table} l WHERE l.operatorprofile_id = p.id)"
            f" OR EXISTS (SELECT 1 FROM {lines_table} l WHERE l.operatorprofile_id = p.id"
            " AND l.line_id = %(line)s))"
        )
    for index in range(skills):
        where.append(
            f"EXISTS (SELECT 1 FROM {skills_table} s WHERE s.operatorprofile_id = p.id"
            f" AND s.skill_id = %(skill{index})s)"
        )
    return where


def able_params(*, line_id: int | None, skill_ids: tuple[int, ...]) -> dict[str, datetime | int | None]:
    params: dict[str, datetime | int | None] = {"line": line_id}
    params.update({f"skill{index}": skill_id for index, skill_id in enumerate(skill_ids)})
    return params


def able_from() -> str:
    profiles, users = quoted(OperatorProfile._meta.db_table), quoted(get_user_model()._meta.db_table)
    return f"{profiles} p JOIN {users} u ON u.id = p.user_id"


@lru_cache(maxsize=64)
def _pick_sql(*, vendor: str, skills: int, on_line: bool, one: bool, team: bool) -> tuple[str, int]:
    """The pick as one statement: the ORM's version (Exists per skill, select_related, SKIP
    LOCKED) cost more to compile than to run, on the busiest question of the router
    (benchmarks/bench_route.py). Returns (sql, number of profile columns that lead each row)."""
    profile_columns = [f"p.{quoted(str(field.column))}" for field in OperatorProfile._meta.concrete_fields]
    user_columns = [f"u.{quoted(str(field.column))}" for field in get_user_model()._meta.concrete_fields]
    where = [
        f"(p.state = '{OperatorState.AVAILABLE}'"
        f" OR (p.state = '{OperatorState.WRAP_UP}' AND p.wrap_up_until <= %(at)s))",
        "NOT (p.sip_uri = '' AND p.extension = '')",
        *able_where(skills=skills, on_line=on_line),
    ]
    if one:
        where.append("p.id = %(operator)s")
    if team:
        where.append("p.team_id = %(team)s")
    lock = " FOR UPDATE OF p SKIP LOCKED" if vendor == "postgresql" else ""
    sql = (
        f"SELECT {', '.join(profile_columns + user_columns)} FROM {able_from()}"  # noqa: S608 (our own names)
        f" WHERE {' AND '.join(where)} ORDER BY p.idle_since, p.id LIMIT 1{lock}"
    )
    return sql, len(profile_columns)


def as_datetime(value: object) -> datetime | None:
    """A datetime read by raw SQL, through the backend's converter (SQLite gives naive datetimes,
    or text when the column went through an aggregate)."""
    if value is None:
        return None
    converted = _datetime_column_converter()(value)
    return converted if isinstance(converted, datetime) else None


@lru_cache(maxsize=1)
def _datetime_column_converter() -> Callable[[object], object]:
    field = OperatorProfile._meta.get_field("wrap_up_until")
    col = field.get_col(OperatorProfile._meta.db_table)
    converters = connection.ops.get_db_converters(col) + field.get_db_converters(connection)

    def convert(value: object) -> object:
        for converter in converters:
            value = converter(value, col, connection)
        return value

    return convert


def quoted(name: str) -> str:
    return connection.ops.quote_name(name)


def _lock_first(
    *,
    at: datetime,
    line_id: int | None,
    skill_ids: tuple[int, ...],
    operator_id: int | None = None,
    team_id: int | None = None,
) -> OperatorProfile | None:
    """Lock and load the longest-idle able operator (with their user), skipping locked rows."""
    sql, width = _pick_sql(
        vendor=connection.vendor,
        skills=len(skill_ids),
        on_line=line_id is not None,
        one=operator_id is not None,
        team=team_id is not None,
    )
    params = able_params(line_id=line_id, skill_ids=skill_ids)
    params.update({"at": at, "operator": operator_id, "team": team_id})
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    profile = _instance(OperatorProfile, row[:width])
    profile.user = _instance(get_user_model(), row[width:])
    return profile


def _instance(model: type[M], values: Sequence[object]) -> M:
    """A model instance from a raw row of its concrete columns, through the backend's converters
    (SQLite hands datetimes over as text), as the ORM would build it."""
    names, converters = _converters(model, connection.vendor)
    converted = []
    for (col, field_converters), value in zip(converters, values, strict=True):
        for converter in field_converters:
            value = converter(value, col, connection)
        converted.append(value)
    return model.from_db(connection.alias, names, converted)


@lru_cache(maxsize=8)
def _converters(model: type[Model], vendor: str) -> tuple[list[str], list[tuple[Any, list[Any]]]]:
    fields = model._meta.concrete_fields
    converters = []
    for field in fields:
        col = field.get_col(model._meta.db_table)
        converters.append((col, connection.ops.get_db_converters(col) + field.get_db_converters(connection)))
    return [field.attname for field in fields], converters


def operator_pick(route: CallRoute, *, at: datetime) -> OperatorProfile | None:
    """Lock and return the operator to offer ``route``'s call to, or None (it waits)."""
    line = catalogue().lines.get(route.call.line) if route.call.line else None
    line_id = line.pk if line is not None else None
    if route.preferred_id is not None:
        # The personal manager / the case's operator: their relationship outweighs the queue's skills.
        chosen = _lock_first(at=at, line_id=line_id, skill_ids=(), operator_id=route.preferred_id)
        if chosen is not None:
            return chosen
    skill_ids = catalogue().queue_skills.get(route.queue_id, ()) if route.queue_id is not None else ()
    if route.preferred_team_id is not None:
        chosen = _lock_first(at=at, line_id=line_id, skill_ids=skill_ids, team_id=route.preferred_team_id)
        if chosen is not None:
            return chosen
    return _lock_first(at=at, line_id=line_id, skill_ids=skill_ids)
