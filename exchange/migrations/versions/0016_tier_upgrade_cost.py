"""the upgrade at an earn, cheaper: the tier trigger reads the ladder with the earns' events
and sums qualifying points inline

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-24 13:00:00
"""

from __future__ import annotations

from pathlib import Path

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

SQL_DIR = Path(__file__).parent.parent / "sql"
SQL = SQL_DIR / "0016_tier_upgrade_cost.sql"


def _original() -> str:
    """tiers_after_earns as migration 0013 created it (the downgrade puts it back)."""
    text = (SQL_DIR / "0013_tiers_and_memberships.sql").read_text()
    start = text.index("CREATE FUNCTION tiers_after_earns(")
    end = text.index("END $$;", start) + len("END $$;")
    return "CREATE OR REPLACE " + text[start + len("CREATE ") : end]


def upgrade() -> None:
    op.execute(SQL.read_text())


def downgrade() -> None:
    op.execute(_original())
