"""Refusals of settlement."""

from __future__ import annotations

from exchange.kit.errors import ExchangeError, NotFound


class SettlementBatchNotFound(NotFound):
    """No settlement batch with that id (or not one the caller may see)."""

    code = "SETTLEMENT_BATCH_NOT_FOUND"


class SettlementDraftExists(ExchangeError):
    """A DRAFT batch is open: approve or discard it before running another."""

    code = "SETTLEMENT_DRAFT_EXISTS"


class SettlementInProgress(ExchangeError):
    """Another settlement run is computing a batch right now; this one did nothing."""

    code = "SETTLEMENT_IN_PROGRESS"


class SettlementBatchNotDraft(ExchangeError):
    """Only a DRAFT batch can be approved or discarded."""

    code = "SETTLEMENT_BATCH_NOT_DRAFT"


class SettlementBatchNotApproved(ExchangeError):
    """Only an APPROVED batch can be marked paid."""

    code = "SETTLEMENT_BATCH_NOT_APPROVED"
