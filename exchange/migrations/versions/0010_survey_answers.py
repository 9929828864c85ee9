"""members' survey answers (net promoter score), for the program reports

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 17:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE survey_answers (
            id bigserial PRIMARY KEY,
            member_id bigint NOT NULL REFERENCES members (id),
            partner_id bigint REFERENCES partners (id),
            survey text NOT NULL DEFAULT 'nps' CHECK (survey = 'nps'),
            score smallint NOT NULL CHECK (score BETWEEN 0 AND 10),
            comment text CHECK (length(comment) <= 2000),
            answered_at timestamptz NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute("CREATE INDEX ix_survey_answers_answered ON survey_answers (answered_at)")
    op.execute("CREATE INDEX ix_survey_answers_member ON survey_answers (member_id, answered_at)")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS survey_answers")
