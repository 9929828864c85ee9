"""outbox_events partitioned by month (declarative, on created_at), for archiving old months

The table is rebuilt as ``PARTITION BY RANGE (created_at)``: a partition for every month that
has events and for the next two, named ``outbox_parts.outbox_events_YYYY_MM``, and a default
partition for anything else (a clock moved by hand). Partitions live in the schema
``outbox_parts`` so that only the parent is the application's table. The worker creates the
coming months ahead and archives old ones (exchange.ledger.outbox_partitions). The primary key
becomes ``(id, created_at)`` (a partitioned table's keys include its partition key); ids stay
unique from their sequence. The rows are copied once (minutes per tens of millions), and
every trigger of the table (whichever migration added it) is made again on the new one.

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-23 19:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

TRIGGERS = """
SELECT t.tgname, pg_get_triggerdef(t.oid) AS definition FROM pg_trigger t
 WHERE t.tgrelid = 'outbox_events'::regclass AND NOT t.tgisinternal AND t.tgparentid = 0
 ORDER BY t.tgname
"""
"""The outbox's own triggers (not their clones on partitions): every one is made again on
the rebuilt table, whichever migrations added them (append-only guard, tiers, referrals)."""


def _take_triggers() -> list[str]:
    bind = op.get_bind()
    found = bind.exec_driver_sql(TRIGGERS).fetchall()
    for name, _ in found:
        op.execute(f'DROP TRIGGER "{name}" ON outbox_events')
    return [definition for _, definition in found]


MONTHS_WITH_EVENTS_AND_NEXT_TWO = """
DO $$
DECLARE
    month date;
BEGIN
    FOR month IN
        SELECT DISTINCT date_trunc('month', created_at AT TIME ZONE 'UTC')::date
          FROM outbox_events_unpartitioned
        UNION
        SELECT (date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => n))::date
          FROM generate_series(0, 2) AS n
    LOOP
        EXECUTE format(
            'CREATE TABLE outbox_parts.%I PARTITION OF outbox_events FOR VALUES FROM (%L) TO (%L)',
            'outbox_events_' || to_char(month, 'YYYY_MM'),
            month::timestamp AT TIME ZONE 'UTC',
            (month + interval '1 month')::timestamp AT TIME ZONE 'UTC');
    END LOOP;
END $$
"""


def upgrade() -> None:
    triggers = _take_triggers()
    op.execute("ALTER TABLE outbox_events RENAME TO outbox_events_unpartitioned")
    op.execute(
        "ALTER TABLE outbox_events_unpartitioned"
        " RENAME CONSTRAINT pk_outbox_events TO pk_outbox_events_unpartitioned"
    )
    op.execute("ALTER INDEX ix_outbox_events_xid RENAME TO ix_outbox_events_unpartitioned_xid")
    op.execute(
        "CREATE TABLE outbox_events (LIKE outbox_events_unpartitioned INCLUDING DEFAULTS)"
        " PARTITION BY RANGE (created_at)"
    )
    op.execute("ALTER TABLE outbox_events ADD CONSTRAINT pk_outbox_events PRIMARY KEY (id, created_at)")
    op.execute("CREATE INDEX ix_outbox_events_xid ON outbox_events (xid)")
    op.execute("CREATE SCHEMA outbox_parts")
    op.execute("CREATE SCHEMA outbox_archive")
    op.execute("CREATE TABLE outbox_parts.outbox_events_default PARTITION OF outbox_events DEFAULT")
    op.execute(MONTHS_WITH_EVENTS_AND_NEXT_TWO)
    op.execute("INSERT INTO outbox_events SELECT * FROM outbox_events_unpartitioned")
    op.execute("ALTER SEQUENCE outbox_events_id_seq OWNED BY outbox_events.id")
    op.execute("DROP TABLE outbox_events_unpartitioned")
    for trigger in triggers:
        op.execute(trigger)


def downgrade() -> None:
    triggers = _take_triggers()
    op.execute("ALTER TABLE outbox_events RENAME TO outbox_events_partitioned")
    op.execute(
        "ALTER TABLE outbox_events_partitioned"
        " RENAME CONSTRAINT pk_outbox_events TO pk_outbox_events_partitioned"
    )
    op.execute("ALTER INDEX ix_outbox_events_xid RENAME TO ix_outbox_events_partitioned_xid")
    op.execute("CREATE TABLE outbox_events (LIKE outbox_events_partitioned INCLUDING DEFAULTS)")
    op.execute("ALTER TABLE outbox_events ADD CONSTRAINT pk_outbox_events PRIMARY KEY (id)")
    op.execute("CREATE INDEX ix_outbox_events_xid ON outbox_events (xid)")
    op.execute("INSERT INTO outbox_events SELECT * FROM outbox_events_partitioned")
    op.execute("ALTER SEQUENCE outbox_events_id_seq OWNED BY outbox_events.id")
    op.execute("DROP TABLE outbox_events_partitioned")  # its partitions with it
    op.execute("DROP SCHEMA outbox_parts")
    op.execute("DROP SCHEMA outbox_archive CASCADE")  # archived months go with a downgrade
    for trigger in triggers:
        op.execute(trigger)
