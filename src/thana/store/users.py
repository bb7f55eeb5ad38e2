"""Officers, sign-in sessions and API tokens. Passwords are argon2 hashes; tokens are stored hashed."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from thana.cases.access import Principal, check_role_unit
from thana.force.model import Force
from thana.store.db import Database
from thana.store.schema import api_tokens, sessions, users, utcnow

HASHER = PasswordHasher()
SESSION_LIFETIME = timedelta(hours=12)
TOKEN_PREFIX = "thana_"


class UserError(ValueError):
    pass


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _validate(force: Force, role: str, unit_id: str | None) -> None:
    unit = force.units.get(unit_id) if unit_id else None
    if unit_id and unit is None:
        raise UserError(f"no unit {unit_id!r} in {force.id}; `thana force show --json` lists them")
    problem = check_role_unit(role, unit.kind if unit else None)
    if problem:
        raise UserError(problem)


def create_user(
    db: Database,
    force: Force,
    username: str,
    *,
    role: str,
    unit_id: str | None,
    password: str,
    display_name: str | None = None,
    desks: str = "",
) -> int:
    _validate(force, role, unit_id)
    if len(password) < 10:
        raise UserError("the password needs at least 10 characters")
    if not username or len(username) > 80 or not username.replace(".", "").replace("-", "").replace("_", "").isalnum():
        raise UserError("a username is letters, digits, '.', '-' or '_' (at most 80)")
    try:
        with db.engine.begin() as conn:
            result = conn.execute(
                users.insert().values(
                    username=username,
                    display_name=display_name or username,
                    role=role,
                    unit_id=unit_id,
                    desks=desks,
                    password_hash=HASHER.hash(password),
                    active=True,
                    created_at=utcnow(),
                )
            )
            return int(result.inserted_primary_key[0])
    except IntegrityError:
        raise UserError(f"a user {username!r} already exists") from None


def principal_of(row) -> Principal:
    return Principal(
        "user", row.id, row.display_name, row.role, row.unit_id, frozenset(d for d in (row.desks or "").split(",") if d)
    )


def authenticate(db: Database, username: str, password: str) -> Principal | None:
    with db.engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.username == username, users.c.active.is_(True))).first()
    try:
        if row is None:
            HASHER.hash(password)  # the same work whether or not the user exists
            return None
        HASHER.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    with db.engine.begin() as conn:
        conn.execute(update(users).where(users.c.id == row.id).values(last_login_at=utcnow()))
    return principal_of(row)


def start_session(db: Database, user_id: int) -> tuple[str, str]:
    """(cookie token, CSRF token) for a new session."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    now = utcnow()
    with db.engine.begin() as conn:
        conn.execute(
            sessions.insert().values(
                id=_sha(token), user_id=user_id, csrf_token=csrf, created_at=now, expires_at=now + SESSION_LIFETIME
            )
        )
    return token, csrf


def session_principal(db: Database, token: str) -> tuple[Principal, str] | None:
    """(principal, CSRF token) of a live session, or None."""
    with db.engine.connect() as conn:
        row = conn.execute(
            select(users, sessions.c.csrf_token)
            .join(sessions, sessions.c.user_id == users.c.id)
            .where(sessions.c.id == _sha(token), sessions.c.expires_at > utcnow(), users.c.active.is_(True))
        ).first()
    return (principal_of(row), row.csrf_token) if row else None


def end_session(db: Database, token: str) -> None:
    with db.engine.begin() as conn:
        conn.execute(sessions.delete().where(sessions.c.id == _sha(token)))


def create_token(db: Database, force: Force, *, name: str, role: str, unit_id: str | None) -> str:
    _validate(force, role, unit_id)
    if not name.strip():
        raise UserError("a token needs a name (who uses it)")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with db.engine.begin() as conn:
        conn.execute(
            api_tokens.insert().values(
                name=name, token_hash=_sha(token), role=role, unit_id=unit_id, created_at=utcnow()
            )
        )
    return token


def token_principal(db: Database, token: str) -> Principal | None:
    with db.engine.connect() as conn:
        row = conn.execute(
            select(api_tokens).where(api_tokens.c.token_hash == _sha(token), api_tokens.c.revoked_at.is_(None))
        ).first()
    if row is None:
        return None
    return Principal("token", row.id, row.name, row.role, row.unit_id)


def list_users(db: Database) -> list[dict]:
    with db.engine.connect() as conn:
        return [
            dict(r)
            for r in conn.execute(
                select(
                    users.c.id,
                    users.c.username,
                    users.c.display_name,
                    users.c.role,
                    users.c.unit_id,
                    users.c.desks,
                    users.c.active,
                )
            ).mappings()
        ]


def user_by_name(db: Database, username: str) -> Principal | None:
    with db.engine.connect() as conn:
        row = conn.execute(select(users).where(users.c.username == username, users.c.active.is_(True))).first()
    return principal_of(row) if row else None
