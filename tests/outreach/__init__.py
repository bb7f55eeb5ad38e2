"""Shared helpers for the outreach tests: signed-in officers (session cookie + CSRF token, the way the pages and
the API see a person), societies registered through the public API and read back from the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from thana.force.model import Force
from thana.store.db import Database
from thana.store.schema import outbox, referrals, societies
from thana.store.users import create_user, start_session
from thana.web.auth import SESSION_COOKIE

PASSWORD = "a long password 1"


@dataclass
class Officer:
    """A signed-in officer: an HTTP client carrying their session cookie, and their CSRF token."""

    id: int
    username: str
    csrf: str
    client: TestClient

    @property
    def actor(self) -> str:
        return f"user:{self.id}"

    def get(self, path: str, **kw):
        return self.client.get(path, **kw)

    def post(self, path: str, **kw):
        return self.client.post(path, headers={"X-CSRF-Token": self.csrf} | kw.pop("headers", {}), **kw)

    def patch(self, path: str, **kw):
        return self.client.patch(path, headers={"X-CSRF-Token": self.csrf} | kw.pop("headers", {}), **kw)


def sign_in(
    db: Database,
    force: Force,
    app,
    username: str,
    unit: str | None = "charkop",
    *,
    role: str = "desk_officer",
    desks: str = "",
) -> Officer:
    """Create an officer (optionally on a desk, e.g. "women") and a live session for them."""
    user_id = create_user(
        db, force, username, role=role, unit_id=unit, password=PASSWORD, display_name=username.title(), desks=desks
    )
    cookie, csrf = start_session(db, user_id)
    client = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
    client.cookies.set(SESSION_COOKIE, cookie)
    return Officer(user_id, username, csrf, client)


def iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat()


def ago(**delta) -> datetime:
    return datetime.now(UTC) - timedelta(**delta)


def recent(when: datetime | str | None, within: timedelta = timedelta(minutes=5)) -> bool:
    if isinstance(when, str):
        when = datetime.fromisoformat(when)
    return when is not None and abs(datetime.now(UTC) - when) < within


# -- reading the database ----------------------------------------------------------------------------------


def all_rows(db: Database, table, *where) -> list[dict]:
    with db.engine.connect() as conn:
        stmt = select(table).where(*where).order_by(*table.primary_key.columns)
        return [dict(r) for r in conn.execute(stmt).mappings()]


def society(db: Database, society_id: int) -> dict:
    [row] = all_rows(db, societies, societies.c.id == society_id)
    return row


def advisory_rows(db: Database, advisory_id: int | None = None) -> list[dict]:
    where = outbox.c.kind == "advisory"
    if advisory_id is not None:
        where = outbox.c.idempotency_key.like(f"advisory:{advisory_id}:%")
    return all_rows(db, outbox, where)


def referral_rows(db: Database) -> list[dict]:
    return all_rows(db, referrals)


# -- societies through the public API ----------------------------------------------------------------------


def register(client: TestClient, name: str, phone: str, address: str = "Sector 8, Charkop, Kandivali West", **kw):
    body = {"name": name, "address": address, "secretary_name": f"Secretary of {name}", "secretary_phone": phone}
    return client.post("/api/v1/societies", json=body | kw)


def phone_of(n: int) -> str:
    """A distinct Indian mobile number per n, written the way a secretary would type it."""
    digits = f"98200{n:05d}"
    return f"+91 {digits[:5]} {digits[5:]}"
