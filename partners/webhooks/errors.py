"""Refusals of webhook management."""

from __future__ import annotations

from exchange.kit.errors import ExchangeError, NotFound


class EndpointNotFound(NotFound):
    """No webhook endpoint with that id that the caller may see."""

    code = "WEBHOOK_ENDPOINT_NOT_FOUND"


class EventNotFound(NotFound):
    """No webhook event with that id that the caller may see."""

    code = "WEBHOOK_EVENT_NOT_FOUND"


class EndpointDisabled(ExchangeError):
    """The endpoint is disabled: enable it (updateWebhookEndpoint) before sending to it."""

    code = "WEBHOOK_ENDPOINT_DISABLED"


class TargetRefused(ExchangeError):
    """A URL the exchange will not call: not https in production, or a loopback, private,
    link-local or metadata address (or a name that resolves to one)."""

    code = "WEBHOOK_TARGET_REFUSED"
