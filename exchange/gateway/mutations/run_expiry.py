"""``runExpiry`` (admin, finance): expire every point due at ``asOf`` (default now), by the
program's expiry policy; held points and closed members' points stay."""

from __future__ import annotations

from datetime import datetime

import strawberry

from exchange.kit import clock
from exchange.kit.errors import ExchangeError
from exchange.ledger import expiry
from exchange.ledger.expiry import ExpiryPolicy, ExpiryRun

from ..auth import require_staff
from ..context import Context, Info
from ..types.common import UserError


@strawberry.input
class RunExpiryInput:
    as_of: datetime | None = strawberry.field(
        default=None,
        description="Expire what is due at this instant: now (the default) or earlier; a"
        " time still to come is refused.",
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="With the same key and input, the first run's figures come back and"
        " nothing more runs. A run without a key is safe to repeat too: what expired is gone.",
    )


@strawberry.type
class RunExpiryPayload:
    expired_points: int = strawberry.field(description="Points this run expired.")
    members: int = strawberry.field(
        description="Members who lost points (one EXPIRY transaction each)."
    )
    as_of: datetime | None = strawberry.field(description="The instant the run expired at.")
    user_errors: list[UserError]


async def _run(ctx: Context, data: RunExpiryInput) -> ExpiryRun:
    as_of = clock.now() if data.as_of is None else data.as_of
    policy = ExpiryPolicy.from_settings(ctx.settings)
    if data.idempotency_key is None:
        return await expiry.run_expiry(ctx.pool, as_of=as_of, policy=policy)
    return await expiry.run_expiry_once(
        ctx.pool,
        caller=ctx.principal.caller,
        key=data.idempotency_key,
        request={"asOf": data.as_of},
        as_of=as_of,
        policy=policy,
    )


async def run_expiry(info: Info, input: RunExpiryInput) -> RunExpiryPayload:
    ctx = info.context
    require_staff(ctx.principal)
    try:
        run = await _run(ctx, input)
    except ExchangeError as error:
        return RunExpiryPayload(
            expired_points=0, members=0, as_of=None, user_errors=[UserError.of(error)]
        )
    ctx.forget_reads()
    return RunExpiryPayload(
        expired_points=run.points, members=run.members, as_of=run.as_of, user_errors=[]
    )
