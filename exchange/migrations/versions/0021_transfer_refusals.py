"""the rate limit on transfers refused for their recipient (no member with that email and
card number, or that id) counts them beside the login attempts

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-24 16:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

OLD_ACTIONS = "'CODE_SENT', 'CODE_REJECTED', 'CARD_CODE_SENT', 'CARD_CODE_REJECTED'"
NEW_ACTIONS = f"{OLD_ACTIONS}, 'TRANSFER_REFUSED'"


def _actions(actions: str) -> None:
    op.execute("ALTER TABLE login_attempts DROP CONSTRAINT login_attempts_action_check")
    op.execute(
        "ALTER TABLE login_attempts ADD CONSTRAINT login_attempts_action_check"
        f" CHECK (action IN ({actions}))"
    )


def upgrade() -> None:
    _actions(NEW_ACTIONS)


def downgrade() -> None:
    op.execute("DELETE FROM login_attempts WHERE action = 'TRANSFER_REFUSED'")
    _actions(OLD_ACTIONS)
