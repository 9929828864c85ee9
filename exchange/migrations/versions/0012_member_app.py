"""the member web app: transfers between members, login codes, sessions, linked cards

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24 09:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

OLD_KINDS = (
    "'MEMBER', 'PARTNER_ISSUED', 'PARTNER_REDEEMED', 'OPERATOR_BONUS', 'OPERATOR_BREAKAGE',"
    " 'OPERATOR_ADJUSTMENT'"
)

CARD_GUARD = """
CREATE FUNCTION member_card_unique() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.card_number IS NULL THEN
        RETURN NEW;
    END IF;
    -- one card number, one member, across members.card_number and member_cards: concurrent
    -- writers of the same number take turns, and the second sees the first's row
    PERFORM pg_advisory_xact_lock(hashtextextended('card_number:' || NEW.card_number, 0));
    IF (TG_TABLE_NAME = 'members' AND EXISTS (
            SELECT 1 FROM member_cards WHERE card_number = NEW.card_number))
       OR (TG_TABLE_NAME = 'member_cards' AND EXISTS (
            SELECT 1 FROM members WHERE card_number = NEW.card_number)) THEN
        RAISE unique_violation USING MESSAGE = 'card_number is already in use';
    END IF;
    RETURN NEW;
END $$;
"""


def upgrade() -> None:
    # transfers post through the operator's clearing account: each side is an entry that
    # balances, and the account nets to zero over the two
    op.execute("ALTER TABLE accounts DROP CONSTRAINT ck_accounts_kind")
    op.execute(
        f"ALTER TABLE accounts ADD CONSTRAINT ck_accounts_kind CHECK (kind IN ({OLD_KINDS},"
        " 'OPERATOR_TRANSFER'))"
    )
    op.execute("INSERT INTO accounts (kind) VALUES ('OPERATOR_TRANSFER')")
    op.execute(
        """
        CREATE TABLE member_login_codes (
            id bigserial PRIMARY KEY,
            member_id bigint NOT NULL REFERENCES members (id),
            code_hash text NOT NULL,
            created_at timestamptz NOT NULL,
            expires_at timestamptz NOT NULL,
            attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
            used_at timestamptz
        )
        """
    )
    op.execute("CREATE INDEX ix_member_login_codes_member ON member_login_codes (member_id, id)")
    op.execute(
        """
        CREATE TABLE member_sessions (
            id bigserial PRIMARY KEY,
            member_id bigint NOT NULL REFERENCES members (id),
            token_hash text NOT NULL,
            kind text NOT NULL CHECK (kind IN ('WEB', 'TOKEN')),
            created_at timestamptz NOT NULL,
            expires_at timestamptz NOT NULL,
            revoked_at timestamptz
        )
        """
    )
    op.execute("CREATE UNIQUE INDEX uq_member_sessions_token ON member_sessions (token_hash)")
    op.execute(
        "CREATE INDEX ix_member_sessions_member ON member_sessions (member_id)"
        " WHERE revoked_at IS NULL"
    )
    op.execute(
        """
        CREATE TABLE login_attempts (
            id bigserial PRIMARY KEY,
            bucket text NOT NULL,
            action text NOT NULL CHECK (action IN ('CODE_SENT', 'CODE_REJECTED')),
            at timestamptz NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX ix_login_attempts_bucket ON login_attempts (bucket, action, at)")
    op.execute("CREATE INDEX ix_login_attempts_at ON login_attempts (at)")
    op.execute(
        """
        CREATE TABLE member_cards (
            card_number varchar(32) PRIMARY KEY,
            member_id bigint NOT NULL REFERENCES members (id),
            linked_at timestamptz NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX ix_member_cards_member ON member_cards (member_id)")
    op.execute(CARD_GUARD)
    for table in ("members", "member_cards"):
        op.execute(
            f"CREATE TRIGGER {table}_card_unique BEFORE INSERT OR UPDATE OF card_number"
            f" ON {table} FOR EACH ROW EXECUTE FUNCTION member_card_unique()"
        )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS members_card_unique ON members")
    op.execute("DROP TABLE IF EXISTS member_cards")
    op.execute("DROP FUNCTION IF EXISTS member_card_unique()")
    op.execute("DROP TABLE IF EXISTS login_attempts")
    op.execute("DROP TABLE IF EXISTS member_sessions")
    op.execute("DROP TABLE IF EXISTS member_login_codes")
    op.execute("DELETE FROM accounts WHERE kind = 'OPERATOR_TRANSFER'")
    op.execute("ALTER TABLE accounts DROP CONSTRAINT ck_accounts_kind")
    op.execute(
        f"ALTER TABLE accounts ADD CONSTRAINT ck_accounts_kind CHECK (kind IN ({OLD_KINDS}))"
    )
