"""linking a card takes proof: one-time codes get a scope (a login, or linking one card to
one account), and the rate limits count card codes sent and refused

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-24 15:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

OLD_ACTIONS = "'CODE_SENT', 'CODE_REJECTED'"
NEW_ACTIONS = f"{OLD_ACTIONS}, 'CARD_CODE_SENT', 'CARD_CODE_REJECTED'"


def _actions(actions: str) -> None:
    op.execute("ALTER TABLE login_attempts DROP CONSTRAINT login_attempts_action_check")
    op.execute(
        "ALTER TABLE login_attempts ADD CONSTRAINT login_attempts_action_check"
        f" CHECK (action IN ({actions}))"
    )


def upgrade() -> None:
    op.execute("ALTER TABLE member_login_codes ADD COLUMN scope text NOT NULL DEFAULT 'login'")
    op.execute("DROP INDEX ix_member_login_codes_member")
    op.execute(
        "CREATE INDEX ix_member_login_codes_member ON member_login_codes (member_id, scope, id)"
    )
    _actions(NEW_ACTIONS)


def downgrade() -> None:
    op.execute("DELETE FROM login_attempts WHERE action LIKE 'CARD_%'")
    _actions(OLD_ACTIONS)
    op.execute("DELETE FROM member_login_codes WHERE scope <> 'login'")
    op.execute("DROP INDEX ix_member_login_codes_member")
    op.execute("ALTER TABLE member_login_codes DROP COLUMN scope")
    op.execute("CREATE INDEX ix_member_login_codes_member ON member_login_codes (member_id, id)")
