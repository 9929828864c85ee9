"""Ledger tables. Posted rows (entries, postings, lot consumptions) are append-only.

The append-only tables carry no foreign keys (migration 0003 says why): the ledger's SQL
functions resolve every id they write, and the audit checks that every reference resolves.

Sign convention: a posting's points are positive when they increase the account. An earn
posts +N to the member and -N to the issuing partner's ISSUED account; a burn posts -N to the
member and +N to the redeeming partner's REDEEMED account. Every entry sums to zero.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from exchange.kit.db import Base
from exchange.kit.pgtypes import XID8

PRICE = Numeric(18, 6)
TS = DateTime(timezone=True)


class Member(Base):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(32), unique=True)
    card_number: Mapped[str | None] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(16), server_default="ACTIVE")
    enrolled_by_partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    created_at: Mapped[datetime] = mapped_column(TS, server_default=text("now()"))
    kind: Mapped[str] = mapped_column(Text, server_default=text("'PERSON'::text"))
    """PERSON, or POOL: the account of a pooled account (migration 0024), which no one logs
    in to and which spends only through its members."""

    __table_args__ = (
        CheckConstraint("status IN ('ACTIVE', 'CLOSED')", name="status"),
        CheckConstraint("kind IN ('PERSON', 'POOL')", name="kind"),
    )


class MemberPartnerLink(Base):
    """A partner has been shown this member (enrolled it, scanned its card, or earned for it)."""

    __tablename__ = "member_partner_links"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(TS, server_default=text("now()"))

    __table_args__ = (
        Index(
            "uq_member_partner_links_external",
            "partner_id",
            "external_id",
            unique=True,
            postgresql_where=text("external_id IS NOT NULL"),
        ),
    )


class MemberCard(Base):
    """Another card of a member (migration 0012): presenting it finds the member as its first
    card does. A card number belongs to one member, whichever table holds it (a trigger on
    both tables checks it)."""

    __tablename__ = "member_cards"

    card_number: Mapped[str] = mapped_column(String(32), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    linked_at: Mapped[datetime] = mapped_column(TS)

    __table_args__ = (Index("ix_member_cards_member", "member_id"),)


class Account(Base):
    """A points account: one per member, two per partner, and the operator's (its bonus,
    breakage, adjustment and transfer clearing accounts)."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))

    __table_args__ = (
        CheckConstraint(
            "kind IN ('MEMBER', 'PARTNER_ISSUED', 'PARTNER_REDEEMED', 'OPERATOR_BONUS',"
            " 'OPERATOR_BREAKAGE', 'OPERATOR_ADJUSTMENT', 'OPERATOR_TRANSFER')",
            name="kind",
        ),
        CheckConstraint(
            "(kind = 'MEMBER') = (member_id IS NOT NULL)"
            " AND (kind LIKE 'PARTNER_%') = (partner_id IS NOT NULL)",
            name="owner",
        ),
        Index(
            "uq_accounts_member",
            "member_id",
            unique=True,
            postgresql_where=text("member_id IS NOT NULL"),
        ),
        Index(
            "uq_accounts_partner_kind",
            "partner_id",
            "kind",
            unique=True,
            postgresql_where=text("partner_id IS NOT NULL"),
        ),
        Index(
            "uq_accounts_operator_kind",
            "kind",
            unique=True,
            postgresql_where=text("partner_id IS NULL AND member_id IS NULL"),
        ),
    )


