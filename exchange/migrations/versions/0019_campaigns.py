"""campaigns and promo codes: segments, campaigns and their versions, budgets, the members
they met; ledger_earn grants them under the member's lock and posts their BONUS entries

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-25 10:00:00
"""

from __future__ import annotations

from pathlib import Path

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

SQL_DIR = Path(__file__).parent.parent / "sql"
SQL = SQL_DIR / "0019_campaigns.sql"


def _previous_earn() -> str:
    """ledger_earn as migration 0014 created it (the downgrade puts it back)."""
    text = (SQL_DIR / "0014_earn_rules.sql").read_text()
    start = text.index("CREATE FUNCTION ledger_earn(")
    return text[start : text.index("END $$;", start) + len("END $$;")]


def upgrade() -> None:
    op.execute(SQL.read_text())


def downgrade() -> None:
    op.execute(
        "DROP FUNCTION ledger_earn(text, text, text, bigint, bigint, bigint, text, timestamptz,"
        " timestamptz, text, numeric, numeric, jsonb, bigint, bigint, timestamptz, timestamptz,"
        " bigint, jsonb)"
    )
    op.execute(_previous_earn())
    op.execute(
        "DROP FUNCTION campaign_post_award(jsonb, bigint, bigint, bigint, bigint, numeric,"
        " boolean, text, timestamptz, timestamptz, timestamptz, bigint)"
    )
    op.execute("DROP FUNCTION campaign_grant(jsonb, bigint, bigint, timestamptz)")
    op.execute("DROP FUNCTION campaign_draw(bytea, bigint)")
    op.execute("DROP FUNCTION campaign_control(bytea, bigint, numeric)")
    for table in (
        "campaign_members",
        "campaign_budgets",
        "campaign_generation",
        "campaign_versions",
        "campaigns",
        "campaign_segment_members",
        "campaign_segments",
    ):
        op.execute(f"DROP TABLE {table}")
    op.execute("DROP FUNCTION campaign_versions_changed()")
