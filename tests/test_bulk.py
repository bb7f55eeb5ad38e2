"""store/bulk.py writes exactly what the table's own INSERT and UPDATE would, on SQLite and PostgreSQL."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError

from thana.store.bulk import insert_many, new_ids, one_of, update_many
from thana.store.db import Database
from thana.store.schema import outbox

BEFORE = datetime.now(UTC)
TEMPLATE = {"name": "ack", "params": ["MUM-26-000001", None, 'a\tb\\c\nनमस्कार "quoted"'], "n": 1.5}


def _message(key: str, template: dict | None = None) -> dict:
    return {
        "idempotency_key": key,
        "kind": "reply",
        "channel": "sms",
        "recipient": "+919820000000",
        "body": "नमस्कार, तक्रार नोंदवली आहे\tline two\nline three \\ back",
        "template": template,
    }


def _rows(db: Database) -> list[dict]:
    with db.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(outbox).order_by(outbox.c.id)).mappings()]


def test_insert_many_fills_python_defaults_and_keeps_text_and_json_exactly(db):
    with db.engine.begin() as conn:
        insert_many(conn, outbox, [_message("a", TEMPLATE), _message("b")])
    first, second = _rows(db)
    assert first["body"] == _message("a")["body"]  # tabs, newlines, backslashes and Devanagari survive COPY
    assert first["template"] == TEMPLATE  # in JSON too
    assert second["template"] is None
    for row in (first, second):
        assert (row["status"], row["attempts"], row["public"]) == ("pending", 0, False)
        assert row["created_at"] >= BEFORE and row["next_attempt_at"].tzinfo is not None


def test_insert_many_raises_sqlalchemys_integrity_error_and_writes_nothing(db):
    with db.engine.begin() as conn:
        insert_many(conn, outbox, [_message("same")])
    with pytest.raises(IntegrityError), db.engine.begin() as conn:
        insert_many(conn, outbox, [_message("other"), _message("same")])
    assert [r["idempotency_key"] for r in _rows(db)] == ["same"]


def test_insert_many_refuses_a_naive_time(db):
    with pytest.raises((ValueError, StatementError), match="naive"), db.engine.begin() as conn:
        insert_many(conn, outbox, [_message("n") | {"created_at": datetime(2026, 1, 1)}])


def test_update_many_changes_each_row_by_its_key_and_nothing_else(db):
    with db.engine.begin() as conn:
        insert_many(conn, outbox, [_message(k) for k in "abc"])
    ids = [r["id"] for r in _rows(db)]
    sent = datetime(2026, 6, 15, 10, 0, tzinfo=UTC)
    with db.engine.begin() as conn:
        update_many(
            conn,
            outbox,
            [
                {"id": ids[0], "status": "sent", "sent_at": sent, "last_error": None},
                {"id": ids[2], "status": "failed", "sent_at": None, "last_error": "400: bad number"},
            ],
        )
    a, b, c = _rows(db)
    assert (a["status"], a["sent_at"], a["last_error"]) == ("sent", sent, None)
    assert (b["status"], b["sent_at"]) == ("pending", None)
    assert (c["status"], c["last_error"]) == ("failed", "400: bad number")


def test_update_many_refuses_a_naive_time(db):
    with db.engine.begin() as conn:
        insert_many(conn, outbox, [_message("a")])
    [row] = _rows(db)
    with pytest.raises((ValueError, StatementError), match="naive"), db.engine.begin() as conn:
        update_many(conn, outbox, [{"id": row["id"], "sent_at": datetime(2026, 1, 1, 12, 0)}])


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)  # SQLite does not enforce VARCHAR lengths
def test_update_many_refuses_a_value_too_long_rather_than_cutting_it(db):
    with db.engine.begin() as conn:
        insert_many(conn, outbox, [_message("a")])
    [row] = _rows(db)
    with pytest.raises(DBAPIError, match="too long"), db.engine.begin() as conn:
        update_many(conn, outbox, [{"id": row["id"], "status": "x" * 40}])
    assert _rows(db)[0]["status"] == "pending"


def test_insert_many_on_a_connection_without_a_transaction_commits_with_it(db):
    with db.engine.connect() as conn:
        insert_many(conn, outbox, [_message("a")])
        conn.commit()
    assert [r["idempotency_key"] for r in _rows(db)] == ["a"]


def test_new_ids_are_free_ascending_and_the_tables_own_inserts_never_reuse_them(db):
    with db.engine.begin() as conn:
        insert_many(conn, outbox, [_message("first")])
        ids = new_ids(conn, outbox, 3)
        assert ids == sorted(ids) and len(set(ids)) == 3
        assert min(ids) > _rows_in(conn)[0]
        insert_many(conn, outbox, [_message(f"given-{k}") | {"id": i} for k, i in enumerate(ids)])
        conn.execute(outbox.insert().values(_message("after")))  # the table's own id, after those taken
        assert new_ids(conn, outbox, 0) == []
    rows = _rows(db)
    assert [r["idempotency_key"] for r in rows] == ["first", "given-0", "given-1", "given-2", "after"]
    assert [r["id"] for r in rows[1:4]] == ids and rows[4]["id"] > ids[-1]


def _rows_in(conn) -> list[int]:
    return list(conn.execute(select(outbox.c.id).order_by(outbox.c.id)).scalars())


def test_one_of_matches_exactly_what_in_would(db):
    with db.engine.begin() as conn:
        widest = "k" * outbox.c.idempotency_key.type.length
        insert_many(conn, outbox, [_message("abc"), _message("abcdef"), _message("xyz"), _message(widest)])

        def keys(values) -> list[str]:
            query = select(outbox.c.idempotency_key).where(one_of(conn, outbox.c.idempotency_key, values))
            return sorted(conn.execute(query).scalars())

        assert keys(["abc", "xyz", "nothing"]) == ["abc", "xyz"]
        assert keys({"abcdef"}) == ["abcdef"]
        assert keys([]) == []
        assert keys([widest + "more"]) == []  # longer than the column: no match, not one cut to fit
        ids = list(conn.execute(select(outbox.c.id).order_by(outbox.c.id)).scalars())
        assert list(conn.execute(select(outbox.c.id).where(one_of(conn, outbox.c.id, ids[1:]))).scalars()) == ids[1:]


def test_sqlite_without_math_functions_gets_a_floor_that_bands_as_python_does():
    """The incident lookup bands latitudes with floor() in SQL and math.floor in Python; an SQLite built
    without its math functions is given one, which must agree (negatives, exact values, NULL), and so
    must the built-in where there is one."""
    import math
    import sqlite3

    from thana.store.db import _floor

    values = [-33.8688, -0.5, -0.0, 0.0, 0.5, 19.0760, 4242.0, 1e-12, None]
    plain = sqlite3.connect(":memory:")
    plain.create_function("py_floor", 1, _floor, deterministic=True)
    try:
        plain.execute("SELECT floor(1.5)")
        built_in = True
    except sqlite3.OperationalError:
        built_in = False
    for value in values:
        expected = None if value is None else math.floor(value)
        ours = plain.execute("SELECT py_floor(?)", (value,)).fetchone()[0]
        assert ours == expected, value
        if built_in:
            assert plain.execute("SELECT floor(?)", (value,)).fetchone()[0] == expected, value


def test_json_that_orjson_refuses_is_still_stored_and_read(db):
    """A payload's 20-digit media id or a float subclass was stored by json.dumps; it still is. NaN,
    which json.dumps wrote, is still read."""
    import numpy as np

    from thana.store.db import json_text, json_value

    odd = {"params": [2**64, np.float64(0.25)]}
    with db.engine.begin() as conn:
        insert_many(conn, outbox, [_message("odd", odd)])
    [row] = _rows(db)
    assert row["template"] == {"params": [2**64, 0.25]}
    assert json_value(json_text({"a": [1, "२"]})) == {"a": [1, "२"]}
    assert math.isnan(json_value('{"x": NaN}')["x"])


def test_insert_many_stores_what_the_tables_own_insert_stores(db):
    """Row for row, the same values and the same NULLs (a missing template is JSON null, as SQLAlchemy
    writes it), whatever way the rows travel (binary COPY on PostgreSQL)."""
    times = {"created_at": BEFORE, "next_attempt_at": BEFORE, "attempts": 3, "public": True}
    with db.engine.begin() as conn:
        insert_many(conn, outbox, [_message("copy", TEMPLATE) | times, _message("copy-null") | times])
        conn.execute(outbox.insert(), [_message("plain", TEMPLATE) | times, _message("plain-null") | times])
    by_key = {r["idempotency_key"]: r for r in _rows(db)}
    for kind in ("", "-null"):
        copied, inserted = by_key[f"copy{kind}"], by_key[f"plain{kind}"]
        for column in outbox.c:
            if column.name not in ("id", "idempotency_key"):
                assert copied[column.name] == inserted[column.name], column.name
    assert (by_key["copy"]["created_at"], by_key["copy"]["attempts"], by_key["copy"]["public"]) == (BEFORE, 3, True)
    with db.engine.connect() as conn:
        nulls = conn.execute(select(outbox.c.idempotency_key, outbox.c.template.is_(None)).order_by(outbox.c.id)).all()
    assert [is_null for _, is_null in nulls[:2]] == [is_null for _, is_null in nulls[2:]]
