"""tiers and paid memberships: the ladder as data, members' tiers, upgrades in the earn's
transaction, membership plans and sales, MEMBERSHIP_SOLD settlement lines

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23 18:30:00
"""

from __future__ import annotations

from pathlib import Path

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

SQL = Path(__file__).parent.parent / "sql" / "0013_tiers_and_memberships.sql"
KINDS = (
    "'POINT_BLOCK', 'ISSUED', 'ISSUED_PREPAID', 'ISSUE_REVERSED', 'ISSUE_REVERSED_PREPAID',"
    " 'REDEEMED', 'REDEMPTION_REFUNDED', 'BREAKAGE_CREDIT'"
)
FUNCTIONS = (
    "tiers_after_earns()",
    "tier_announce(bigint, text, timestamptz, timestamptz)",
    "tier_row(bigint, timestamptz)",
    "tier_applying(bigint, timestamptz)",
    "tier_qualifying_points(bigint, timestamptz, integer, timestamptz)",
    "tier_ladder_at(timestamptz)",
)
TABLES = (
    "memberships",
    "membership_plans",
    "membership_catalogues",
    "member_tiers",
    "tier_levels",
    "tier_ladders",
)


def upgrade() -> None:
    op.execute(SQL.read_text())


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS outbox_events_tiers ON outbox_events")
    for function in FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {function}")
    op.execute("ALTER TABLE settlement_statements DROP COLUMN IF EXISTS memberships_sold")
    op.execute("ALTER TABLE settlement_lines DROP CONSTRAINT settlement_lines_kind_check")
    op.execute(
        f"ALTER TABLE settlement_lines ADD CONSTRAINT settlement_lines_kind_check CHECK (kind IN"
        f" ({KINDS}))"
    )
    op.execute("DROP INDEX IF EXISTS ix_journal_entries_member_reversals")
    op.execute("DROP INDEX IF EXISTS ix_journal_entries_member_earns")
    for table in TABLES:
        op.execute(f"DROP TABLE IF EXISTS {table}")
