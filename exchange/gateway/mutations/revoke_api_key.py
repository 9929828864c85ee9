"""``revokeApiKey`` (admin): a key stops working now, or at a later time (rotation overlap)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.errors import ExchangeError
from partners.errors import ApiKeyNotFound
from partners.keys import revoke_key

from ..auth import require_admin
from ..context import Context, Info
from ..types.common import UserError
from ..types.partners import ApiKey
from .common import decode_id


@strawberry.input
class RevokeApiKeyInput:
    id: strawberry.ID
    at: datetime | None = strawberry.field(
        default=None,
        description="When the key stops working (default: now). A later time"
        " leaves an overlap window while its holder switches to a new key.",
    )


@strawberry.type
class RevokeApiKeyPayload:
    key: ApiKey | None
    user_errors: list[UserError]


async def _revoke(ctx: Context, data: RevokeApiKeyInput) -> ApiKey:
    key_id = decode_id(data.id, "ApiKey", ApiKeyNotFound, "id")
    now = clock.now()
    at = now if data.at is None else max(data.at, now)
    async with transaction(ctx.pool) as conn:
        return ApiKey.of(await revoke_key(conn, key_id=key_id, at=at))


async def revoke_api_key(info: Info, input: RevokeApiKeyInput) -> RevokeApiKeyPayload:
    ctx = info.context
    require_admin(ctx.principal)
    try:
        return RevokeApiKeyPayload(key=await _revoke(ctx, input), user_errors=[])
    except ExchangeError as error:
        return RevokeApiKeyPayload(key=None, user_errors=[UserError.of(error)])
