"""The strawberry schema, with its abuse limits and caches."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from exchange.kit.settings import Settings

from .audit_hook import audit_every_mutation
from .errors import is_unexpected, unavailable
from .guard import OperationGuard
from .mutations import Mutation
from .queries import Query
from .read_routing import ReadRouting
from .types.holds import Hold
from .types.members import Member
from .types.partners import Partner
from .types.scalars import DATETIME, DURATION, Duration
from .types.transactions import Transaction

logger = logging.getLogger("exchange.gateway")


class GatewaySchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log what will be masked, with the request id and the stack trace; nothing else."""
        context = getattr(execution_context, "context", None)
        request_id = getattr(context, "request_id", "-")
        for error in errors:
            if unavailable(error):
                logger.warning(
                    "database unavailable in request %s at %s: %s",
                    request_id,
                    error.path,
                    error.original_error,
                )
            elif is_unexpected(error):
                logger.error(
                    "unexpected error in request %s at %s",
                    request_id,
                    error.path,
                    exc_info=error.original_error,
                )


def _limits(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """The validation rules are built once, so the validation cache keys stay stable."""
    rules = [
        *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
    ]
    if not settings.introspection_enabled:
        rules.extend(DisableIntrospection().validation_rules)
    max_tokens = settings.max_tokens
    return [
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
        lambda: AddValidationRules(list(rules)),
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        OperationGuard,
        *([ReadRouting] if settings.read_replica_url else []),
    ]


def build_schema(settings: Settings) -> GatewaySchema:
    audit_every_mutation(Mutation)
    scalars: dict[object, Any] = {datetime: DATETIME}
    return GatewaySchema(
        query=Query,
        mutation=Mutation,
        types=[Member, Transaction, Hold, Partner],
        extensions=_limits(settings),
        config=StrawberryConfig(scalar_map={Duration: DURATION}),
        scalar_overrides=scalars,
    )
