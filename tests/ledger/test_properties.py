"""Random sequences of ledger operations against the real database, checked against a model.

A small Python model predicts every outcome (which lots each movement takes, which refusal
comes back) and, after every step, the member's balance, held points, debt and lots must
match it and the whole-database audit of contract section 7 must pass.

The services are async; Hypothesis drives them from sync code on an event loop of its own,
with its own pool, so the session loop of pytest-asyncio is left alone.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from expiry_support import expire
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from ledger_support import Ledger, audit_failures

from exchange.kit.db import Pool, open_pool, transaction
from exchange.kit.errors import ExchangeError
from exchange.ledger import burning, members
from exchange.ledger import repository as repo
from exchange.ledger.expiry import ExpiryPolicy
from partners import registry

NEVER = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class PartnerSpec:
    id: int
    rate: Fraction
    validity: timedelta | None


@dataclass
class MLot:
    id: int
    entry_id: int
    remaining: int
    expires_at: datetime | None
    issuer: int | None = None

    def order(self) -> tuple[bool, datetime, int]:
        return (self.expires_at is None, self.expires_at or NEVER, self.id)

    def spendable(self, now: datetime) -> bool:
        return self.expires_at is None or self.expires_at > now


@dataclass
class MHold:
    id: int
    partner_id: int
    points: int
    expires_at: datetime
    status: str = "AUTHORIZED"


@dataclass
class MBurn:
    entry_id: int
    partner_id: int
    takes: list[list[int]]  # [lot id, points not yet refunded], in the order taken

    @property
    def left(self) -> int:
        return sum(points for _, points in self.takes)


@dataclass
class MEarn:
    entry_id: int
    partner_id: int
    points: int
    cents: int
    returned_cents: int = 0
    lot_id: int | None = None


@dataclass
class Model:
    """What the ledger should hold for one member."""

    balance: int = 0
    debt: int = 0
    seq: int = 0
    lots: dict[int, MLot] = field(default_factory=dict)
    holds: dict[int, MHold] = field(default_factory=dict)
    burns: list[MBurn] = field(default_factory=list)
    earns: list[MEarn] = field(default_factory=list)
    extra_events: int = 0
    """Events beyond one per balance change: an expiry emits one per issuing partner."""
    last_activity: datetime | None = None
    """The latest earn or burn (an inactivity policy expires everything after a while)."""

    @property
    def held(self) -> int:
        return sum(h.points for h in self.holds.values() if h.status == "AUTHORIZED")

    def spendable(self, now: datetime) -> int:
        return sum(lot.remaining for lot in self.lots.values() if lot.spendable(now))

    def capturable(self) -> int:
        return sum(lot.remaining for lot in self.lots.values())

    def available(self, now: datetime, held: int | None = None) -> int:
        held = self.held if held is None else held
        return max(0, self.spendable(now) - held - self.debt)

    def expired_holds(self, now: datetime) -> list[MHold]:
        return [h for h in self.holds.values() if h.status == "AUTHORIZED" and h.expires_at <= now]

    def refusal_to_spend(self, points: int, now: datetime) -> tuple[str | None, list[MHold]]:
        """A burn or hold: refused, or allowed after releasing which expired holds."""
        if self.available(now) >= points:
            return None, []
        if self.held == 0:
            return "INSUFFICIENT_POINTS", []
        expired = self.expired_holds(now)
        held_after = self.held - sum(h.points for h in expired)
        if self.available(now, held_after) < points:
            return "INSUFFICIENT_POINTS", []
        return None, expired

    def release(self, holds: list[MHold], status: str) -> None:
        for hold in holds:
            hold.status = status
            self.seq += 1

    def take(self, lots: list[MLot], points: int) -> list[list[int]]:
        takes = []
        for lot in lots:
            if points == 0:
                break
            taken = min(lot.remaining, points)
            if taken > 0:
                lot.remaining -= taken
                points -= taken
                takes.append([lot.id, taken])
        assert points == 0, "the model's lots must cover a checked movement"
        return takes

    def hold_refusal(self, hold: MHold, now: datetime) -> str | None:
        if hold.status == "EXPIRED" or (hold.status == "AUTHORIZED" and hold.expires_at <= now):
            return "HOLD_EXPIRED"
        if hold.status != "AUTHORIZED":
            return "HOLD_ALREADY_FINAL"
        return None


def points_back(points: int, cents: int, before: int, returning: int) -> int:
    return (points * (before + returning)) // cents - (points * before) // cents


class LedgerMachine(RuleBasedStateMachine):
    loop: asyncio.AbstractEventLoop
    pool: Pool
    partners: list[PartnerSpec]
    start: datetime

    def __init__(self) -> None:
        super().__init__()
        self.ledger = Ledger(self.pool)
        self.model = Model()
        self.now = self.start
        self.member = 0

    def run(self, call: Any) -> Any:
        return self.loop.run_until_complete(call)

    def attempt(self, expected: str | None, call: Any) -> Any:
        try:
            result = self.run(call)
        except ExchangeError as error:
            refused: ExchangeError | None = error
        else:
            refused = None
        if refused is not None:
            got = refused.code
            assert got == expected, f"{got} ({refused.message}), expected {expected}"
            return None
        assert expected is None, f"expected {expected}, got {result}"
        return result

    @initialize()
    def enroll(self) -> None:
        async def enroll() -> int:
            async with transaction(self.pool) as conn:
                member = await members.enroll(
                    conn,
                    enrolment=members.Enrolment(),
                    partner_id=self.partners[0].id,
                    now=self.now,
                )
                for partner in self.partners[1:]:
                    await members.link(
                        conn, member_id=member, partner_id=partner.id, external_id=None
                    )
                return member

        self.member = self.run(enroll())

    # --- operations --------------------------------------------------------------------

    @rule(which=st.integers(0, 1), cents=st.integers(1, 9000))
    def earn(self, which: int, cents: int) -> None:
        partner = self.partners[which]
        points = int(Fraction(cents, 100) * partner.rate)
        amount = f"{Decimal(cents) / 100:.2f}"
        out = self.attempt(None, self.ledger.earn(self.member, partner.id, amount, now=self.now))
        assert out.points == points
        model = self.model
        record = MEarn(out.transaction_id, partner.id, points, cents)
        if points > 0:
            repaid = min(model.debt, points)
            lot = self.run(self.ledger.lot_of(out.transaction_id))
            expires = self.now + partner.validity if partner.validity else None
            assert lot["expires_at"] == expires
            model.lots[lot["id"]] = MLot(
                lot["id"], out.transaction_id, points - repaid, expires, partner.id
            )
            model.debt -= repaid
            record.lot_id = lot["id"]
        model.balance += points
        model.seq += 1
        model.earns.append(record)
        model.last_activity = self.now

    def spend_points(self, data: st.DataObject) -> int:
        """Mostly what the member can afford, sometimes a little more."""
        available = self.model.available(self.now)
        enough = st.integers(1, available) if available else st.just(1)
        return data.draw(enough | st.integers(1, available + 20), label="points")

    @rule(which=st.integers(0, 1), data=st.data())
    def burn(self, which: int, data: st.DataObject) -> None:
        partner = self.partners[which]
        points = self.spend_points(data)
        refusal, released = self.model.refusal_to_spend(points, self.now)
        out = self.attempt(refusal, self.ledger.burn(self.member, partner.id, points, now=self.now))
        if out is None:
            return
        model = self.model
        model.release(released, "EXPIRED")
        spendable = sorted(
            (lot for lot in model.lots.values() if lot.spendable(self.now)), key=MLot.order
        )
        takes = model.take(spendable, points)
        model.burns.append(MBurn(out.transaction_id, partner.id, takes))
        model.balance -= points
        model.seq += 1
        model.last_activity = self.now

    @rule(
        which=st.integers(0, 1),
        ttl=st.sampled_from([60, 3600, 4 * 3600, 86400, 3 * 86400]),
        data=st.data(),
    )
    def authorize(self, which: int, ttl: int, data: st.DataObject) -> None:
        partner = self.partners[which]
        points = self.spend_points(data)
        refusal, released = self.model.refusal_to_spend(points, self.now)
        out = self.attempt(
            refusal,
            self.ledger.authorize(
                self.member, partner.id, points, now=self.now, ttl=timedelta(seconds=ttl)
            ),
        )
        if out is None:
            return
        self.model.release(released, "EXPIRED")
        self.model.holds[out.hold_id] = MHold(
            out.hold_id, partner.id, points, self.now + timedelta(seconds=ttl)
        )
        self.model.seq += 1

    def pick_hold(self, data: st.DataObject) -> MHold:
        """Mostly a hold still open, sometimes any (latest first)."""
        holds = sorted(self.model.holds.values(), key=lambda h: -h.id)
        open_ = [h for h in holds if h.status == "AUTHORIZED" and h.expires_at > self.now]
        choice = st.sampled_from(holds)
        if open_:
            choice = st.sampled_from(open_) | choice
        hold: MHold = data.draw(choice, label="hold")
        return hold

    @precondition(lambda self: self.model.holds)
    @rule(data=st.data())
    def capture(self, data: st.DataObject) -> None:
        model = self.model
        hold = self.pick_hold(data)
        points = data.draw(st.none() | st.integers(1, hold.points + 3), label="points")
        captured = hold.points if points is None else points
        refusal = model.hold_refusal(hold, self.now)
        if refusal is None and captured > hold.points:
            refusal = "AMOUNT_EXCEEDS_ORIGINAL"
        out = self.attempt(
            refusal, self.ledger.capture(hold.id, hold.partner_id, points, now=self.now)
        )
        if out is None:
            return
        assert (out.points, out.hold_id) == (captured, hold.id)
        capturable = sorted(
            model.lots.values(), key=lambda lot: (not lot.spendable(self.now), lot.order())
        )
        takes = model.take(capturable, captured)
        hold.status = "CAPTURED"
        model.burns.append(MBurn(out.transaction_id, hold.partner_id, takes))
        model.balance -= captured
        model.seq += 1
        model.last_activity = self.now

    @precondition(lambda self: self.model.holds)
    @rule(data=st.data())
    def void(self, data: st.DataObject) -> None:
        hold = self.pick_hold(data)
        refusal = self.model.hold_refusal(hold, self.now)
        out = self.attempt(refusal, self.ledger.void(hold.id, hold.partner_id, now=self.now))
        if out is not None:
            self.model.release([hold], "VOIDED")

    @precondition(lambda self: self.model.burns)
    @rule(data=st.data())
    def refund(self, data: st.DataObject) -> None:
        model = self.model
        burn = data.draw(st.sampled_from(model.burns[::-1]), label="burn")
        points = data.draw(st.none() | st.integers(1, burn.left + 3), label="points")
        refunding = burn.left if points is None else points
        refusal = "AMOUNT_EXCEEDS_ORIGINAL" if refunding <= 0 or refunding > burn.left else None
        out = self.attempt(
            refusal,
            self.ledger.refund(burn.entry_id, points, partner_id=burn.partner_id, now=self.now),
        )
        if out is None:
            return
        assert out.points == refunding
        rest = refunding
        for take in reversed(burn.takes):  # the latest consumption is given back first
            give = min(rest, take[1])
            take[1] -= give
            model.lots[take[0]].remaining += give
            rest -= give
        model.balance += refunding
        model.seq += 1

    @precondition(lambda self: self.model.earns)
    @rule(data=st.data())
    def reverse(self, data: st.DataObject) -> None:
        model = self.model
        earn = data.draw(st.sampled_from(model.earns[::-1]), label="earn")
        left = earn.cents - earn.returned_cents
        cents = data.draw(st.none() | st.integers(1, left + 100), label="cents")
        returning = left if cents is None else cents
        amount = None if cents is None else f"{Decimal(cents) / 100:.2f}"
        refusal = "AMOUNT_EXCEEDS_ORIGINAL" if returning <= 0 or returning > left else None
        out = self.attempt(
            refusal,
            self.ledger.reverse(earn.entry_id, amount, partner_id=earn.partner_id, now=self.now),
        )
        if out is None:
            return
        points = points_back(earn.points, earn.cents, earn.returned_cents, returning)
        earn.returned_cents += returning
        debt = 0
        if points > 0:
            spare = model.capturable() - model.held
            own = [lot for lot in model.lots.values() if lot.id == earn.lot_id]
            others = sorted(
                (lot for lot in model.lots.values() if lot.id != earn.lot_id), key=MLot.order
            )
            left_points = points
            for lot in own + others:
                taken = min(lot.remaining, spare, left_points)
                if taken > 0:
                    lot.remaining -= taken
                    spare -= taken
                    left_points -= taken
            debt = left_points
        assert (out.points, out.debt) == (points, debt)
        model.balance -= points
        model.debt += debt
        model.seq += 1

    @precondition(lambda self: self.model.lots)
    @rule(
        ahead=st.sampled_from([0, 3600, 86400, 2 * 86400]),
        inactive_days=st.none() | st.sampled_from([1, 2, 4]),
    )
    def expire(self, ahead: int, inactive_days: int | None) -> None:
        """Time passes and an expiry run reaches the member (lot validity, or also inactivity):
        holds that ran out are released, then due lots empty earliest first, never below the
        held points."""
        self.now += timedelta(seconds=ahead)
        model = self.model
        policy = ExpiryPolicy("lot_validity")
        inactive = False
        if inactive_days is not None:
            policy = ExpiryPolicy("inactivity", timedelta(days=inactive_days))
            cutoff = self.now - policy.inactivity
            inactive = model.last_activity is None or model.last_activity <= cutoff
        run = self.run(expire(self.pool, self.member, as_of=self.now, policy=policy))
        model.release(model.expired_holds(self.now), "EXPIRED")
        due = sorted(
            (lot for lot in model.lots.values() if inactive or not lot.spendable(self.now)),
            key=MLot.order,
        )
        points = max(0, min(sum(lot.remaining for lot in due), model.capturable() - model.held))
        assert (run.members, run.points) == ((1, points) if points else (0, 0))
        if points:
            takes = model.take(due, points)
            model.balance -= points
            model.seq += 1
            model.extra_events += len({model.lots[lot_id].issuer for lot_id, _ in takes}) - 1

    # --- time ----------------------------------------------------------------------------

    @rule(data=st.data(), expiry_job=st.booleans())
    def time_passes(self, data: st.DataObject, expiry_job: bool) -> None:
        """A moment, an hour or days pass (or exactly until a hold runs out); the expiry job
        may run."""
        open_until = sorted(
            h.expires_at
            for h in self.model.holds.values()
            if h.status == "AUTHORIZED" and h.expires_at > self.now
        )
        choices = st.sampled_from([1, 59, 3600]) | st.integers(1, 3 * 86400)
        if open_until:
            choices = choices | st.sampled_from(open_until)
        step = data.draw(choices, label="until")
        self.now = step if isinstance(step, datetime) else self.now + timedelta(seconds=step)
        if expiry_job:
            self.expiry_job()

    def expiry_job(self) -> None:
        async def release() -> int:
            async with transaction(self.pool) as conn:
                assert await repo.lock_member(conn, self.member) is not None
                return await burning.release_expired_holds(conn, self.member, self.now)

        expected = self.model.expired_holds(self.now)
        assert self.run(release()) == len(expected)
        self.model.release(expected, "EXPIRED")

    # --- what must hold after every step --------------------------------------------------

    @invariant()
    def matches_the_model_and_the_audit(self) -> None:
        if not self.member:
            return
        model = self.model

        async def read() -> tuple[Any, ...]:
            async with transaction(self.pool) as conn:
                balance = await (
                    await conn.execute(
                        "SELECT balance, held, debt, seq FROM member_balances WHERE member_id = %s",
                        (self.member,),
                    )
                ).fetchone()
                lots = await (
                    await conn.execute(
                        "SELECT id, remaining FROM lots WHERE member_id = %s", (self.member,)
                    )
                ).fetchall()
                holds = await (
                    await conn.execute(
                        "SELECT id, status FROM holds WHERE member_id = %s", (self.member,)
                    )
                ).fetchall()
                events = await (
                    await conn.execute(
                        "SELECT count(*) AS n FROM outbox_events WHERE member_id = %s",
                        (self.member,),
                    )
                ).fetchone()
                return balance, lots, holds, events, await audit_failures(conn)

        balance, lots, holds, events, failures = self.run(read())
        assert failures == []
        assert balance == {
            "balance": model.balance,
            "held": model.held,
            "debt": model.debt,
            "seq": model.seq,
        }
        assert {r["id"]: r["remaining"] for r in lots} == {
            lot.id: lot.remaining for lot in model.lots.values()
        }
        assert {r["id"]: r["status"] for r in holds} == {
            h.id: h.status for h in model.holds.values()
        }
        assert events["n"] == model.seq + model.extra_events  # one per balance change
        # the model's own reading of rules 2, 3 and 5
        assert model.balance == model.capturable() - model.debt
        assert model.capturable() >= model.held
        assert model.debt >= 0


async def _partners(pool: Pool) -> list[PartnerSpec]:
    specs = []
    for rate, validity in (("1", 1), ("2.5", None)):
        code = f"PROP_{secrets.token_hex(4).upper()}"
        async with transaction(pool) as conn:
            partner, _ = await registry.create_partner(
                conn,
                registry.NewPartner(
                    code=code,
                    name=code,
                    earn_rate=Decimal(rate),
                    issue_price=Decimal("0.01"),
                    redemption_value=Decimal("0.008"),
                    currency="EUR",
                    point_validity_days=validity,
                ),
                now=datetime(2020, 1, 1, tzinfo=UTC),
            )
        specs.append(
            PartnerSpec(partner.id, Fraction(rate), timedelta(days=validity) if validity else None)
        )
    return specs


def test_random_operation_sequences_keep_every_invariant(database_url: str) -> None:
    loop = asyncio.new_event_loop()
    pool = loop.run_until_complete(open_pool(database_url, size=4))
    try:
        LedgerMachine.loop = loop
        LedgerMachine.pool = pool
        LedgerMachine.partners = loop.run_until_complete(_partners(pool))
        # lots are created at the model's time, which must stay behind the database clock
        LedgerMachine.start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=30)
        run_state_machine_as_test(
            LedgerMachine,
            settings=settings(
                max_examples=40,
                stateful_step_count=40,
                deadline=None,
                database=None,
                suppress_health_check=[
                    HealthCheck.too_slow,
                    HealthCheck.filter_too_much,
                    HealthCheck.data_too_large,
                ],
            ),
        )
    finally:
        loop.run_until_complete(pool.close())
        loop.close()
