"""initial

Revision ID: 0001
Revises:
Create Date: 2026-12-05 21:07:54.383399
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import thana.store.schema

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "advisories",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("station_id", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", thana.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=24), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", thana.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", thana.store.schema.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", thana.store.schema.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("force_id", sa.String(length=40), nullable=False),
        sa.Column("force_version", sa.String(length=40), nullable=True),
        sa.Column("station_id", sa.String(length=64), nullable=True),
        sa.Column("owner_unit_id", sa.String(length=64), nullable=True),
        sa.Column("division_id", sa.String(length=64), nullable=True),
        sa.Column("zone_id", sa.String(length=64), nullable=True),
        sa.Column("region_id", sa.String(length=64), nullable=True),
        sa.Column("desk", sa.String(length=16), nullable=True),
        sa.Column("category", sa.String(length=24), nullable=False),
        sa.Column("priority", sa.String(length=4), nullable=True),
        sa.Column("language", sa.String(length=12), nullable=True),
        sa.Column("agency_id", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sensitive", sa.Boolean(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("citizen", sa.String(length=200), nullable=True),
        sa.Column("thread_key", sa.String(length=240), nullable=True),
        sa.Column("open_key", sa.String(length=240), nullable=True),
        sa.Column("routed_by", sa.String(length=16), nullable=True),
        sa.Column(
            "route", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("place_name", sa.String(length=200), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column(
            "triage", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.Column("model_version", sa.String(length=40), nullable=True),
        sa.Column("incident_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("incident_latest", sa.Boolean(), nullable=True),
        sa.Column("merged_into_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("assigned_to", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("public_token", sa.String(length=64), nullable=True),
        sa.Column("received_at", thana.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", thana.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", thana.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ack_due_at", thana.store.schema.UTCDateTime(timezone=True), nullable=True),
        sa.Column("action_due_at", thana.store.schema.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", thana.store.schema.UTCDateTime(timezone=True), nullable=True),
        sa.Column("first_response_at", thana.store.schema.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", thana.store.schema.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", thana.store.schema.UTCDateTime(timezone=True), nullable=True),
        sa.Column("escalate_at", thana.store.schema.UTCDateTime(timezone=True), nullable=True),
        sa.Column("escalated_to", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("open_key"),
        sa.UniqueConstraint("public_token"),
        sa.UniqueConstraint("reference"),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cases_agency_received",
            ["agency_id", "received_at"],
            unique=False,
            postgresql_where=sa.text("agency_id IS NOT NULL"),
            sqlite_where=sa.text("agency_id IS NOT NULL"),
        )
        batch_op.create_index(batch_op.f("ix_cases_escalate_at"), ["escalate_at"], unique=False)
        batch_op.create_index(
            "ix_cases_incident",
            ["incident_id"],
            unique=False,
            postgresql_where=sa.text("incident_id IS NOT NULL"),
            sqlite_where=sa.text("incident_id IS NOT NULL"),
        )
        batch_op.create_index(
            "ix_cases_incident_reach",
            ["lat", "lon"],
            unique=False,
            postgresql_where=sa.text("incident_id IS NULL OR incident_id = id OR incident_latest"),
            sqlite_where=sa.text("incident_id IS NULL OR incident_id = id OR incident_latest"),
        )
        batch_op.create_index("ix_cases_owner_status", ["owner_unit_id", "status"], unique=False)
        batch_op.create_index("ix_cases_received", ["received_at"], unique=False)
        batch_op.create_index("ix_cases_station_status", ["station_id", "status"], unique=False)
        batch_op.create_index("ix_cases_thread", ["thread_key"], unique=False)
        batch_op.create_index(
            "ix_cases_zone_received",
            ["zone_id", "received_at"],
            unique=False,
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
        )
        batch_op.create_index("ix_cases_zone_status", ["zone_id", "status"], unique=False)

    op.create_table(
        "kv",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", thana.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "reference_counters",
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("next_value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("prefix", "year"),
    )
    op.create_table(
        "societies",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("secretary_name", sa.String(length=200), nullable=False),
        sa.Column("secretary_phone", sa.String(length=20), nullable=False),
        sa.Column("station_id", sa.String(length=64), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("registered_at", thana.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("verified_by", sa.String(length=80), nullable=True),
        sa.Column("verified_at", thana.store.schema.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("societies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_societies_secretary_phone"), ["secretary_phone"], unique=False)
        batch_op.create_index(batch_op.f("ix_societies_station_id"), ["station_id"], unique=False)

    op.create_table(
        "unparsed_payloads",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("received_at", thana.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=24), nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=True),
        sa.Column("desks", sa.String(length=80), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", thana.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", thana.store.schema.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_table(
        "case_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", thana.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column(
            "before", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.Column(
            "after", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.Column(
            "detail", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.create_index("ix_events_case", ["case_id", "id"], unique=False)

    op.create_table(
        "dispatches",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("squad", sa.String(length=120), nullable=False),
        sa.Column("vehicle", sa.String(length=40), nullable=True),
        sa.Column("dispatched_at", thana.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reached_at", thana.store.schema.UTCDateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=80), nullable=False),
        sa.Column("recorded_at", thana.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("dispatches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dispatches_case_id"), ["case_id"], unique=False)

    op.create_table(
        "inbound_messages",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=160), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("sender", sa.String(length=200), nullable=True),
        sa.Column("sender_name", sa.String(length=200), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_truncated", sa.Boolean(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column(
            "media", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.Column("addressed_to", sa.String(length=200), nullable=True),
        sa.Column("thread_id", sa.String(length=200), nullable=True),
        sa.Column("reply_to", sa.String(length=160), nullable=True),
        sa.Column("raw", sa.Text(), nullable=True),
        sa.Column("received_at", thana.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("stored_at", thana.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("outcome", sa.String(length=24), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("processed_at", thana.store.schema.UTCDateTime(timezone=True), nullable=True),
        sa.Column("processed_by", sa.String(length=64), nullable=True),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("public_token", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel", "external_id", name="uq_inbound_channel_external"),
        sa.UniqueConstraint("public_token"),
    )
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.create_index("ix_inbound_case", ["case_id"], unique=False)
        batch_op.create_index("ix_inbound_pending", ["status", "id"], unique=False)

    op.create_table(
        "notifications",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("unit_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", thana.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", thana.store.schema.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index("ix_notifications_unit", ["unit_id", "read_at"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("idempotency_key", sa.String(length=120), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=True),
        sa.Column("thread_id", sa.String(length=200), nullable=True),
        sa.Column("reply_to", sa.String(length=160), nullable=True),
        sa.Column("sender_address", sa.String(length=200), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column(
            "template", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.Column("language", sa.String(length=12), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", thana.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("provider_id", sa.String(length=160), nullable=True),
        sa.Column("last_attempt_at", thana.store.schema.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", thana.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", thana.store.schema.UTCDateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", thana.store.schema.UTCDateTime(timezone=True), nullable=True),
        sa.Column("read_at", thana.store.schema.UTCDateTime(timezone=True), nullable=True),
        sa.Column("author", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_case", ["case_id"], unique=False)
        batch_op.create_index("ix_outbox_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_provider_id"), ["provider_id"], unique=False)

    op.create_table(
        "referrals",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("centre_id", sa.String(length=64), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("consent_note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", thana.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", thana.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referrals_case_id"), ["case_id"], unique=False)

    op.create_table(
        "sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", thana.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", thana.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "triage_labels",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=24), nullable=False),
        sa.Column("priority", sa.String(length=4), nullable=True),
        sa.Column("was_category", sa.String(length=24), nullable=True),
        sa.Column("was_priority", sa.String(length=4), nullable=True),
        sa.Column("model_version", sa.String(length=40), nullable=True),
        sa.Column("labelled_by", sa.String(length=80), nullable=False),
        sa.Column("labelled_at", thana.store.schema.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:

    op.drop_table("triage_labels")
    op.drop_table("sessions")
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referrals_case_id"))

    op.drop_table("referrals")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_provider_id"))
        batch_op.drop_index("ix_outbox_due")
        batch_op.drop_index("ix_outbox_case")

    op.drop_table("outbox")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_unit")

    op.drop_table("notifications")
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_pending")
        batch_op.drop_index("ix_inbound_case")

    op.drop_table("inbound_messages")
    with op.batch_alter_table("dispatches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dispatches_case_id"))

    op.drop_table("dispatches")
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_case")

    op.drop_table("case_events")
    op.drop_table("users")
    op.drop_table("unparsed_payloads")
    with op.batch_alter_table("societies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_societies_station_id"))
        batch_op.drop_index(batch_op.f("ix_societies_secretary_phone"))

    op.drop_table("societies")
    op.drop_table("reference_counters")
    op.drop_table("kv")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_zone_status")
        batch_op.drop_index(
            "ix_cases_zone_received",
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
        )
        batch_op.drop_index("ix_cases_thread")
        batch_op.drop_index("ix_cases_station_status")
        batch_op.drop_index("ix_cases_received")
        batch_op.drop_index("ix_cases_owner_status")
        batch_op.drop_index(
            "ix_cases_incident_reach",
            postgresql_where=sa.text("incident_id IS NULL OR incident_id = id OR incident_latest"),
            sqlite_where=sa.text("incident_id IS NULL OR incident_id = id OR incident_latest"),
        )
        batch_op.drop_index(
            "ix_cases_incident",
            postgresql_where=sa.text("incident_id IS NOT NULL"),
            sqlite_where=sa.text("incident_id IS NOT NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_cases_escalate_at"))
        batch_op.drop_index(
            "ix_cases_agency_received",
            postgresql_where=sa.text("agency_id IS NOT NULL"),
            sqlite_where=sa.text("agency_id IS NOT NULL"),
        )

    op.drop_table("cases")
    op.drop_table("api_tokens")
    op.drop_table("advisories")
