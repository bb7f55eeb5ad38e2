"""The database tables (SQLAlchemy 2). Alembic migrations in store/migrations create them.

The same tables serve the embedded SQLite database and PostgreSQL. Times are stored in UTC and
always come back timezone-aware.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# BIGINT on PostgreSQL, INTEGER (the rowid alias, so it autoincrements) on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")
Json = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in and out, whatever the database keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use an aware UTC time")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Inbound(Base):
    """A message as a channel delivered it, stored before anything else happens to it."""

    __tablename__ = "inbound_messages"
    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_inbound_channel_external"),
        Index("ix_inbound_pending", "status", "id"),
        Index("ix_inbound_case", "case_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(16), default="message")  # message, edit, delete, reaction
    sender: Mapped[str | None] = mapped_column(String(200))
    sender_name: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")  # for display: at most TEXT_LIMIT characters
    text_truncated: Mapped[bool] = mapped_column(Boolean, default=False)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    media: Mapped[list | None] = mapped_column(Json)
    addressed_to: Mapped[str | None] = mapped_column(String(200))  # handle or number written to
    thread_id: Mapped[str | None] = mapped_column(String(200))  # conversation, chat or thread
    reply_to: Mapped[str | None] = mapped_column(String(160))  # external id this message answers
    raw: Mapped[str | None] = mapped_column(Text)  # the payload, whole
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending, processed, failed
    outcome: Mapped[str | None] = mapped_column(String(24))  # new_case, attached, spam, edit, ...
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    processed_by: Mapped[str | None] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("cases.id"))
    public_token: Mapped[str | None] = mapped_column(String(64), unique=True)  # web and Open311: follow link


class Unparsed(Base):
    """A payload that could not be read as a message: kept with the reason, shown to administrators."""

    __tablename__ = "unparsed_payloads"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# The reports a new one is compared with: the partial index's condition, and the query's word for word
# (bracketed, as it sits among ANDs), so that SQLite sees the index applies.
_REACH = "incident_id IS NULL OR incident_id = id OR incident_latest"
INCIDENT_REACH = text(f"({_REACH})")


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_station_status", "station_id", "status"),
        Index("ix_cases_owner_status", "owner_unit_id", "status"),
        Index("ix_cases_zone_status", "zone_id", "status"),
        Index("ix_cases_received", "received_at"),
        Index("ix_cases_thread", "thread_key"),  # a citizen writing back after their case was closed
        # where a new report looks for its incident: ungrouped reports, and each incident's first and newest
        Index("ix_cases_incident_reach", "lat", "lon", postgresql_where=text(_REACH), sqlite_where=text(_REACH)),
        # the zone monitor reads a zone's last 30 days from this index alone (no heap fetches)
        Index(
            "ix_cases_zone_received",
            "zone_id",
            "received_at",
            postgresql_include=[
                "station_id",
                "priority",
                "status",
                "ack_due_at",
                "acknowledged_at",
                "first_response_at",
                "resolved_at",
                "escalation_level",
            ],
        ),
        Index(
            "ix_cases_agency_received",
            "agency_id",
            "received_at",
            postgresql_where=text("agency_id IS NOT NULL"),
            sqlite_where=text("agency_id IS NOT NULL"),
        ),
        Index(
            "ix_cases_incident",
            "incident_id",
            postgresql_where=text("incident_id IS NOT NULL"),
            sqlite_where=text("incident_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    force_id: Mapped[str] = mapped_column(String(40))
    force_version: Mapped[str | None] = mapped_column(String(40))  # the package it was routed under
    station_id: Mapped[str | None] = mapped_column(String(64))  # the station of the place; None: HQ queue
    owner_unit_id: Mapped[str | None] = mapped_column(String(64))  # who handles it (station, cyber, ACP, …)
    division_id: Mapped[str | None] = mapped_column(String(64))
    zone_id: Mapped[str | None] = mapped_column(String(64))
    region_id: Mapped[str | None] = mapped_column(String(64))
    desk: Mapped[str | None] = mapped_column(String(16))  # "women" for the women's desk
    category: Mapped[str] = mapped_column(String(24))
    priority: Mapped[str | None] = mapped_column(String(4))
    language: Mapped[str | None] = mapped_column(String(12))
    agency_id: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), default="new")
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    channel: Mapped[str] = mapped_column(String(16))
    citizen: Mapped[str | None] = mapped_column(String(200))  # channel address of the citizen
    thread_key: Mapped[str | None] = mapped_column(String(240))  # channel:thread, to attach follow-ups
    open_key: Mapped[str | None] = mapped_column(String(240), unique=True)  # thread_key while open, else NULL
    routed_by: Mapped[str | None] = mapped_column(String(16))  # handle, number, coordinates, place, nearest, hq
    route: Mapped[dict | None] = mapped_column(Json)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    place_name: Mapped[str | None] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    triage: Mapped[dict | None] = mapped_column(Json)  # decision, explanation, model version
    model_version: Mapped[str | None] = mapped_column(String(40))
    incident_id: Mapped[int | None] = mapped_column(BigId)
    incident_latest: Mapped[bool | None] = mapped_column(Boolean)  # the newest report of its incident
    merged_into_id: Mapped[int | None] = mapped_column(BigId)
    assigned_to: Mapped[int | None] = mapped_column(BigId)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    public_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ack_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    action_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalate_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)  # next service-level check
    escalated_to: Mapped[str | None] = mapped_column(String(64))  # the unit the last breach went up to


class CaseEvent(Base):
    """Append-only audit: who did what to a case, when, with the state before and after."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_events_case", "case_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(80))  # "user:12", "worker:host-123", "system"
    kind: Mapped[str] = mapped_column(String(32))
    before: Mapped[dict | None] = mapped_column(Json)
    after: Mapped[dict | None] = mapped_column(Json)
    detail: Mapped[dict | None] = mapped_column(Json)


