"""Who is calling: ``Authorization: Bearer <API key>`` resolved to a principal with a role;
on ``/graphql`` also a member token (``mbr_...``, from the one-time-code login)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from graphql import GraphQLError

from exchange.kit.db import Pool, connection
from exchange.portal import sessions
from partners.keycache import KeyCache


@dataclass(frozen=True)
class Principal:
    role: str
    """``partner``, ``finance``, ``admin`` or ``member``."""
    partner_id: int | None
    key_id: int
    """The API key's id; for a member, its session's."""
    member_id: int | None = None
    """A member token's member: it sees that member's own account, through ``viewer``."""

    @property
    def caller(self) -> str:
        """The scope of idempotency keys: a partner's keys are shared by all its API keys,
        a member's by all its sessions."""
        if self.member_id is not None:
            return f"member:{self.member_id}"
        if self.partner_id is not None:
            return f"partner:{self.partner_id}"
        return f"key:{self.key_id}"

    @property
    def is_staff(self) -> bool:
        return self.role in ("admin", "finance")

    @property
    def scope(self) -> int | None:
        """The partner whose objects are visible; None for staff, who see everything. A member
        has no partner scope: whatever asks for one is refused (it fails closed)."""
        if self.member_id is not None:
            raise forbidden("a member token sees its own account through `viewer` only")
        return None if self.is_staff else self.partner_id


class Unauthenticated(Exception):
    """No usable credential: answered with HTTP 401 before any GraphQL runs."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def bearer_token(header: str | None) -> str:
    if not header:
        raise Unauthenticated("missing credential: send Authorization: Bearer <API key>")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("the Authorization header must be: Bearer <API key>")
    return token.strip()


async def authenticate(
    pool: Pool,
    cache: KeyCache,
    header: str | None,
    *,
    now: datetime,
    member_key: bytes | None = None,
) -> Principal:
    """The caller of an API key, or (where ``member_key`` is given: ``/graphql``) of a member
    token."""
    token = bearer_token(header)
    if token.startswith(sessions.TOKEN_PREFIX):
        return await _member(pool, token, member_key, now)
    owner = await cache.owner(lambda: connection(pool), token, now=now)
    if owner is None:
        raise Unauthenticated("the API key is unknown, revoked or expired")
    return Principal(role=owner.role, partner_id=owner.partner_id, key_id=owner.key_id)


async def _member(pool: Pool, token: str, key: bytes | None, now: datetime) -> Principal:
    if key is None:
        raise Unauthenticated("member tokens are accepted on /graphql only")
    async with connection(pool) as conn:
        session = await sessions.resolve(conn, token, kind="TOKEN", key=key, now=now)
    if session is None:
        raise Unauthenticated("the member token is unknown, revoked or expired")
    return Principal(role="member", partner_id=None, key_id=session.id, member_id=session.member_id)


def forbidden(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "FORBIDDEN"})


def require_member(principal: Principal) -> int:
    """The calling member's id (a member token); API keys act for no member."""
    if principal.member_id is None:
        raise forbidden("only a member token (Bearer mbr_...) may do this")
    return principal.member_id


def require_partner(principal: Principal) -> int:
    """The calling partner's id; other roles may not move points."""
    if principal.role != "partner" or principal.partner_id is None:
        raise forbidden("only partner API keys may call this mutation")
    return principal.partner_id


def require_admin(principal: Principal) -> None:
    if principal.role != "admin":
        raise forbidden("only admin API keys may do this")


def require_staff(principal: Principal) -> None:
    if not principal.is_staff:
        raise forbidden("only admin and finance API keys may do this")
