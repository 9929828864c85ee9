"""rate limits: one token bucket row per API key (or member token), UNLOGGED

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-24 20:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # UNLOGGED: no WAL for a row updated on many requests; a server crash empties the table,
    # which gives every key a full bucket once (the limits are not a ledger)
    op.execute(
        """
        CREATE UNLOGGED TABLE rate_limit_buckets (
            bucket text PRIMARY KEY,
            tokens bigint NOT NULL,
            last_taken bigint NOT NULL DEFAULT 0,
            refilled_at timestamptz NOT NULL
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE rate_limit_buckets")
