"""points expiry (breakage): the set-based expiry of a chunk of members, and who is due

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 09:00:00
"""

from __future__ import annotations

from pathlib import Path

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

SQL = Path(__file__).parent.parent / "sql" / "0008_points_expiry.sql"
FUNCTIONS = [
    "ledger_expire(bigint[], timestamptz, timestamptz, timestamptz)",
    "ledger_expiry_due(bigint, bigint, timestamptz, timestamptz)",
    "ledger_inactive(bigint, timestamptz)",
]


def upgrade() -> None:
    op.execute(SQL.read_text())


def downgrade() -> None:
    for signature in FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")