class MemberBalance(Base):
    """The one row every movement of a member's points locks (``FOR UPDATE``).

    balance = sum of the member's postings = sum of its lots' remaining - debt.
    available = balance - held - pending (pending: lots not yet available).
    """

    __tablename__ = "member_balances"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    balance: Mapped[int] = mapped_column(BigInteger, server_default="0")
    held: Mapped[int] = mapped_column(BigInteger, server_default="0")
    debt: Mapped[int] = mapped_column(BigInteger, server_default="0")
    seq: Mapped[int] = mapped_column(BigInteger, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(TS, server_default=text("now()"))

    __table_args__ = (
        CheckConstraint("held >= 0", name="held_not_negative"),
        CheckConstraint("debt >= 0", name="debt_not_negative"),
        CheckConstraint("balance >= -debt", name="balance_covers_debt"),
    )


class JournalEntry(Base):
    """One business transaction: what happened, at which prices, for which order."""

    __tablename__ = "journal_entries"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    member_id: Mapped[int] = mapped_column(BigInteger)
    partner_id: Mapped[int | None] = mapped_column(BigInteger)
    points: Mapped[int] = mapped_column(BigInteger)
    order_id: Mapped[str | None] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(TS)
    posted_at: Mapped[datetime] = mapped_column(TS, server_default=text("now()"))
    original_entry_id: Mapped[int | None] = mapped_column(BigInteger)
    hold_id: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str | None] = mapped_column(String(3))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    issue_price: Mapped[Decimal | None] = mapped_column(PRICE)
    redemption_value: Mapped[Decimal | None] = mapped_column(PRICE)
    earn_rate: Mapped[Decimal | None] = mapped_column(PRICE)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    xid: Mapped[str] = mapped_column(XID8, server_default=text("pg_current_xact_id()"))
    """The writing transaction's id: settlement batches cover entries by it (migration 0009)."""
    prepaid: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    """An earn its PREPAID partner drew from its point blocks, or a reversal of one (it gives
    the points back): settlement bills the blocks, not the issuance (migration 0011)."""

    __table_args__ = (
        CheckConstraint(
            "kind IN ('EARN', 'EARN_REVERSAL', 'BURN', 'BURN_REFUND', 'TRANSFER_IN',"
            " 'TRANSFER_OUT', 'EXPIRY', 'ADJUSTMENT', 'BONUS')",
            name="kind",
        ),
        CheckConstraint("points >= 0", name="points_not_negative"),
        Index("ix_journal_entries_member", "member_id", "id"),
        Index("ix_journal_entries_partner", "partner_id", "id"),
        Index(
            "ix_journal_entries_original",
            "original_entry_id",
            postgresql_where=text("original_entry_id IS NOT NULL"),
        ),
        Index("ix_journal_entries_posted_brin", "posted_at", postgresql_using="brin"),
        Index(
            "ix_journal_entries_xid_brin",
            text("(((xid)::text)::bigint)"),
            postgresql_using="brin",
        ),
        # a member's qualifying points for tiers (migration 0013)
        Index(
            "ix_journal_entries_member_earns",
            "member_id",
            "occurred_at",
            postgresql_include=["points", "posted_at"],
            postgresql_where=text("kind = 'EARN'"),
        ),
        Index(
            "ix_journal_entries_member_reversals",
            "member_id",
            "posted_at",
            postgresql_include=["original_entry_id", "points"],
            postgresql_where=text("kind = 'EARN_REVERSAL'"),
        ),
    )


class Posting(Base):
    __tablename__ = "postings"

    entry_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    account_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    points: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (CheckConstraint("points <> 0", name="points_not_zero"),)


class Lot(Base):
    """Points earned together: who issued them, when they become available and expire."""

    __tablename__ = "lots"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    member_id: Mapped[int] = mapped_column(BigInteger)
    issuer_partner_id: Mapped[int | None] = mapped_column(BigInteger)
    entry_id: Mapped[int] = mapped_column(BigInteger)
    points: Mapped[int] = mapped_column(BigInteger)
    remaining: Mapped[int] = mapped_column(BigInteger)
    issue_price: Mapped[Decimal | None] = mapped_column(PRICE)
    earned_at: Mapped[datetime] = mapped_column(TS)
    available_at: Mapped[datetime] = mapped_column(TS)
    expires_at: Mapped[datetime | None] = mapped_column(TS)

    __table_args__ = (
        CheckConstraint("points > 0", name="points_positive"),
        CheckConstraint("remaining >= 0 AND remaining <= points", name="remaining_in_range"),
        Index(
            "ix_lots_member_open",
            "member_id",
            "expires_at",
            "id",
            postgresql_where=text("remaining > 0"),
        ),
    )


