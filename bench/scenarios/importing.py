"""``import``: a partner's transaction file through the bulk import - not built yet."""

from __future__ import annotations

from bench.results import Goal
from bench.scenarios import Scenario

SCENARIO = Scenario(
    name="import",
    goal=Goal(ratio_at_least=10.0),
    measure=None,
    unavailable="the bulk import (exchange import / importTransactions) lands later in issue 4",
)
