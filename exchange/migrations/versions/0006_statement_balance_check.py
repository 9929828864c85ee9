"""postings balance per statement: one set-based check per INSERT instead of one per row

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 16:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Contract section 7, rule 1: every journal entry's postings sum to zero. The check runs once
# at the end of each INSERT statement on postings, over every entry the statement touched
# (with the postings earlier statements gave them), so every writer inserts an entry's
# postings in one statement. A deferred per-row check cost a trigger event per posting at
# commit: 20,000 of them for a 10,000-line import chunk.
STATEMENT_CHECK = [
    "DROP TRIGGER IF EXISTS postings_balanced ON postings",
    "DROP FUNCTION IF EXISTS ledger_check_entry_balanced()",
    """
    CREATE FUNCTION ledger_check_entries_balanced() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        unbalanced record;
    BEGIN
        -- LATERAL: one index lookup per touched entry, whatever the planner guesses of
        -- the transition table's size
        SELECT touched.entry_id, entry.total INTO unbalanced
          FROM (SELECT DISTINCT entry_id FROM inserted) touched
         CROSS JOIN LATERAL (SELECT sum(p.points) AS total FROM postings p
                              WHERE p.entry_id = touched.entry_id) entry
         WHERE entry.total <> 0
         LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'journal entry % does not balance: postings sum to %',
                unbalanced.entry_id, unbalanced.total USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER postings_balanced AFTER INSERT ON postings
    REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_check_entries_balanced()
    """,
]

ROW_CHECK = [
    "DROP TRIGGER IF EXISTS postings_balanced ON postings",
    "DROP FUNCTION IF EXISTS ledger_check_entries_balanced()",
    """
    CREATE FUNCTION ledger_check_entry_balanced() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE total bigint;
    BEGIN
        SELECT coalesce(sum(points), 0) INTO total FROM postings WHERE entry_id = NEW.entry_id;
        IF total <> 0 THEN
            RAISE EXCEPTION 'journal entry % does not balance: postings sum to %',
                NEW.entry_id, total USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE CONSTRAINT TRIGGER postings_balanced AFTER INSERT ON postings
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_entry_balanced()
    """,
]


def upgrade() -> None:
    for statement in STATEMENT_CHECK:
        op.execute(statement)


def downgrade() -> None:
    for statement in ROW_CHECK:
        op.execute(statement)
