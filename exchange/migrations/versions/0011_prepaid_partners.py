"""prepaid partners: point blocks, the allowance an earn draws from, PARTNER_CREDIT_LIMIT

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 18:00:00
"""

from __future__ import annotations

from pathlib import Path

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

SQL_DIR = Path(__file__).parent.parent / "sql"
SQL = SQL_DIR / "0011_prepaid_partners.sql"
REPLACED = {"ledger_earn": "0002_hot_path.sql", "import_post_chunk": "0004_imports.sql"}
"""Functions this migration replaces, and the file that created the version it replaces."""


def _original(name: str) -> str:
    """The function as an earlier migration created it (the downgrade puts it back)."""
    text = (SQL_DIR / REPLACED[name]).read_text()
    start = text.index(f"CREATE FUNCTION {name}(")
    end = text.index("END $$;", start) + len("END $$;")
    return "CREATE OR REPLACE " + text[start + len("CREATE ") : end]


def upgrade() -> None:
    op.execute(SQL.read_text())


def downgrade() -> None:
    for name in REPLACED:
        op.execute(_original(name))
    op.execute("DROP FUNCTION IF EXISTS import_draw_prepaid(bigint, bigint, text, bigint)")
    op.execute("DROP FUNCTION IF EXISTS ledger_draw_prepaid(bigint, bigint, bigint)")
    op.execute("ALTER TABLE import_jobs DROP COLUMN IF EXISTS credit_limit_line")
    op.execute(
        "ALTER TABLE partners DROP CONSTRAINT IF EXISTS ck_partners_credit_limit_not_negative"
    )
    op.execute("ALTER TABLE settlement_statements DROP COLUMN IF EXISTS bought_points")
    op.execute("ALTER TABLE settlement_lines DROP CONSTRAINT settlement_lines_kind_check")
    op.execute(
        "ALTER TABLE settlement_lines ADD CONSTRAINT settlement_lines_kind_check CHECK (kind IN"
        " ('ISSUED', 'ISSUE_REVERSED', 'REDEEMED', 'REDEMPTION_REFUNDED', 'BREAKAGE_CREDIT'))"
    )
    op.execute("ALTER TABLE journal_entries DROP COLUMN IF EXISTS prepaid")
    op.execute("DROP TABLE IF EXISTS prepaid_allowances")
    op.execute("DROP TABLE IF EXISTS point_blocks")
