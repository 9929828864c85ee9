"""earn rules as data: versioned rule sets per partner, the version in force checked and the
cap per member per day enforced by the earn itself (single and imported)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-24 10:00:00
"""

from __future__ import annotations

from pathlib import Path

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

SQL_DIR = Path(__file__).parent.parent / "sql"
SQL = SQL_DIR / "0014_earn_rules.sql"
REPLACED = ("ledger_earn", "import_post_chunk")
"""Functions this migration replaces; the downgrade puts back migration 0011's versions."""


def _previous(name: str) -> str:
    text = (SQL_DIR / "0011_prepaid_partners.sql").read_text()
    start = text.index(f"CREATE OR REPLACE FUNCTION {name}(")
    return text[start : text.index("END $$;", start) + len("END $$;")]


def upgrade() -> None:
    op.execute(SQL.read_text())


def downgrade() -> None:
    op.execute(
        "DROP FUNCTION ledger_earn(text, text, text, bigint, bigint, bigint, text, timestamptz,"
        " timestamptz, text, numeric, numeric, jsonb, bigint, bigint, timestamptz, timestamptz)"
    )
    for name in REPLACED:
        op.execute(_previous(name))
    op.execute("DROP FUNCTION IF EXISTS import_apply_earn_rules(bigint, bigint, text)")
    op.execute("DROP FUNCTION IF EXISTS earned_between(bigint, bigint, timestamptz, timestamptz)")
    op.execute("DROP FUNCTION IF EXISTS earn_rule_set_at(bigint, timestamptz)")
    op.execute("DROP TABLE IF EXISTS earn_rule_sets")
