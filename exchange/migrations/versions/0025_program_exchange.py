"""exchange between programs: partners' program currencies, versions of their conversion
rules, quotes, conversions, and a conversion that follows its hold

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-25 12:00:00
"""

from __future__ import annotations

from pathlib import Path

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

SQL = Path(__file__).parent.parent / "sql" / "0025_program_exchange.sql"


def upgrade() -> None:
    op.execute(SQL.read_text())


def downgrade() -> None:
    op.execute("DROP TRIGGER holds_conversions ON holds")
    op.execute("DROP FUNCTION conversion_follows_hold()")
    op.execute("DROP FUNCTION conversion_emit(bigint, text, timestamptz)")
    for table in ("conversions", "conversion_quotes", "conversion_rule_sets", "program_currencies"):
        op.execute(f"DROP TABLE {table}")
