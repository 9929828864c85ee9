"""pooled accounts: members of kind POOL (the pool's own account), pools, their members with
roles and spending limits, and the spends

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-25 15:00:00
"""

from __future__ import annotations

from pathlib import Path

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

SQL = Path(__file__).parent.parent / "sql" / "0024_pools.sql"


def upgrade() -> None:
    op.execute(SQL.read_text())


def downgrade() -> None:
    op.execute("DROP TABLE pool_spends")
    op.execute("DROP TABLE pool_members")
    op.execute("DROP TABLE pools")
    op.execute("DROP TRIGGER members_referral_code ON members")
    op.execute(
        "CREATE TRIGGER members_referral_code AFTER INSERT ON members"
        " FOR EACH ROW EXECUTE FUNCTION members_referral_code()"
    )
    op.execute("ALTER TABLE members DROP COLUMN kind")
