"""Which pool an operation reads balances and history from, when a read replica is set: a
query of a caller whose last write the replica has replayed reads from it; a mutation reads
from the primary and, once done, notes the caller's write position (and sends it back in
``Exchange-Read-After``). Registered only with EXCHANGE_READ_REPLICA_URL: nothing otherwise."""

from __future__ import annotations

from collections.abc import AsyncIterator

from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from .context import Context

HEADER = "Exchange-Read-After"
"""The write position, both ways: sent after a mutation, honoured when sent back."""


class ReadRouting(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        if not isinstance(context, Context) or context.router is None:
            yield
            return
        caller = context.principal.caller
        writing = self.execution_context.operation_type is OperationType.MUTATION
        if not writing:
            context.read_pool = await context.router.pool_for(caller, context.claimed_lsn)
        yield
        if writing:
            context.written_lsn = await context.router.written(caller)
