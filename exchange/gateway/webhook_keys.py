"""``GET /.well-known/webhook-keys``: the public Ed25519 keys that sign webhooks (no key
needed to read them). The first key is made on the first request if none exists."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.secrets_box import SecretBox
from partners.webhooks import signing_keys

from .context import Resources

MAX_AGE_SECONDS = 300
"""Well under any rotation overlap: a cached copy learns a new key long before the old one
stops signing."""


async def webhook_keys(request: Request) -> JSONResponse:
    resources: Resources = request.app.state.resources
    box = SecretBox.from_settings(resources.settings)
    async with transaction(resources.pool) as conn:
        keys = await signing_keys.ensure_key(conn, box, clock.now())
    return JSONResponse(
        signing_keys.public_document(keys),
        headers={"cache-control": f"public, max-age={MAX_AGE_SECONDS}"},
    )
