"""Fixtures of the ledger tests; the helpers themselves live in ``ledger_support``."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from ledger_support import Ledger, audit_failures

from exchange.kit.db import Pool, transaction


@pytest.fixture
def ledger(pool: Pool) -> Ledger:
    return Ledger(pool)


@pytest.fixture
async def audited(pool: Pool) -> AsyncIterator[None]:
    """After the test, every invariant of contract section 7 holds over the whole database."""
    yield
    async with transaction(pool) as conn:
        failures = await audit_failures(conn)
    assert failures == [], failures
