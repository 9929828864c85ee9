"""Settlement of conversions: points converted in are ISSUED by the airline at its issue
price; points converted out, once the airline confirms, are REDEEMED at the airline at its
redemption value, and the matrix shows whose points they were. A conversion still pending is
not settled; the next batch settles it once confirmed."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

from conversion_support import Sky

from exchange.kit.db import transaction
from settlement import batches, repository
from settlement.batches import Asked

ASKED = Asked(actor="finance test", caller="test")


async def _settle(sky: Sky) -> int:
    now = datetime.now(UTC)
    batch = await batches.run(
        sky.pool,
        period_end=now,
        currency="EUR",
        breakage_issuer_share=D("0.5"),
        asked=ASKED,
        now=now,
    )
    await batches.approve(sky.pool, batch.id, asked=ASKED, now=now)
    return batch.id


async def _lines(sky: Sky, batch_id: int) -> list[tuple[str, str, D, int, D]]:
    async with transaction(sky.pool) as conn:
        rows = await repository.line_rows(conn, batch_id)
    return [(r["partner_code"], r["kind"], r["unit_price"], r["points"], r["amount"]) for r in rows]


async def _flows(sky: Sky, batch_id: int) -> list[tuple[str | None, str, int]]:
    async with transaction(sky.pool) as conn:
        rows = await repository.flow_rows(conn, batch_id)
    return [(r["issuer_code"], r["redeemer_code"], r["points"]) for r in rows]


async def test_in_is_issued_and_a_confirmed_out_is_redeemed_by_the_airline(sky: Sky) -> None:
    # the airline: issue price 0.010, redemption value 0.008 (the grocer alike)
    into = await sky.quote(sky.ana, direction="IN", amount="1000")
    assert (await sky.convert(sky.ana, into["id"]))["conversion"]["points"] == 800
    out = await sky.quote(sky.ana, direction="OUT", points=1000)
    confirmed = (await sky.convert(sky.ana, out["id"]))["conversion"]
    later = await sky.quote(sky.ana, direction="OUT", points=500)
    pending = (await sky.convert(sky.ana, later["id"]))["conversion"]
    done = await sky.answer(sky.airline, "confirmConversion", confirmed["id"])
    assert done["userErrors"] == []

    first = await _settle(sky)
    assert await _lines(sky, first) == [
        ("AIRLINE", "ISSUED", D("0.010000"), 800, D("8.00")),
        ("AIRLINE", "REDEEMED", D("0.008000"), 1000, D("-8.00")),  # owed to it
        ("GROCER", "ISSUED", D("0.010000"), 10_000, D("100.00")),
    ]
    # the 1,000 points came from the grocer's lot (earliest expiry), redeemed at the airline
    assert await _flows(sky, first) == [("GROCER", "AIRLINE", 1000)]

    done = await sky.answer(sky.airline, "confirmConversion", pending["id"])
    assert done["userErrors"] == []
    second = await _settle(sky)
    assert await _lines(sky, second) == [("AIRLINE", "REDEEMED", D("0.008000"), 500, D("-4.00"))]
    assert await sky.audit() == []
