"""The member's pools in the web app (``/app/pools``): each pool it belongs to with its
points, the member's role, limits and what it may spend now; forms to open a pool, to
contribute, and for an owner to add, change and remove members. Everything goes through
``partners.pools``, as the GraphQL mutations do."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable

from starlette.responses import Response

from exchange.kit import clock
from exchange.kit.db import Conn, transaction
from exchange.kit.errors import ExchangeError, InvalidAmount, InvalidInput
from exchange.ledger.errors import MemberNotFound
from exchange.portal import giving
from partners.pools import checks, contributing, managing
from partners.pools import repository as repo

from .messages import refusal
from .pages import signed_in
from .visit import Visit


def _whole(text: str, field: str, *, optional: bool = False) -> int | None:
    cleaned = text.strip()
    if optional and not cleaned:
        return None
    if not cleaned.isdigit() or len(cleaned) > 10 or int(cleaned) < 1:
        raise InvalidAmount("points must be a whole number, at least 1", field=[field])
    return int(cleaned)


async def _page(visit: Visit, *, status: int = 200, **context: object) -> Response:
    now = clock.now()
    day, month = managing.this_month(now)
    async with transaction(visit.resources.pool) as conn:
        standings = await managing.standings(conn, visit.member_id, now=now)
        rosters = {
            s.pool.id: await repo.members_of(conn, s.pool.id, day=day, month=month)
            for s in standings
            if s.membership.role == "OWNER"
        }
    return visit.render(
        "pools.html",
        status=status,
        standings=standings,
        rosters=rosters,
        key=secrets.token_urlsafe(16),
        **context,
    )


@signed_in
async def pools_page(visit: Visit) -> Response:
    return await _page(visit)


Work = Callable[[Conn, dict[str, str]], Awaitable[object]]


async def _act(visit: Visit, work: Work) -> Response:
    """A form's action in one transaction; a refusal shows the page again with why."""
    form = await visit.request.form()
    if not visit.csrf_ok(str(form.get("csrf", ""))):
        return visit.refuse_csrf()
    fields = {name: str(value) for name, value in form.items()}
    try:
        async with transaction(visit.resources.pool) as conn:
            await work(conn, fields)
    except ExchangeError as error:
        return await _page(visit, status=400, error=refusal(visit.gettext, error))
    return visit.redirect("/app/pools")


def _pool_id(visit: Visit) -> int:
    text = visit.request.path_params["pool_id"]
    if not text.isdigit() or len(text) > 18:
        raise InvalidInput("no such pool", field=["poolId"])
    return int(text)


@signed_in
async def create_pool(visit: Visit) -> Response:
    async def work(conn: Conn, form: dict[str, str]) -> object:
        return await managing.create(
            conn,
            owner_id=visit.member_id,
            name=form.get("name", ""),
            key=form.get("key", ""),
            now=clock.now(),
        )

    return await _act(visit, work)


@signed_in
async def contribute(visit: Visit) -> Response:
    async def work(conn: Conn, form: dict[str, str]) -> object:
        points = _whole(form.get("points", ""), "points")
        assert points is not None
        return await contributing.contribute(
            conn,
            member_id=visit.member_id,
            pool_id=_pool_id(visit),
            points=points,
            key=form.get("key", ""),
            now=clock.now(),
        )

    return await _act(visit, work)


@signed_in
async def set_member(visit: Visit) -> Response:
    form = await visit.request.form()
    if not visit.csrf_ok(str(form.get("csrf", ""))):
        return visit.refuse_csrf()
    try:
        member_id = await giving.find_recipient(
            visit.resources.pool,
            sender_id=visit.member_id,
            to_member_id=None,
            to_email=str(form.get("email", "")),
            to_card_number=str(form.get("card", "")),
            now=clock.now(),
        )
    except ExchangeError as error:
        return await _page(visit, status=400, error=refusal(visit.gettext, error))

    async def work(conn: Conn, form: dict[str, str]) -> object:
        place = checks.membership(
            form.get("role", ""),
            _whole(form.get("daily", ""), "dailyLimit", optional=True),
            _whole(form.get("monthly", ""), "monthlyLimit", optional=True),
        )
        return await managing.set_member(
            conn,
            pool_id=_pool_id(visit),
            owner_id=visit.member_id,
            member_id=member_id,
            place=place,
            now=clock.now(),
        )

    return await _act(visit, work)


@signed_in
async def remove_member(visit: Visit) -> Response:
    async def work(conn: Conn, form: dict[str, str]) -> object:
        member = form.get("member", "")
        if not member.isdigit() or len(member) > 18:
            raise MemberNotFound("no such member", field=["memberId"])
        return await managing.remove_member(
            conn, pool_id=_pool_id(visit), owner_id=visit.member_id, member_id=int(member)
        )

    return await _act(visit, work)
