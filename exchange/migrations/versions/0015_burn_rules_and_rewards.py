"""burn rules (versions per partner, a hold's limits, ledger_burn records them) and the reward
catalogue (rewards with their stock, redemptions)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-24 12:00:00
"""

from __future__ import annotations

from pathlib import Path

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

SQL_DIR = Path(__file__).parent.parent / "sql"
SQL = SQL_DIR / "0015_burn_rules_and_rewards.sql"


def _original_burn() -> str:
    """ledger_burn as migration 0002 created it (the downgrade puts it back)."""
    text = (SQL_DIR / "0002_hot_path.sql").read_text()
    start = text.index("CREATE FUNCTION ledger_burn(")
    return text[start : text.index("END $$;", start) + len("END $$;")]


def upgrade() -> None:
    op.execute(SQL.read_text())


def downgrade() -> None:
    op.execute(
        "DROP FUNCTION ledger_burn(text, text, text, text, bigint, bigint, bigint, bigint, text,"
        " timestamptz, jsonb, text)"
    )
    op.execute(_original_burn())
    op.execute("DROP TABLE reward_redemptions")
    op.execute("DROP TABLE rewards")
    op.execute("ALTER TABLE holds DROP COLUMN details")
    op.execute("DROP TRIGGER partner_prices_notify ON partner_prices")
    op.execute("DROP TABLE burn_rule_sets")
    op.execute("DROP FUNCTION burn_terms_changed()")
