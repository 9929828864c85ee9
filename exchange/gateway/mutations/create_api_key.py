"""``createApiKey`` (admin): a new key for a role (and a partner); the secret is shown once."""

from __future__ import annotations

import strawberry

from exchange.kit.db import transaction
from exchange.kit.errors import ExchangeError, InvalidInput
from partners import keys, registry

from ..auth import require_admin
from ..context import Context, Info
from ..types.common import UserError
from ..types.partners import ApiKey, ApiKeyRole

MAX_NAME = 200


@strawberry.input
class CreateApiKeyInput:
    role: ApiKeyRole
    partner_code: str | None = strawberry.field(
        default=None, description="Required for PARTNER keys, refused for the others."
    )
    name: str | None = strawberry.field(default=None, description="A label for people.")


@strawberry.type
class CreateApiKeyPayload:
    api_key: str | None = strawberry.field(
        description="The key itself. Shown once: it is stored only as a hash."
    )
    key: ApiKey | None
    user_errors: list[UserError]


async def _create(ctx: Context, data: CreateApiKeyInput) -> CreateApiKeyPayload:
    is_partner = data.role is ApiKeyRole.PARTNER
    if is_partner != (data.partner_code is not None):
        raise InvalidInput(
            "partnerCode is required for PARTNER keys and only for them", field=["partnerCode"]
        )
    if data.name is not None and not 0 < len(data.name) <= MAX_NAME:
        raise InvalidInput(f"name must be 1 to {MAX_NAME} characters", field=["name"])
    async with transaction(ctx.pool) as conn:
        partner_id = None
        if data.partner_code is not None:
            partner_id = (await registry.get_partner(conn, code=data.partner_code)).id
        issued = await keys.create_key(
            conn, role=data.role.value, partner_id=partner_id, name=data.name
        )
        listed = [
            key for key in await keys.list_keys(conn, partner_id=partner_id) if key.id == issued.id
        ]
    return CreateApiKeyPayload(api_key=issued.secret, key=ApiKey.of(listed[0]), user_errors=[])


async def create_api_key(info: Info, input: CreateApiKeyInput) -> CreateApiKeyPayload:
    ctx = info.context
    require_admin(ctx.principal)
    try:
        return await _create(ctx, input)
    except ExchangeError as error:
        return CreateApiKeyPayload(api_key=None, key=None, user_errors=[UserError.of(error)])
