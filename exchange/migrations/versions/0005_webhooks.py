"""webhooks: endpoints, signing keys, deliveries, attempts, and the outbox's transaction ids

``outbox_events.xid`` is the id of the transaction that wrote the event (a column default:
the ledger's SQL is unchanged). The worker fans events out to deliveries by transaction-id
horizon instead of by ``id``: ids come from a sequence and commit out of order, but every
transaction id below a snapshot's xmin has finished (partners/webhooks/fanout.py).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from exchange.kit.pgtypes import XID8

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _outbox_xid() -> None:
    # Rows already there get this migration's transaction id; the fan-out starts just above
    # it, so it never scans them (no endpoint existed to receive them).
    op.execute(
        "ALTER TABLE outbox_events ADD COLUMN xid xid8 NOT NULL DEFAULT pg_current_xact_id()"
    )
    op.create_index("ix_outbox_events_xid", "outbox_events", ["xid"])
    op.create_table(
        "webhook_fanout_state",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("last_xmin", XID8(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("id = 1", name=op.f("ck_webhook_fanout_state_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_fanout_state")),
    )
    op.execute(
        "INSERT INTO webhook_fanout_state (id, last_xmin)"
        " VALUES (1, (pg_current_xact_id()::text::bigint + 1)::text::xid8)"
    )


def _endpoints() -> None:
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("partner_id", sa.BigInteger(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("event_types", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("signing", sa.String(length=16), nullable=False),
        sa.Column("secret", sa.Text(), nullable=True),
        sa.Column("previous_secret", sa.Text(), nullable=True),
        sa.Column("previous_secret_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="ACTIVE", nullable=False),
        sa.Column("disabled_reason", sa.Text(), nullable=True),
        sa.Column(
            "from_xid",
            XID8(),
            server_default=sa.text("pg_snapshot_xmin(pg_current_snapshot())"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "signing IN ('ED25519', 'HMAC_SHA256')", name=op.f("ck_webhook_endpoints_signing")
        ),
        sa.CheckConstraint(
            "status IN ('ACTIVE', 'DISABLED')", name=op.f("ck_webhook_endpoints_status")
        ),
        sa.CheckConstraint(
            "(signing = 'HMAC_SHA256') = (secret IS NOT NULL)",
            name=op.f("ck_webhook_endpoints_secret"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name=op.f("fk_webhook_endpoints_partner_id_partners")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoints")),
    )
    op.create_index("ix_webhook_endpoints_partner", "webhook_endpoints", ["partner_id", "id"])
    op.create_table(
        "webhook_signing_keys",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("private_key", sa.Text(), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retires_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_signing_keys")),
        sa.UniqueConstraint("kid", name=op.f("uq_webhook_signing_keys_kid")),
    )


def _deliveries() -> None:
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("outbox_id", sa.BigInteger(), nullable=False),
        sa.Column("endpoint_id", sa.BigInteger(), nullable=False),
        sa.Column("partner_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("retry_base", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_http_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('PENDING', 'DELIVERING', 'SUCCEEDED', 'DEAD')",
            name=op.f("ck_webhook_deliveries_status"),
        ),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["webhook_endpoints.id"],
            name=op.f("fk_webhook_deliveries_endpoint_id_webhook_endpoints"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint(
            "outbox_id", "endpoint_id", name=op.f("uq_webhook_deliveries_outbox_id_endpoint_id")
        ),
    )
    op.create_index(
        "ix_webhook_deliveries_due",
        "webhook_deliveries",
        ["next_attempt_at"],
        postgresql_where=sa.text("status = 'PENDING'"),
    )
    op.create_index(
        "ix_webhook_deliveries_leased",
        "webhook_deliveries",
        ["locked_until"],
        postgresql_where=sa.text("status = 'DELIVERING'"),
    )
    op.create_index(
        "ix_webhook_deliveries_endpoint", "webhook_deliveries", ["endpoint_id", "status"]
    )
    op.create_index(
        "ix_webhook_deliveries_partner", "webhook_deliveries", ["partner_id", "outbox_id"]
    )
    op.create_table(
        "webhook_attempts",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("delivery_id", sa.BigInteger(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("response_snippet", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["webhook_deliveries.id"],
            name=op.f("fk_webhook_attempts_delivery_id_webhook_deliveries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_attempts")),
    )
    op.create_index("ix_webhook_attempts_delivery", "webhook_attempts", ["delivery_id", "attempt"])


def upgrade() -> None:
    _outbox_xid()
    _endpoints()
    _deliveries()


def downgrade() -> None:
    for table in (
        "webhook_attempts",
        "webhook_deliveries",
        "webhook_signing_keys",
        "webhook_endpoints",
        "webhook_fanout_state",
    ):
        op.drop_table(table)
    op.drop_index("ix_outbox_events_xid", table_name="outbox_events")
    op.drop_column("outbox_events", "xid")
