"""What the webhook mutations share: who may manage endpoints, id decoding, the secret box."""

from __future__ import annotations

from exchange.kit.secrets_box import SecretBox
from partners.webhooks.endpoints import Policy
from partners.webhooks.errors import EndpointNotFound, EventNotFound

from ..auth import Principal, require_admin
from ..context import Context
from .common import decode_id


def manager_scope(principal: Principal) -> int | None:
    """A partner manages its own endpoints; admin any partner's (None); finance none."""
    if principal.role == "partner" and principal.partner_id is not None:
        return principal.partner_id
    require_admin(principal)
    return None


def endpoint_id(global_id: str, field: str = "id") -> int:
    return decode_id(global_id, "WebhookEndpoint", EndpointNotFound, field)


def event_id(global_id: str, field: str = "eventId") -> int:
    return decode_id(global_id, "WebhookEvent", EventNotFound, field)


def box(ctx: Context) -> SecretBox:
    return SecretBox.from_settings(ctx.settings)


def policy(ctx: Context) -> Policy:
    return Policy.of(ctx.settings)
