"""hot path as SQL functions: earn, burn and capture in one round trip

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 14:40:00
"""

from __future__ import annotations

from pathlib import Path

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SQL = Path(__file__).parent.parent / "sql" / "0002_hot_path.sql"
FUNCTIONS = [
    "ledger_check_capture(bigint, bigint, timestamptz)",
    "ledger_burn(text, text, text, text, bigint, bigint, bigint, bigint, text, timestamptz)",
    "ledger_earn(text, text, text, bigint, bigint, bigint, text, timestamptz, timestamptz, text,"
    " numeric, numeric, jsonb)",
    "ledger_release_expired_holds(bigint, timestamptz)",
    "ledger_release_hold(bigint, text, timestamptz)",
    "ledger_lock_member(bigint, bigint)",
    "ledger_emit(text, bigint, bigint, bigint, bigint, timestamptz, jsonb)",
    "ledger_take_lots(bigint, bigint, timestamptz, boolean)",
    "ledger_claim(text, text, text, text, jsonb)",
    "ledger_fail(text, text, text)",
    "iso_utc(timestamptz)",
    "global_id(text, bigint)",
]


def upgrade() -> None:
    op.execute(SQL.read_text())


def downgrade() -> None:
    for signature in FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")