class Outbox(Base):
    """A message to send on a channel. Unique idempotency keys make 'never twice' a database fact."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_case", "case_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    case_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("cases.id"))
    kind: Mapped[str] = mapped_column(String(16))  # ack, reply, advisory, notification
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str | None] = mapped_column(String(200))
    thread_id: Mapped[str | None] = mapped_column(String(200))
    reply_to: Mapped[str | None] = mapped_column(String(160))  # the citizen's message we answer
    sender_address: Mapped[str | None] = mapped_column(String(200))  # the handle or number we answer from
    body: Mapped[str] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(Boolean, default=False)  # visible to everyone (an X post)
    template: Mapped[dict | None] = mapped_column(Json)
    language: Mapped[str | None] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, sending, sent, window_closed…
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    provider_id: Mapped[str | None] = mapped_column(String(160), index=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    author: Mapped[str | None] = mapped_column(String(80))


class ReferenceBlock(Base):
    """Counters for case references, handed out to workers in blocks (no lock held per case)."""

    __tablename__ = "reference_counters"

    prefix: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    next_value: Mapped[int] = mapped_column(BigInteger, default=1)


class TriageLabel(Base):
    """An officer's correction of a triage decision: training data for the force's own model."""

    __tablename__ = "triage_labels"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("cases.id"))
    text: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(24))
    priority: Mapped[str | None] = mapped_column(String(4))
    was_category: Mapped[str | None] = mapped_column(String(24))
    was_priority: Mapped[str | None] = mapped_column(String(4))
    model_version: Mapped[str | None] = mapped_column(String(40))
    labelled_by: Mapped[str] = mapped_column(String(80))
    labelled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class User(Base):
    """An officer (or administrator) who signs in to the pages and acts on cases."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(24))
    unit_id: Mapped[str | None] = mapped_column(String(64))
    desks: Mapped[str] = mapped_column(String(80), default="")  # e.g. "women": member of the women's desk
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebSession(Base):
    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie's token
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ApiToken(Base):
    """A token for an integration: a role and a unit, like a user, sent as Authorization: Bearer."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(24))
    unit_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Notification(Base):
    """A message to a unit's officers: an escalation, an emergency, a transfer in."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_unit", "unit_id", "read_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    unit_id: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("cases.id"))
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Dispatch(Base):
    """A Nirbhaya squad sent to a case: when it left, when it reached, what came of it."""

    __tablename__ = "dispatches"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"), index=True)
    squad: Mapped[str] = mapped_column(String(120))
    vehicle: Mapped[str | None] = mapped_column(String(40))
    dispatched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Society(Base):
    """A housing society linked to its police station (one message from it alerts the station)."""

    __tablename__ = "societies"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(Text)
    secretary_name: Mapped[str] = mapped_column(String(200))
    secretary_phone: Mapped[str] = mapped_column(String(20), index=True)  # digits with country code
    station_id: Mapped[str | None] = mapped_column(String(64), index=True)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending, verified, rejected
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    verified_by: Mapped[str | None] = mapped_column(String(80))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Advisory(Base):
    """A station's message to all its verified societies (sent as WhatsApp templates, one each)."""

    __tablename__ = "advisories"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    station_id: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Referral(Base):
    """A women's-safety case referred to a counselling centre, with the citizen's consent recorded."""

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"), index=True)
    centre_id: Mapped[str] = mapped_column(String(64))
    consent: Mapped[bool] = mapped_column(Boolean)
    consent_note: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="referred")
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class KeyValue(Base):
    """Small durable state: poller cursors (X since_id), flags."""

    __tablename__ = "kv"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


inbound = Inbound.__table__
unparsed = Unparsed.__table__
cases = Case.__table__
case_events = CaseEvent.__table__
outbox = Outbox.__table__
reference_counters = ReferenceBlock.__table__
kv = KeyValue.__table__
triage_labels = TriageLabel.__table__
users = User.__table__
sessions = WebSession.__table__
api_tokens = ApiToken.__table__
notifications = Notification.__table__
dispatches = Dispatch.__table__
societies = Society.__table__
advisories = Advisory.__table__
referrals = Referral.__table__
