"""Storing what channels deliver: durably, first, and once (unique on channel + external id)."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite

from thana.channels import IncomingMessage
from thana.store.db import Database
from thana.store.schema import inbound, unparsed, utcnow


def _insert(db: Database, table):
    return postgresql.insert(table) if db.is_postgres else sqlite.insert(table)


def save_incoming(db: Database, messages: list[IncomingMessage]) -> tuple[int, int]:
    """Store messages; a redelivery (same channel and external id) is a no-op. (stored, duplicates)."""
    if not messages:
        return 0, 0
    rows = [m.row() | {"stored_at": utcnow(), "status": "pending", "attempts": 0} for m in messages]
    stmt = (
        _insert(db, inbound).on_conflict_do_nothing(index_elements=["channel", "external_id"]).returning(inbound.c.id)
    )
    with db.engine.begin() as conn:
        stored = len(conn.execute(stmt, rows).all())
    return stored, len(messages) - stored


def save_unparsed(db: Database, channel: str, reason: str, raw: bytes | str) -> int:
    """Keep a payload nobody could read, with the reason, for administrators."""
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    with db.engine.begin() as conn:
        result = conn.execute(
            unparsed.insert().values(channel=channel, reason=reason[:2000], raw=text, received_at=utcnow())
        )
        return int(result.inserted_primary_key[0])
