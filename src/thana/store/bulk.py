"""Many rows at once, the fast way for each database: the intake writes hundreds of rows per batch.

On PostgreSQL an executemany is one statement per row, each parsed, planned and answered; COPY sends
all the rows in one stream, and an UPDATE over unnested arrays changes them all in one statement. On
SQLite, in process, executemany is already cheap. The rows given are written exactly as the table's
own INSERT would write them: Python-side column defaults are filled in, JSON stays JSON (None is
JSON null, as SQLAlchemy stores it).
"""

from __future__ import annotations

from datetime import datetime

import psycopg
from psycopg.types.json import Jsonb
from sqlalchemy import JSON, Table, bindparam, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError


def insert_many(conn: Connection, table: Table, rows: list[dict]) -> None:
    """INSERT the rows (all with the same keys) into the table."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(table.insert(), rows)
        return
    given = list(rows[0])
    defaults = _python_defaults(table, given)
    names = given + list(defaults)
    json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
    quoted = ", ".join(f'"{name}"' for name in names)
    statement = f'COPY "{table.name}" ({quoted}) FROM STDIN'
    cursor = conn.connection.driver_connection.cursor()
    try:
        with cursor, cursor.copy(statement) as copy:
            for row in rows:
                values = [row[name] for name in given] + [make() for make in defaults.values()]
                copy.write_row(
                    [Jsonb(v) if n in json_columns else _aware(v) for n, v in zip(names, values, strict=True)]
                )
    except psycopg.Error as error:  # as SQLAlchemy would raise it (IntegrityError on a conflict, …)
        raise DBAPIError.instance(statement, None, error, psycopg.Error, dialect=conn.dialect) from error


def update_many(conn: Connection, table: Table, rows: list[dict], key: str = "id") -> None:
    """UPDATE each row (all with the same keys) where the table's `key` column equals the row's."""
    if not rows:
        return
    columns = [name for name in rows[0] if name != key]
    if conn.dialect.name != "postgresql":
        conn.execute(
            update(table)
            .where(table.c[key] == bindparam(f"b_{key}"))
            .values({name: bindparam(f"b_{name}") for name in columns}),
            [{f"b_{name}": value for name, value in row.items()} for row in rows],
        )
        return
    names = [key, *columns]
    arrays = ", ".join(f"CAST(:{n} AS {table.c[n].type.compile(dialect=conn.dialect)}[])" for n in names)
    assignments = ", ".join(f'"{n}" = v."{n}"' for n in columns)
    aliases = ", ".join(f'"{n}"' for n in names)
    statement = text(
        f'UPDATE "{table.name}" AS t SET {assignments} '
        f'FROM unnest({arrays}) AS v({aliases}) WHERE t."{key}" = v."{key}"'
    )
    conn.execute(statement, {n: [row[n] for row in rows] for n in names})


def _python_defaults(table: Table, given: list[str]) -> dict:
    """column name -> a function giving its Python-side default, for columns the rows leave out."""
    out = {}
    for column in table.columns:
        if column.name in given or column.default is None or column.autoincrement is True:
            continue
        default = column.default
        if default.is_scalar:
            out[column.name] = lambda value=default.arg: value
        elif default.is_callable:
            out[column.name] = lambda make=default.arg: make(None)
    return out


def _aware(value):
    if isinstance(value, datetime) and value.tzinfo is None:
        raise ValueError("naive datetime given to the database; use an aware UTC time")
    return value