class LotConsumption(Base):
    """Points taken from (positive) or given back to (negative) a lot, and by which entry.

    Burns record the redeeming partner, so every burned point knows who issued it and where it
    was spent; refunds record the consumption they give back.
    """

    __tablename__ = "lot_consumptions"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    lot_id: Mapped[int] = mapped_column(BigInteger)
    entry_id: Mapped[int] = mapped_column(BigInteger)
    member_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))
    issuer_partner_id: Mapped[int | None] = mapped_column(BigInteger)
    redeemer_partner_id: Mapped[int | None] = mapped_column(BigInteger)
    points: Mapped[int] = mapped_column(BigInteger)
    refunds_consumption_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(TS, server_default=text("now()"))

    __table_args__ = (
        CheckConstraint(
            "kind IN ('BURN', 'REFUND', 'REVERSAL', 'DEBT', 'EXPIRY', 'TRANSFER')", name="kind"
        ),
        CheckConstraint("points <> 0", name="points_not_zero"),
        CheckConstraint("(kind = 'REFUND') = (points < 0)", name="sign_by_kind"),
        Index("ix_lot_consumptions_entry", "entry_id"),
    )


class ExpiryWarning(Base):
    """A ``points.expiring`` warning sent: one per member and UTC date of expiry (migration
    0027), the key that makes it once."""

    __tablename__ = "expiry_warnings"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    expires_on: Mapped[date] = mapped_column(Date, primary_key=True)
    points: Mapped[int] = mapped_column(BigInteger)
    first_expires_at: Mapped[datetime] = mapped_column(TS)
    warned_at: Mapped[datetime] = mapped_column(TS)


class Hold(Base):
    __tablename__ = "holds"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    points: Mapped[int] = mapped_column(BigInteger)
    captured_points: Mapped[int] = mapped_column(BigInteger, server_default="0")
    status: Mapped[str] = mapped_column(String(16), server_default="AUTHORIZED")
    order_id: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(TS)
    expires_at: Mapped[datetime] = mapped_column(TS)
    finalized_at: Mapped[datetime | None] = mapped_column(TS)
    capture_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    """The burn limits the hold was authorized under (migration 0015); its capture keeps them."""

    __table_args__ = (
        CheckConstraint("status IN ('AUTHORIZED', 'CAPTURED', 'VOIDED', 'EXPIRED')", name="status"),
        CheckConstraint("points > 0", name="points_positive"),
        CheckConstraint("captured_points >= 0 AND captured_points <= points", name="captured"),
        Index(
            "ix_holds_member_open",
            "member_id",
            "expires_at",
            postgresql_where=text("status = 'AUTHORIZED'"),
        ),
        Index("ix_holds_open_expiry", "expires_at", postgresql_where=text("status = 'AUTHORIZED'")),
        Index("ix_holds_partner", "partner_id", "id"),
    )


class IdempotencyRecord(Base):
    """One per (caller, key): the unique constraint is what makes retries safe."""

    __tablename__ = "idempotency_records"

    caller: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    operation: Mapped[str] = mapped_column(String(64))
    request_hash: Mapped[str] = mapped_column(String(64))
    response: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(TS, server_default=text("now()"))


class OutboxEvent(Base):
    """A business event, written in the same transaction as the change that causes it."""

    __tablename__ = "outbox_events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(40))
    event_type: Mapped[str] = mapped_column(String(64))
    partner_id: Mapped[int | None] = mapped_column(BigInteger)
    member_id: Mapped[int | None] = mapped_column(BigInteger)
    member_seq: Mapped[int | None] = mapped_column(BigInteger)
    entry_id: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(TS, primary_key=True, server_default=text("now()"))
    """The partition key: one partition a month (migration 0026, outbox_partitions)."""
    xid: Mapped[str] = mapped_column(XID8, server_default=text("pg_current_xact_id()"))
    """The writing transaction's id: webhooks fan out by it (migration 0005)."""

    __table_args__ = (
        Index("ix_outbox_events_xid", "xid"),
        {"postgresql_partition_by": "RANGE (created_at)"},
    )


