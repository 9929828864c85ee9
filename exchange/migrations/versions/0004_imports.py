"""bulk import: import jobs, staged lines, error reports, set-based validation and posting

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 15:00:00
"""

from __future__ import annotations

from pathlib import Path

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SQL = Path(__file__).parent.parent / "sql" / "0004_imports.sql"
FUNCTIONS = [
    "import_finish(bigint, timestamptz)",
    "import_post_chunk(bigint, bigint, text, bigint, bigint, timestamptz)",
    "import_validate(bigint, bigint, text, bigint, bigint)",
    "import_classify_used_keys(bigint, text, bigint, bigint)",
]


def upgrade() -> None:
    op.execute(SQL.read_text())


def downgrade() -> None:
    for signature in FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")
    for table in ("import_lines", "import_errors", "import_jobs"):
        op.execute(f"DROP TABLE IF EXISTS {table}")
