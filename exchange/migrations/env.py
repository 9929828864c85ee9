from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

import exchange.kit.audit_models
import exchange.kit.rate_models
import exchange.portal.models  # noqa: F401
import partners.bonuses.models
import partners.campaigns.models
import partners.conversions.models
import partners.pools.models
import partners.redemption_models
import partners.referrals.models
import partners.tiers.models  # noqa: F401
import settlement.models  # noqa: F401
from exchange.kit.db import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
