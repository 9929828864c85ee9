"""the audit trail: who did what to the program, when and from where; append-only

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-24 18:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

TABLES = ("audit_events", "audit_outcomes")


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE audit_events (
            id bigserial PRIMARY KEY,
            occurred_at timestamptz NOT NULL DEFAULT clock_timestamp(),
            source text NOT NULL CHECK (source IN ('graphql', 'cli')),
            principal text NOT NULL,
            key_id bigint,
            actor text,
            operation text NOT NULL,
            input jsonb NOT NULL DEFAULT '{}',
            client_ip text,
            user_agent text,
            request_id text
        )
        """
    )
    op.execute("CREATE INDEX ix_audit_events_operation ON audit_events (operation, id)")
    op.execute("CREATE INDEX ix_audit_events_key ON audit_events (key_id, id)")
    op.execute("CREATE INDEX ix_audit_events_occurred_at ON audit_events (occurred_at)")
    op.execute(
        """
        CREATE TABLE audit_outcomes (
            event_id bigint PRIMARY KEY REFERENCES audit_events (id),
            finished_at timestamptz NOT NULL DEFAULT clock_timestamp(),
            outcome text NOT NULL CHECK (outcome IN ('OK', 'REFUSED', 'ERROR')),
            codes text[] NOT NULL DEFAULT '{}'
        )
        """
    )
    # append-only, as the ledger: ledger_refuse_change() is migration 0001's
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()"
        )


def downgrade() -> None:
    op.execute("DROP TABLE audit_outcomes")
    op.execute("DROP TABLE audit_events")
