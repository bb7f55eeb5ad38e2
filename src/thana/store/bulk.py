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
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    Integer,
    String,
    Table,
    Text,
    TypeDecorator,
    any_,
    bindparam,
    func,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.elements import ColumnElement

from thana.store.db import json_text


def insert_many(conn: Connection, table: Table, rows: list[dict]) -> None:
    """INSERT the rows (all with the same keys) into the table."""
    if not rows:
        return
    if not _copies(conn):
        conn.execute(table.insert(), rows)
        return
    if not conn.in_transaction():
        conn.begin()  # COPY goes round SQLAlchemy, which would not know a transaction had started
    given = list(rows[0])
    defaults = _python_defaults(table, given)
    names = given + list(defaults)
    # Binary COPY: times go as numbers, not as text psycopg writes and the server reads back (isoformat
    # was a tenth of the intake's COPY time). JSON goes as the engine's serializer writes it.
    types = [_binary_type(table.c[name], conn) for name in names]
    json_at = [i for i, kind in enumerate(types) if kind in ("json", "jsonb")]
    time_at = [i for i, kind in enumerate(types) if kind.startswith("timestamp")]
    quoted = ", ".join(f'"{name}"' for name in names)
    statement = f'COPY "{table.name}" ({quoted}) FROM STDIN (FORMAT BINARY)'
    cursor = conn.connection.driver_connection.cursor()
    try:
        with cursor, cursor.copy(statement) as copy:
            copy.set_types(types)
            for row in rows:
                values = [row[name] for name in given] + [make() for make in defaults.values()]
                for i in json_at:
                    values[i] = Jsonb(values[i], dumps=json_text)  # None too: JSON null, as SQLAlchemy writes it
                for i in time_at:
                    _aware(values[i])
                copy.write_row(values)
    except psycopg.Error as error:  # as SQLAlchemy would raise it (IntegrityError on a conflict, …)
        raise DBAPIError.instance(statement, None, error, psycopg.Error, dialect=conn.dialect) from error


_BINARY = {BigInteger: "int8", Integer: "int4", Boolean: "bool", Float: "float8", JSONB: "jsonb", JSON: "json"}


def _binary_type(column, conn: Connection) -> str:
    """The PostgreSQL type a column's values are sent as in binary COPY."""
    kind = column.type.dialect_impl(conn.dialect)
    if isinstance(kind, TypeDecorator):
        kind = kind.impl
    if isinstance(kind, String):
        return "text"  # varchar's binary form is text's
    if isinstance(kind, DateTime):
        return "timestamptz" if kind.timezone else "timestamp"
    for sqltype, name in _BINARY.items():
        if isinstance(kind, sqltype):
            return name
    raise TypeError(f"no binary COPY type for {column} ({column.type})")


def update_many(conn: Connection, table: Table, rows: list[dict], key: str = "id") -> None:
    """UPDATE each row (all with the same keys) where the table's `key` column equals the row's."""
    if not rows:
        return
    columns = [name for name in rows[0] if name != key]
    if not _copies(conn):
        conn.execute(
            update(table)
            .where(table.c[key] == bindparam(f"b_{key}"))
            .values({name: bindparam(f"b_{name}") for name in columns}),
            [{f"b_{name}": value for name, value in row.items()} for row in rows],
        )
        return
    names = [key, *columns]
    if any(isinstance(table.c[n].type, JSON) for n in names):
        raise ValueError("update_many does not update JSON columns")
    arrays = ", ".join(f"CAST(:{n} AS {_array_type(table.c[n], conn)})" for n in names)
    assignments = ", ".join(f'"{n}" = v."{n}"' for n in columns)
    aliases = ", ".join(f'"{n}"' for n in names)
    # The key's array a second time, as `= ANY`: the planner then finds the rows by the key's index. Joined
    # to the unnest alone it guesses the unnest's size and, with statistics a little stale, hashes it
    # against a scan of the whole table, every batch (4 ms at 10,000 rows, growing with the table).
    statement = text(
        f'UPDATE "{table.name}" AS t SET {assignments} '
        f"FROM unnest({arrays}) AS v({aliases}) "
        f'WHERE t."{key}" = v."{key}" AND t."{key}" = ANY(CAST(:{key} AS {_array_type(table.c[key], conn)}))'
    )
    conn.execute(statement, {n: [_aware(row[n]) for row in rows] for n in names})


def one_of(conn: Connection, column, values) -> ColumnElement[bool]:
    """`column IN values`; on PostgreSQL `column = ANY(array)`, one parameter whatever the number of values,
    so the statement's text stays the same and the driver does not parse a new one for every batch."""
    values = list(values)
    if conn.dialect.name == "postgresql":
        return column == any_(literal(values, ARRAY(_array_element(column))))
    return column.in_(values)


def new_ids(conn: Connection, table: Table, n: int) -> list[int]:
    """n fresh primary keys, ascending, for rows about to be inserted: rows of one batch can then refer
    to each other, and nothing has to be read back after the insert.

    PostgreSQL takes them from the column's sequence. On SQLite the caller holds the write lock (every
    write transaction begins IMMEDIATE), so the numbers after the largest are free until it commits."""
    if n <= 0:
        return []
    if conn.dialect.name == "postgresql":
        taken = conn.execute(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
            {"table": table.name, "n": n},
        ).scalars()
        return sorted(taken)
    top = conn.execute(select(func.max(table.c.id))).scalar() or 0
    return list(range(top + 1, top + n + 1))


def _copies(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg"


def _array_type(column, conn: Connection) -> str:
    return f"{_array_element(column).compile(dialect=conn.dialect)}[]"


def _array_element(column):
    # Text, not VARCHAR(n): a cast to VARCHAR(n) cuts a longer value, which would then match or be stored
    # cut; as text it is refused by the column, or matches nothing.
    return Text() if isinstance(column.type, String) else column.type


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
