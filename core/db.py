"""Writes the ORM cannot say in one statement.

:func:`upsert_returning` is ``INSERT ... ON CONFLICT ... DO UPDATE`` that
answers with the row as written and whether it was inserted, so a service
can answer 201 or 200 without the get / savepoint / insert-or-update dance
of ``update_or_create`` and without reading the row back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import connections, router
from django.db.models import Model
from django.db.models.expressions import Col

M = TypeVar("M", bound=Model)


def upsert_returning(
    model: type[M], *, unique: Sequence[str], values: dict[str, Any], update: Sequence[str]
) -> tuple[M, bool]:
    """Insert a row of ``model`` with ``values`` (field names: values) or,
    when a row with the same ``unique`` fields (a unique constraint's) is
    there, set its ``update`` fields to those of ``values``. Returns the row
    as written (every concrete field, from the statement's ``RETURNING``) and
    whether it was inserted.

    On PostgreSQL it is one statement; a row the statement inserted has no
    ``xmax``, one it updated carries the updater's (the row lock that
    ``ON CONFLICT DO UPDATE`` takes). SQLite has no such column: an
    ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` answers the new row, and
    only on a conflict an ``UPDATE ... RETURNING`` follows (SQLite has one
    writer at a time, so nothing can come between the two in a transaction).
    Nothing here runs the fields' ``pre_save``: pass ``auto_now`` values."""
    if not update:
        raise ValueError("upsert_returning needs at least one field to update")
    connection = connections[router.db_for_write(model)]
    qn = connection.ops.quote_name
    meta = model._meta
    table = qn(meta.db_table)
    given = [meta.get_field(name) for name in values]
    columns = ", ".join(qn(f.column) for f in given)
    params = [f.get_db_prep_save(v, connection) for f, v in zip(given, values.values(), strict=True)]
    placeholders = ", ".join(["%s"] * len(params))
    conflict = ", ".join(qn(meta.get_field(name).column) for name in unique)
    returned = list(meta.concrete_fields)
    returning = ", ".join(qn(f.column) for f in returned)
    insert = f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) ON CONFLICT ({conflict})"  # noqa: S608
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            sets = ", ".join(f"{qn(c)} = EXCLUDED.{qn(c)}" for c in (meta.get_field(n).column for n in update))
            cursor.execute(f"{insert} DO UPDATE SET {sets} RETURNING {returning}, (xmax = 0)", params)
            *row, inserted = cursor.fetchone()
        else:
            cursor.execute(f"{insert} DO NOTHING RETURNING {returning}", params)
            row = cursor.fetchone()
            inserted = row is not None
            if not inserted:
                by_name = dict(zip(values, params, strict=True))
                sets = ", ".join(f"{qn(meta.get_field(n).column)} = %s" for n in update)
                where = " AND ".join(f"{qn(meta.get_field(n).column)} = %s" for n in unique)
                cursor.execute(
                    f"UPDATE {table} SET {sets} WHERE {where} RETURNING {returning}",  # noqa: S608
                    [*(by_name[n] for n in update), *(by_name[n] for n in unique)],
                )
                row = cursor.fetchone()
                if row is None:  # the conflicting row went between the two statements (outside a transaction)
                    return upsert_returning(model, unique=unique, values=values, update=update)
    instance = model.from_db(connection.alias, [f.attname for f in returned], _convert(connection, meta, returned, row))
    return instance, bool(inserted)


def _convert(connection, meta, fields, row) -> list[Any]:
    """The values of ``row`` as the ORM would give them (e.g. SQLite's
    datetimes arrive as text): the backend's and each field's converters."""
    out = []
    for field, value in zip(fields, row, strict=True):
        col = Col(meta.db_table, field)
        for convert in (*connection.ops.get_db_converters(col), *field.get_db_converters(connection)):
            value = convert(value, col, connection)
        out.append(value)
    return out
