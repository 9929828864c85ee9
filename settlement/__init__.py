"""Settlement: finance closes a period and every partner knows what it owes or is owed.

Reads the ledger and the partner registry; writes only its own tables (migration 0009)."""
