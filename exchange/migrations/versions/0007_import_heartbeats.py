"""import jobs beat while they run, so a job whose process died can be told apart

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 16:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE import_jobs ADD COLUMN heartbeat_at timestamptz")
    op.execute(
        "CREATE INDEX ix_import_jobs_unfinished ON import_jobs (heartbeat_at)"
        " WHERE status IN ('QUEUED', 'RUNNING')"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_import_jobs_unfinished")
    op.execute("ALTER TABLE import_jobs DROP COLUMN IF EXISTS heartbeat_at")
