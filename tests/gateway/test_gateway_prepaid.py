"""Prepaid partners over GraphQL: staff set the billing and record point blocks, a prepaid
partner's earns beyond its blocks plus its credit limit are refused with
PARTNER_CREDIT_LIMIT (nothing written), and a partner reads its own allowance only."""

from __future__ import annotations

from gateway_support import member_gid, new_key, row_counts

from exchange.kit.ids import to_global_id

PREPAID = "prepaid { pointsBought pointsDrawn pointsLeft }"
PARTNER = f"partner {{ code billing creditLimitPoints {PREPAID} }}"
BLOCK = "block { id points pricePerPoint { amount currency } amount { amount } reference }"


def eur(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "EUR"}


def block_input(code: str, points: int = 1000, **changes: object) -> dict[str, object]:
    return {
        "partnerCode": code,
        "points": points,
        "pricePerPoint": eur("0.009"),
        "reference": "INV-2026-11-001",
        "idempotencyKey": new_key("block"),
        **changes,
    }


async def test_a_prepaid_partner_earns_up_to_its_blocks_and_credit_limit(
    admin, finance, api, make_partner, make_member, pool
) -> None:
    kiosk = await make_partner(earn_rate="1")
    member = await make_member(kiosk)
    billing = {"partnerCode": kiosk.code, "billing": "PREPAID", "creditLimitPoints": 100}
    done = await admin.ok("setPartnerBilling", billing, PARTNER)
    assert done["partner"] == {
        "code": kiosk.code,
        "billing": "PREPAID",
        "creditLimitPoints": 100,
        "prepaid": {"pointsBought": 0, "pointsDrawn": 0, "pointsLeft": 100},
    }
    bought = block_input(kiosk.code)
    first = await finance.ok("recordPointBlock", bought, f"{BLOCK} {PARTNER}")
    assert first["block"]["points"] == 1000
    assert first["block"]["pricePerPoint"] == eur("0.009")
    assert first["block"]["amount"] == {"amount": "9.00"}
    assert first["partner"]["prepaid"] == {
        "pointsBought": 1000,
        "pointsDrawn": 0,
        "pointsLeft": 1100,
    }
    again = await finance.ok("recordPointBlock", bought, f"{BLOCK} {PARTNER}")
    assert again == first  # the same key: the same block, nothing bought twice

    till = api(kiosk.key.secret)
    earn = {"memberId": member_gid(member), "amount": eur("1100.00")}
    await till.ok("earnPoints", {**earn, "idempotencyKey": new_key()}, "transaction { points }")
    before = await row_counts(pool)
    refused = await till.refused(
        "earnPoints", {**earn, "amount": eur("1.00"), "idempotencyKey": new_key()}
    )
    assert refused["code"] == "PARTNER_CREDIT_LIMIT"
    assert refused["message"].endswith("0 points are left")
    assert await row_counts(pool) == before

    query = f"query($id: ID!) {{ node(id: $id) {{ ... on Partner {{ {PREPAID}"
    query += " prepaidBlocks: prepaid { blocks(first: 5) { points reference } } } } }"
    own = await till.data(query, {"id": to_global_id("Partner", kiosk.id)})
    assert own["node"] == {
        "prepaid": {"pointsBought": 1000, "pointsDrawn": 1100, "pointsLeft": 0},
        "prepaidBlocks": {"blocks": [{"points": 1000, "reference": "INV-2026-11-001"}]},
    }


async def test_partners_see_no_other_allowance_and_may_not_set_billing(
    admin, api, make_partner
) -> None:
    kiosk, other = await make_partner(), await make_partner()
    await admin.ok("setPartnerBilling", {"partnerCode": other.code, "billing": "PREPAID"}, PARTNER)
    till = api(kiosk.key.secret)
    query = "query($id: ID!) { node(id: $id) { ... on Partner { prepaid { pointsLeft } } } }"
    assert (await till.data(query, {"id": to_global_id("Partner", other.id)}))["node"] is None
    own = await till.data(query, {"id": to_global_id("Partner", kiosk.id)})
    assert own["node"] == {"prepaid": None}  # never PREPAID
    for name, input_ in (
        ("setPartnerBilling", {"partnerCode": kiosk.code, "billing": "PREPAID"}),
        ("recordPointBlock", block_input(kiosk.code)),
    ):
        result = await till.call(
            f"mutation($input: {name[0].upper()}{name[1:]}Input!)"
            f" {{ {name}(input: $input) {{ userErrors {{ code }} }} }}",
            {"input": input_},
        )
        assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN", name


async def test_billing_and_block_refusals(admin, make_partner) -> None:
    kiosk, fuel = await make_partner(), await make_partner()
    await admin.ok("setPartnerBilling", {"partnerCode": kiosk.code, "billing": "PREPAID"}, PARTNER)
    cases = [
        ("setPartnerBilling", {"partnerCode": "NOPE", "billing": "PREPAID"}, "PARTNER_NOT_FOUND"),
        (
            "setPartnerBilling",
            {"partnerCode": kiosk.code, "billing": "PREPAID", "creditLimitPoints": -1},
            "INVALID_INPUT",
        ),
        ("recordPointBlock", block_input(fuel.code), "INVALID_INPUT"),  # POSTPAID
        ("recordPointBlock", block_input("NOPE"), "PARTNER_NOT_FOUND"),
        ("recordPointBlock", block_input(kiosk.code, 0), "INVALID_AMOUNT"),
        (
            "recordPointBlock",
            block_input(kiosk.code, pricePerPoint={"amount": "0.009", "currency": "USD"}),
            "UNSUPPORTED_CURRENCY",
        ),
        (
            "recordPointBlock",
            block_input(kiosk.code, pricePerPoint=eur("0.0000001")),
            "INVALID_AMOUNT",
        ),
        ("recordPointBlock", block_input(kiosk.code, reference=" "), "INVALID_INPUT"),
    ]
    for name, input_, code in cases:
        assert (await admin.refused(name, input_))["code"] == code, (name, input_)
