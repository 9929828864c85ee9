"""The audit trail's one hook: a field extension on every root Mutation field, so a mutation
added later is audited without a line of its own.

Audited: every mutation an admin or finance key calls, and the webhook endpoint changes any
key makes (where a partner's events go and the secret that signs them), and the conversion
rules a partner sets for its own program. The event is written
before the resolver runs (if it cannot be written, the mutation does not run), the outcome
after: ``OK``, ``REFUSED`` with the userErrors' codes, or ``ERROR`` with the error's code.
Anything else (a partner's earn) passes straight through: one attribute test."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry import UNSET
from strawberry.extensions import FieldExtension
from strawberry.utils.str_converters import to_camel_case

from exchange.kit import audit_trail
from exchange.kit.db import transaction
from exchange.kit.errors import ExchangeError

from .context import Context

logger = logging.getLogger("exchange.audit")

AUDITED_FOR_ANY_KEY = frozenset(
    {
        "createWebhookEndpoint",
        "updateWebhookEndpoint",
        "disableWebhookEndpoint",
        "rotateWebhookSecret",
        "setConversionRules",  # a partner's key sets the rates of its own program
    }
)


def audited(context: Context, operation: str) -> bool:
    return context.principal.is_staff or operation in AUDITED_FOR_ANY_KEY


def graphql_shaped(value: object) -> object:
    """Strawberry inputs as the caller wrote them: dictionaries with camelCase names, enum
    values, fields left out left out."""
    if isinstance(value, Enum):
        return value.name
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            to_camel_case(field.name): graphql_shaped(getattr(value, field.name))
            for field in dataclasses.fields(value)
            if getattr(value, field.name) is not UNSET
        }
    if isinstance(value, list):
        return [graphql_shaped(item) for item in value]
    return value


def outcome_of(result: object) -> tuple[audit_trail.Outcome, list[str]]:
    errors = getattr(result, "user_errors", None) or []
    codes = [str(getattr(error.code, "value", error.code)) for error in errors]
    return ("REFUSED", codes) if codes else ("OK", [])


def error_code(error: Exception) -> str:
    if isinstance(error, ExchangeError):
        return error.code
    if isinstance(error, GraphQLError):
        return str((error.extensions or {}).get("code", "GRAPHQL_ERROR"))
    return "INTERNAL_SERVER_ERROR"


class AuditTrail(FieldExtension):
    async def resolve_async(
        self,
        next_: Callable[..., Awaitable[Any]],
        source: Any,
        info: strawberry.Info,
        **kwargs: Any,
    ) -> Any:
        context = info.context
        if not (isinstance(context, Context) and audited(context, info.field_name)):
            return await next_(source, info, **kwargs)
        event_id = await _record(context, info.field_name, kwargs)
        try:
            result = await next_(source, info, **kwargs)
        except Exception as error:
            await _finish(context, event_id, "ERROR", [error_code(error)])
            raise
        await _finish(context, event_id, *outcome_of(result))
        return result


async def _record(context: Context, operation: str, kwargs: dict[str, Any]) -> int:
    principal, facts = context.principal, context.facts
    action = audit_trail.Action(
        source="graphql",
        principal=principal.role,
        operation=operation,
        input={to_camel_case(name): graphql_shaped(value) for name, value in kwargs.items()},
        key_id=principal.key_id,
        client_ip=facts.client_ip,
        user_agent=facts.user_agent,
        request_id=facts.request_id,
    )
    async with transaction(context.pool) as conn:
        return await audit_trail.record(conn, action)


async def _finish(
    context: Context, event_id: int, outcome: audit_trail.Outcome, codes: list[str]
) -> None:
    """The outcome; the action has happened by now, so a failure here is logged, not raised."""
    try:
        async with transaction(context.pool) as conn:
            await audit_trail.finish(conn, event_id, outcome, codes)
    except Exception:
        logger.exception("audit event %s: its outcome (%s) could not be written", event_id, outcome)


def audit_every_mutation(mutation: type) -> None:
    """Put the hook on each root Mutation field (once, however often a schema is built)."""
    for field in mutation.__strawberry_definition__.fields:  # type: ignore[attr-defined]
        if not any(isinstance(extension, AuditTrail) for extension in field.extensions):
            field.extensions.append(AuditTrail())
