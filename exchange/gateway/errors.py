"""How errors leave the gateway: a stable ``extensions.code``; unexpected ones masked."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, GraphQLSyntaxError

from exchange.kit.db import is_unavailable
from exchange.kit.errors import ExchangeError

MASKED = "Internal server error"
UNAVAILABLE = "The database is unavailable; send the same request again (the same idempotencyKey)"
UNAVAILABLE_CODE = "SERVICE_UNAVAILABLE"


def error_body(message: str, code: str, **extensions: str) -> dict[str, Any]:
    """A whole response made of one error (401, 400, 413, 500 before GraphQL runs)."""
    return {"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}


def unavailable(error: GraphQLError) -> bool:
    """The database could not be reached: HTTP 503, the client sends the request again."""
    return is_unavailable(error.original_error)


def is_unexpected(error: GraphQLError) -> bool:
    """An exception the code did not mean to raise: logged in full, shown masked."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError | ExchangeError):
        return False
    if unavailable(error):
        return False
    # Path-less errors come from parsing, validation or variable coercion: a scalar's
    # ValueError or TypeError there is the caller's input, not a bug.
    return error.path is not None or not isinstance(original, ValueError | TypeError)


def is_request_error(error: GraphQLError) -> bool:
    """The document or its variables were refused before anything ran."""
    return error.path is None and not is_unexpected(error) and not unavailable(error)


def _request_code(error: GraphQLError) -> str:
    if isinstance(error, GraphQLSyntaxError) or isinstance(
        error.original_error, GraphQLSyntaxError
    ):
        return "GRAPHQL_PARSE_FAILED"
    if error.message.startswith("Variable '$"):
        return "BAD_USER_INPUT"
    return "GRAPHQL_VALIDATION_FAILED"


def _replaced(error: GraphQLError, message: str, code: str, request_id: str) -> dict[str, Any]:
    """The error with our message and code instead of what the exception said."""
    formatted: dict[str, Any] = dict(GraphQLError(message, path=error.path).formatted)
    formatted["extensions"] = {"code": code, "requestId": request_id}
    return formatted


def format_error(error: GraphQLError, request_id: str) -> dict[str, Any]:
    if unavailable(error):
        return _replaced(error, UNAVAILABLE, UNAVAILABLE_CODE, request_id)
    if is_unexpected(error):
        return _replaced(error, MASKED, "INTERNAL_SERVER_ERROR", request_id)
    formatted: dict[str, Any] = dict(error.formatted)
    extensions = dict(formatted.get("extensions") or {})
    original = error.original_error
    if isinstance(original, ExchangeError):
        extensions["code"] = original.code
        if original.field:
            extensions["field"] = original.field
    elif "code" not in extensions:
        extensions["code"] = _request_code(error) if error.path is None else "INTERNAL_SERVER_ERROR"
    formatted["extensions"] = extensions
    return formatted
