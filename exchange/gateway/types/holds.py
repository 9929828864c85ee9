"""Holds: points reserved by ``authorizeBurn`` until captured, voided or expired."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from exchange.kit import clock
from exchange.kit.ids import to_global_id
from exchange.ledger.queries import HoldView

from ..context import Info
from .common import Node, described

if TYPE_CHECKING:
    from .members import Member
    from .transactions import Transaction


@strawberry.enum(description="AUTHORIZED until captured or voided; EXPIRED once its time ran out.")
class HoldStatus(enum.Enum):
    AUTHORIZED = "AUTHORIZED"
    CAPTURED = "CAPTURED"
    VOIDED = "VOIDED"
    EXPIRED = "EXPIRED"


@strawberry.type(description="Points reserved for a later capture; a promise the ledger keeps.")
class Hold(Node):
    points: int = strawberry.field(description="Points reserved.")
    captured_points: int = strawberry.field(description="Points burned by the capture (0 until).")
    status: HoldStatus
    expires_at: datetime
    created_at: datetime
    order_id: str | None
    view: strawberry.Private[HoldView]

    @strawberry.field
    async def member(
        self, info: Info
    ) -> Annotated[Member, strawberry.lazy("exchange.gateway.types.members")] | None:
        from .members import Member

        return await Member.load(info, self.view.member_id)

    @described("The BURN transaction of the capture, once captured.")
    async def capture_transaction(
        self, info: Info
    ) -> Annotated[Transaction, strawberry.lazy("exchange.gateway.types.transactions")] | None:
        from .transactions import Transaction

        if self.view.capture_entry_id is None:
            return None
        return await Transaction.load(info, self.view.capture_entry_id)

    @classmethod
    def of(cls, view: HoldView, now: datetime) -> Hold:
        return cls(
            id=strawberry.ID(to_global_id("Hold", view.id)),
            points=view.points,
            captured_points=view.captured_points,
            status=HoldStatus(view.status_at(now)),
            expires_at=view.expires_at,
            created_at=view.created_at,
            order_id=view.order_id,
            view=view,
        )

    @classmethod
    async def load(cls, info: Info, hold_id: int) -> Hold | None:
        view = await info.context.loaders.holds.load(hold_id)
        return None if view is None else cls.of(view, clock.now())
