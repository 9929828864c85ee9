"""The schema as the migrations leave it: it matches the models, and the audit notices a row
whose references do not resolve (the hot tables carry no foreign keys)."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

import exchange.kit.audit_models
import exchange.kit.rate_models
import exchange.ledger.models
import exchange.portal.models  # noqa: F401
import partners.bonuses.models
import partners.campaigns.models
import partners.conversions.models
import partners.models
import partners.pools.models
import partners.redemption_models
import partners.referrals.models
import partners.tiers.models
import partners.webhooks.models  # noqa: F401
import settlement.models  # noqa: F401
from exchange.kit.db import Base, sqlalchemy_url
from exchange.ledger.audit import run_audit


def test_models_match_the_migrations(database_url: str) -> None:
    engine = create_engine(sqlalchemy_url(database_url))
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


async def test_the_audit_finds_a_reference_that_does_not_resolve(pool, make_member) -> None:
    member = await make_member()
    async with pool.connection() as conn, conn.transaction(force_rollback=True):
        await conn.execute(
            "INSERT INTO journal_entries (kind, member_id, partner_id, points, reason,"
            " occurred_at) VALUES ('ADJUSTMENT', %s, 987654321, 0, 'test', %s)",
            (member, datetime.now(UTC)),
        )
        results = {check.name: check for check in await run_audit(conn)}
    assert not results["references_resolve"].ok
    assert all(check.ok for name, check in results.items() if name != "references_resolve")
