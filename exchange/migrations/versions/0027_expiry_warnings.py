"""points.expiring warnings: expiry_warnings (one per member and date of expiry) and
ledger_warn_expiring (a chunk of members, set-based)

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-25 18:00:00
"""

from __future__ import annotations

from pathlib import Path

from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

SQL = Path(__file__).parent.parent / "sql" / "0027_expiry_warnings.sql"


def upgrade() -> None:
    op.execute(SQL.read_text())


def downgrade() -> None:
    op.execute(
        "DROP FUNCTION ledger_warn_expiring(bigint, integer, timestamptz, timestamptz,"
        " timestamptz)"
    )
    op.execute("DROP TABLE expiry_warnings")
