"""How errors leave the gateway: a stable ``extensions.code``; unexpected ones masked."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, GraphQLSyntaxError

from exchange.kit.errors import ExchangeError

MASKED = "Internal server error"


def error_body(message: str, code: str, **extensions: str) -> dict[str, Any]:
    """A whole response made of one error (401, 400, 413, 500 before GraphQL runs)."""
    return {"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}


def is_unexpected(error: GraphQLError) -> bool:
    """An exception the code did not mean to raise: logged in full, shown masked."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError | ExchangeError):
        return False
    # Path-less errors come from parsing, validation or variable coercion: a scalar's
    # ValueError or TypeError there is the caller's input, not a bug.
    return error.path is not None or not isinstance(original, ValueError | TypeError)


def is_request_error(error: GraphQLError) -> bool:
    """The document or its variables were refused before anything ran."""
    return error.path is None and not is_unexpected(error)


def _request_code(error: GraphQLError) -> str:
    if isinstance(error, GraphQLSyntaxError) or isinstance(
        error.original_error, GraphQLSyntaxError
    ):
        return "GRAPHQL_PARSE_FAILED"
    if error.message.startswith("Variable '$"):
        return "BAD_USER_INPUT"
    return "GRAPHQL_VALIDATION_FAILED"


def format_error(error: GraphQLError, request_id: str) -> dict[str, Any]:
    if is_unexpected(error):
        formatted: dict[str, Any] = dict(GraphQLError(MASKED, path=error.path).formatted)
        formatted["extensions"] = {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
        return formatted
    formatted = dict(error.formatted)
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
