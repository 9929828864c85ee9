"""lean hot tables: no foreign-key checks on the append-only ledger rows

Measured with pgbench running ``ledger_earn`` alone (8 clients, 2 cores): the foreign-key
checks on journal entries, postings, lots, lot consumptions and outbox events took about 40%
of the earn's database time, most of it taking KEY SHARE locks on the shared partner and
account rows. These rows are written only by the ledger's SQL functions, which resolve every
id they write under the member's lock; ``exchange.ledger.audit`` checks that every reference
resolves. Indexes nothing reads are dropped too; member balances and lots leave room for HOT
updates.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 14:50:00
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

FOREIGN_KEYS = {
    "journal_entries": [
        ("member_id", "members", "id"),
        ("partner_id", "partners", "id"),
        ("original_entry_id", "journal_entries", "id"),
    ],
    "postings": [("entry_id", "journal_entries", "id"), ("account_id", "accounts", "id")],
    "lots": [
        ("member_id", "members", "id"),
        ("issuer_partner_id", "partners", "id"),
        ("entry_id", "journal_entries", "id"),
    ],
    "lot_consumptions": [
        ("lot_id", "lots", "id"),
        ("entry_id", "journal_entries", "id"),
        ("member_id", "members", "id"),
        ("issuer_partner_id", "partners", "id"),
        ("redeemer_partner_id", "partners", "id"),
        ("refunds_consumption_id", "lot_consumptions", "id"),
    ],
    "outbox_events": [("member_id", "members", "id"), ("partner_id", "partners", "id")],
}
UNREAD_INDEXES = {
    "postings": ["ix_postings_account", "ix_postings_entry"],
    "lots": ["ix_lots_entry"],
    "lot_consumptions": ["ix_lot_consumptions_lot"],
    "outbox_events": ["ix_outbox_events_partner"],
}


def _fk_name(table: str, column: str, referred: str) -> str:
    return f"fk_{table}_{column}_{referred}"


def upgrade() -> None:
    for table, keys in FOREIGN_KEYS.items():
        for column, referred, _ in keys:
            op.drop_constraint(_fk_name(table, column, referred), table, type_="foreignkey")
    for table, indexes in UNREAD_INDEXES.items():
        for index in indexes:
            op.drop_index(index, table_name=table)
    op.drop_constraint("uq_outbox_events_event_id", "outbox_events", type_="unique")
    # A posting is identified by its entry and account: no surrogate key to index.
    op.drop_constraint("pk_postings", "postings", type_="primary")
    op.drop_column("postings", "id")
    op.create_primary_key("pk_postings", "postings", ["entry_id", "account_id"])
    op.execute("ALTER TABLE member_balances SET (fillfactor = 80)")
    op.execute("ALTER TABLE lots SET (fillfactor = 85)")


def downgrade() -> None:
    op.execute("ALTER TABLE lots RESET (fillfactor)")
    op.execute("ALTER TABLE member_balances RESET (fillfactor)")
    op.drop_constraint("pk_postings", "postings", type_="primary")
    op.execute("ALTER TABLE postings ADD COLUMN id bigserial PRIMARY KEY")
    op.execute("ALTER TABLE postings RENAME CONSTRAINT postings_pkey TO pk_postings")
    op.create_unique_constraint("uq_outbox_events_event_id", "outbox_events", ["event_id"])
    op.create_index("ix_outbox_events_partner", "outbox_events", ["partner_id", "id"])
    op.create_index("ix_lot_consumptions_lot", "lot_consumptions", ["lot_id"])
    op.create_index("ix_lots_entry", "lots", ["entry_id"])
    op.create_index("ix_postings_entry", "postings", ["entry_id"])
    op.create_index("ix_postings_account", "postings", ["account_id", "id"])
    for table, keys in FOREIGN_KEYS.items():
        for column, referred, referred_column in keys:
            op.create_foreign_key(
                _fk_name(table, column, referred), table, referred, [column], [referred_column]
            )
