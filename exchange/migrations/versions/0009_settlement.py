"""settlement: batches computed from immutable facts, statements, lines, flows, payments

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 17:00:00
"""

from __future__ import annotations

from pathlib import Path

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

SQL = Path(__file__).parent.parent / "sql" / "0009_settlement.sql"
TABLES = [
    "settlement_payments",
    "settlement_flows",
    "settlement_lines",
    "settlement_statements",
    "settlement_batches",
]


def upgrade() -> None:
    op.execute(SQL.read_text())


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS settlement_sees(timestamptz, xid8, timestamptz, pg_snapshot)")
    for table in TABLES:
        op.execute(f"DROP TABLE IF EXISTS {table}")
    op.execute("DROP FUNCTION IF EXISTS settlement_check_transition()")
    op.execute("DROP FUNCTION IF EXISTS settlement_refuse_change()")
    op.execute("DROP INDEX IF EXISTS ix_journal_entries_xid_brin")
    op.execute("DROP INDEX IF EXISTS ix_journal_entries_posted_brin")
    op.execute("ALTER TABLE journal_entries DROP COLUMN IF EXISTS xid")
