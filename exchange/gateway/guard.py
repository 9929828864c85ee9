"""One schema extension between validation and execution: it names the operation (request
log, metrics), measures its cost (exchange.gateway.cost), refuses one over
``EXCHANGE_MAX_QUERY_COST``, and takes the cost from the caller's token bucket
(exchange.gateway.rate_limit): RATE_LIMITED, HTTP 429 with Retry-After, when it is empty.
Nothing has run yet when it refuses."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator

from graphql import FragmentDefinitionNode, GraphQLError, OperationDefinitionNode
from strawberry.extensions import SchemaExtension

from exchange.kit.metrics import RATE_LIMITED

from .context import Context
from .cost import operation_cost
from .operations import label, operation_of


def bucket_of(context: Context) -> str:
    principal = context.principal
    kind = "member" if principal.member_id is not None else "key"
    return f"{kind}:{principal.key_id}"


_COSTS: dict[tuple[int, str | None, tuple[tuple[str, int], ...]], tuple[object, int]] = {}
"""Costs of the documents the parser cache keeps (the same text is the same document), by
the integer variables that may be a page size. Kept with their document, so an id is never
mistaken for another's."""
MAX_COSTS = 512


class OperationGuard(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        execution = self.execution_context
        context = execution.context
        document = execution.graphql_document
        operation = None if document is None else operation_of(document, execution.operation_name)
        if isinstance(context, Context) and operation is not None:
            context.facts.operation = label(operation)
            fragments = {
                node.name.value: node
                for node in document.definitions  # type: ignore[union-attr]
                if isinstance(node, FragmentDefinitionNode)
            }
            await self._charge(context, operation, fragments)
        yield

    def _cost(
        self, operation: OperationDefinitionNode, fragments: dict[str, FragmentDefinitionNode]
    ) -> int:
        execution = self.execution_context
        variables = execution.variables or {}
        sizes = tuple(sorted((k, v) for k, v in variables.items() if isinstance(v, int)))
        key = (id(execution.graphql_document), execution.operation_name, sizes)
        cached = _COSTS.get(key)
        if cached is not None and cached[0] is execution.graphql_document:
            return cached[1]
        cost = operation_cost(execution.schema._schema, operation, fragments, variables)
        if len(_COSTS) >= MAX_COSTS:
            _COSTS.clear()
        _COSTS[key] = (execution.graphql_document, cost)
        return cost

    async def _charge(
        self,
        context: Context,
        operation: OperationDefinitionNode,
        fragments: dict[str, FragmentDefinitionNode],
    ) -> None:
        cost = self._cost(operation, fragments)
        limit = context.settings.max_query_cost
        if cost > limit:
            raise GraphQLError(
                f"the operation costs {cost}, more than the {limit} allowed: ask for fewer"
                " objects (smaller `first`, fewer nested lists)",
                extensions={"code": "GRAPHQL_VALIDATION_FAILED", "cost": cost, "maxCost": limit},
            )
        limiter = context.limiter
        if limiter is None or not limiter.enabled:
            return
        wait = await limiter.take(context.pool, bucket_of(context), cost)
        if wait is None:
            return
        context.facts.retry_after = wait
        RATE_LIMITED.labels(context.principal.role).inc()
        seconds = max(1, math.ceil(wait))
        raise GraphQLError(
            f"rate limit: this key may spend {limiter.limits.per_second} cost units a second"
            f" (bursts of {limiter.limits.burst}); this operation costs {cost}. Retry after"
            f" {seconds} s.",
            extensions={"code": "RATE_LIMITED", "retryAfter": seconds, "cost": cost},
        )
