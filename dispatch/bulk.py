"""Inserting thousands of new rows of one model in a few statements, for the sweeps that write
them by the thousand (the escalation sweep: outbox rows, history events, timeline rows).

``QuerySet.bulk_create`` compiles every value of every row through the SQL compiler (about five
microseconds a value: two seconds for the 400,000 values of one escalation sweep over 10,000
cases) and, on SQLite, splits the rows into statements of 999 parameters. ``rows_insert`` writes
the same columns the same way (each field's ``get_db_prep_save`` for any value that is not a
plain ``str``, ``int``, ``bool`` or ``None``, ``pre_save`` for ``auto_now`` fields): on SQLite one
multi-row ``INSERT`` per 30,000 parameters (``RETURNING`` the new ids when asked), on PostgreSQL a
``COPY`` (the ids, when asked, taken from the table's sequence first). It sends no signals and
calls no ``save()``, like ``bulk_create``; models whose ``save()`` must run (none in these sweeps)
are not for it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from django.db import connections, router
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)

# Both PostgreSQL (65,535) and SQLite 3.32+ (32,766) take this many parameters in one statement.
MAX_PARAMS = 30_000
_PLAIN = (str, int, bool, type(None))


def _converter(field: Field, connection: Any) -> Callable[[Any], Any]:
    prepare = field.get_db_prep_save
    # A sweep's rows share a few instants (its "now", the steps' due times): each converted once.
    seen: dict[datetime, Any] = {}

    def convert(value: Any) -> Any:
        # Exact types only: a TextChoices member or a lazy string goes through the field.
        kind = type(value)
        if kind in _PLAIN:
            return value
        if kind is datetime:
            if value not in seen:
                seen[value] = prepare(value, connection)
            return seen[value]
        return prepare(value, connection)

    return convert


def _pre_saved(obj: Model, auto: list[Any]) -> dict[str, Any]:
    for field in auto:
        field.pre_save(obj, True)
    return obj.__dict__


def rows_insert(model: type[M], objs: Sequence[M | dict[str, Any]], *, returning_pk: bool = False) -> None:
    """Insert the unsaved ``objs`` (primary keys unset) as ``bulk_create`` would; with
    ``returning_pk`` each gets its new primary key (the database returns them in the rows'
    order, as ``bulk_create`` relies on too; on PostgreSQL they are taken from the sequence
    first). An object may also be a dict of every column's value by attribute name
    (``intervention_id``), for rows nobody reads back: no model instance is made."""
    if not objs:
        return
    db = router.db_for_write(model)
    connection = connections[db]
    opts = model._meta
    fields = [f for f in opts.concrete_fields if not (f.primary_key and getattr(f, "db_returning", False))]
    auto = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    converters = [_converter(f, connection) for f in fields]
    attnames = [f.attname for f in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in fields)
    placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
    pk_column = quote(str(opts.pk.column))
    per_statement = max(1, MAX_PARAMS // len(fields))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: the rows stream in one statement, without a query text of 30,000 parameters
            # for psycopg to compose (most of the time of a multi-row INSERT on PostgreSQL). The
            # new ids, when wanted, are taken from the table's sequence first (one query).
            ids: list[int] = []
            copy_columns = columns
            if returning_pk:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [opts.db_table, opts.pk.column, len(objs)],
                )
                ids = sorted(row[0] for row in cursor.fetchall())
                copy_columns = f"{pk_column}, {columns}"
            with cursor.cursor.copy(f"COPY {quote(opts.db_table)} ({copy_columns}) FROM STDIN") as copy:
                for n, obj in enumerate(objs):
                    values = obj if isinstance(obj, dict) else _pre_saved(obj, auto)
                    row = [convert(values[name]) for convert, name in zip(converters, attnames, strict=True)]
                    if returning_pk:
                        row.insert(0, ids[n])
                        if isinstance(obj, Model):
                            obj.pk = ids[n]
                    copy.write_row(row)
            for obj in objs:
                if isinstance(obj, Model):
                    obj._state.adding, obj._state.db = False, db
            return
        for start in range(0, len(objs), per_statement):
            chunk = objs[start : start + per_statement]
            params: list[Any] = []
            for obj in chunk:
                if isinstance(obj, dict):
                    values = obj
                else:
                    for field in auto:
                        field.pre_save(obj, True)
                    values = obj.__dict__
                params.extend(
                    convert(values[name]) for convert, name in zip(converters, attnames, strict=True)
                )
            sql = f"INSERT INTO {quote(opts.db_table)} ({columns}) VALUES " + ", ".join(
                [placeholder] * len(chunk)
            )
            if returning_pk:
                cursor.execute(f"{sql} RETURNING {pk_column}", params)
                for obj, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                    if isinstance(obj, Model):
                        obj.pk = pk
            else:
                cursor.execute(sql, params)
            for obj in chunk:
                if isinstance(obj, Model):
                    obj._state.adding, obj._state.db = False, db
