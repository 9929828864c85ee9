"""bonus events: versioned catalogues of event types with limits, awards once per member,
type and reference, ledger_credit_bonus (a BONUS entry issued by a partner or the operator)

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-25 09:00:00
"""

from __future__ import annotations

from pathlib import Path

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

SQL = Path(__file__).parent.parent / "sql" / "0022_bonus_events.sql"


def upgrade() -> None:
    op.execute(SQL.read_text())


def downgrade() -> None:
    op.execute(
        "DROP FUNCTION ledger_credit_bonus(bigint, bigint, bigint, text, jsonb, integer, text,"
        " jsonb, timestamptz)"
    )
    op.execute("DROP TABLE bonus_awards")
    op.execute("DROP TABLE bonus_event_types")
    op.execute("DROP TABLE bonus_catalogues")