class ImportJob(Base):
    """A bulk import of a partner's earn file (migration 0004); its counts grow as it runs."""

    __tablename__ = "import_jobs"
    __table_args__ = (
        Index(
            "uq_import_jobs_key",
            "partner_id",
            "idempotency_key",
            unique=True,
            postgresql_where=text("idempotency_key IS NOT NULL"),
        ),
        Index("ix_import_jobs_partner", "partner_id", "id"),
        Index(
            "ix_import_jobs_unfinished",
            "heartbeat_at",
            postgresql_where=text("status IN ('QUEUED', 'RUNNING')"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    partner_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("partners.id"))
    status: Mapped[str] = mapped_column(Text, server_default="QUEUED")
    file_name: Mapped[str | None] = mapped_column(Text)
    format: Mapped[str] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(Text)
    file_sha256: Mapped[str | None] = mapped_column(Text)
    lines_total: Mapped[int] = mapped_column(BigInteger, server_default="0")
    lines_posted: Mapped[int] = mapped_column(BigInteger, server_default="0")
    lines_already: Mapped[int] = mapped_column(BigInteger, server_default="0")
    lines_rejected: Mapped[int] = mapped_column(BigInteger, server_default="0")
    failure: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TS, server_default=text("now()"))
    started_at: Mapped[datetime | None] = mapped_column(TS)
    finished_at: Mapped[datetime | None] = mapped_column(TS)
    heartbeat_at: Mapped[datetime | None] = mapped_column(TS)
    """Beaten every few seconds while the job runs (migration 0007): a silent QUEUED or
    RUNNING job's process died, and the job is given up as interrupted."""
    credit_limit_line: Mapped[int | None] = mapped_column(BigInteger)
    """A PREPAID partner's file: the first line refused with PARTNER_CREDIT_LIMIT; every
    later line with points is refused too (migration 0011)."""


class ImportErrorRow(Base):
    """A rejected line of an import job: the error report."""

    __tablename__ = "import_errors"

    job_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("import_jobs.id", ondelete="CASCADE"), primary_key=True
    )
    line_no: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    idempotency_key: Mapped[str | None] = mapped_column(Text)
    code: Mapped[str] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text)


class ImportLine(Base):
    """A staged line of a running import job (UNLOGGED: disposable after a crash)."""

    __tablename__ = "import_lines"

    job_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    line_no: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    status: Mapped[str] = mapped_column(Text, server_default="READY")
    error_code: Mapped[str | None] = mapped_column(Text)
    error_message: Mapped[str | None] = mapped_column(Text)
    member_id: Mapped[int | None] = mapped_column(BigInteger)
    by_card: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    idem_key: Mapped[str | None] = mapped_column(Text)
    request_hash: Mapped[str | None] = mapped_column(Text)
    order_id: Mapped[str | None] = mapped_column(Text)
    amount: Mapped[Decimal | None] = mapped_column(Numeric)
    currency: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime | None] = mapped_column(TS)
    points: Mapped[int | None] = mapped_column(BigInteger)
    earn_rate: Mapped[Decimal | None] = mapped_column(PRICE)
    issue_price: Mapped[Decimal | None] = mapped_column(PRICE)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


__all__ = [
    "Account",
    "Hold",
    "IdempotencyRecord",
    "ImportErrorRow",
    "ImportJob",
    "ImportLine",
    "JournalEntry",
    "Lot",
    "LotConsumption",
    "Member",
    "MemberBalance",
    "MemberCard",
    "MemberPartnerLink",
    "OutboxEvent",
    "Posting",
]
