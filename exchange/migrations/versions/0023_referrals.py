"""referrals: the program as versions, every member's code, referrals qualified in the earn's
transaction by a trigger on the outbox and paid by referral_pay (operator-funded bonuses)

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-25 12:00:00
"""

from __future__ import annotations

from pathlib import Path

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

SQL = Path(__file__).parent.parent / "sql" / "0023_referrals.sql"


def upgrade() -> None:
    op.execute(SQL.read_text())


def downgrade() -> None:
    op.execute("DROP TRIGGER outbox_events_referrals ON outbox_events")
    op.execute("DROP TRIGGER members_referral_code ON members")
    op.execute("DROP FUNCTION referral_pay(bigint, timestamptz)")
    op.execute("DROP FUNCTION referrals_after_earns()")
    op.execute("DROP FUNCTION members_referral_code()")
    op.execute("DROP TABLE referrals")
    op.execute("DROP TABLE member_referral_codes")
    op.execute("DROP FUNCTION referral_new_code()")
    op.execute("DROP TABLE referral_programs")
