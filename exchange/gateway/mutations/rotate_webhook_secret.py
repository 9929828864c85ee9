"""``rotateWebhookSecret``: a new whsec_ secret (shown once); the old one signs on for an
overlap, both signatures in the header, so the receiver can switch without losing events."""

from __future__ import annotations

from datetime import timedelta

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.errors import ExchangeError
from partners.webhooks import endpoints

from ..context import Context, Info
from ..types.common import UserError
from ..types.webhooks import WebhookEndpoint
from .webhooks_common import box, endpoint_id, manager_scope


@strawberry.input
class RotateWebhookSecretInput:
    id: strawberry.ID
    overlap_seconds: int = strawberry.field(
        default=int(endpoints.DEFAULT_OVERLAP.total_seconds()),
        description="How long the current secret keeps signing beside the new one (0 to"
        " 604800; 0 stops it at once).",
    )


@strawberry.type
class RotateWebhookSecretPayload:
    endpoint: WebhookEndpoint | None
    secret: str | None = strawberry.field(description="The new whsec_ secret. Shown once.")
    user_errors: list[UserError]


async def _rotate(ctx: Context, data: RotateWebhookSecretInput) -> RotateWebhookSecretPayload:
    scope = manager_scope(ctx.principal)
    async with transaction(ctx.pool) as conn:
        endpoint, secret = await endpoints.rotate_secret(
            conn,
            box(ctx),
            endpoint_id=endpoint_id(data.id),
            scope=scope,
            overlap=timedelta(seconds=data.overlap_seconds),
            now=clock.now(),
        )
    return RotateWebhookSecretPayload(
        endpoint=WebhookEndpoint.of(endpoint), secret=secret, user_errors=[]
    )


async def rotate_webhook_secret(
    info: Info, input: RotateWebhookSecretInput
) -> RotateWebhookSecretPayload:
    try:
        return await _rotate(info.context, input)
    except ExchangeError as error:
        return RotateWebhookSecretPayload(
            endpoint=None, secret=None, user_errors=[UserError.of(error)]
        )
