"""runExpiry over GraphQL: staff only, asOf never in the future, figures answered again for
the same idempotency key, and the EXPIRY transaction the member then shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gateway_support import member_gid, new_key, row_counts

# business time far from every other test's lots, so the run's figures are this test's alone
AS_OF = datetime(2020, 4, 1, tzinfo=UTC)
FIELDS = "expiredPoints members asOf"


def money(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "EUR"}


async def earn(till, member: int, amount: str, **extra):  # type: ignore[no-untyped-def]
    await till.ok(
        "earnPoints",
        {
            "memberId": member_gid(member),
            "amount": money(amount),
            "idempotencyKey": new_key(),
            **extra,
        },
        "transaction { id }",
    )


async def test_run_expiry_expires_due_points_once(admin, finance, api, make_partner, make_member):
    """100 points earned 2020-02-01 for 30 days expire as of 2020-04-01; today's 40 stay."""
    partner = await make_partner(validity_days=30)
    member = await make_member(partner)
    till = api(partner.key.secret)
    await earn(till, member, "100.00", occurredAt="2020-02-01T10:00:00Z")
    await earn(till, member, "40.00")
    key = new_key("expiry")

    run = await finance.ok("runExpiry", {"asOf": AS_OF.isoformat(), "idempotencyKey": key}, FIELDS)
    replayed = await finance.ok(
        "runExpiry", {"asOf": AS_OF.isoformat(), "idempotencyKey": key}, FIELDS
    )
    again = await admin.ok("runExpiry", {"asOf": AS_OF.isoformat()}, FIELDS)

    assert (
        run
        == replayed
        == {
            "expiredPoints": 100,
            "members": 1,
            "asOf": "2020-04-01T00:00:00+00:00",
            "userErrors": [],
        }
    )
    assert (again["expiredPoints"], again["members"]) == (0, 0)
    seen = await admin.data(
        "query($id: ID!) { member(id: $id) { balance availableBalance"
        " transactions(first: 1) { edges { node { kind points partner { code } occurredAt } } }"
        " } }",
        {"id": member_gid(member)},
    )
    assert seen["member"]["balance"] == 40
    assert seen["member"]["availableBalance"] == 40
    [edge] = seen["member"]["transactions"]["edges"]
    assert edge["node"] == {
        "kind": "EXPIRY",
        "points": 100,
        "partner": None,
        "occurredAt": "2020-04-01T00:00:00+00:00",
    }


async def test_run_expiry_refusals(admin, api, make_partner, pool):
    partner = await make_partner()
    before = await row_counts(pool)
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()

    refused = await admin.refused("runExpiry", {"asOf": future})
    conflict_key = new_key("expiry")
    await admin.ok("runExpiry", {"asOf": AS_OF.isoformat(), "idempotencyKey": conflict_key}, "")
    conflict = await admin.refused(
        "runExpiry", {"asOf": "2020-03-01T00:00:00Z", "idempotencyKey": conflict_key}
    )
    forbidden = await api(partner.key.secret).call(
        "mutation { runExpiry(input: {}) { expiredPoints userErrors { code } } }"
    )

    assert (refused["code"], refused["field"]) == ("INVALID_INPUT", ["asOf"])
    assert (conflict["code"], conflict["field"]) == ("IDEMPOTENCY_CONFLICT", ["idempotencyKey"])
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert forbidden["data"] is None
    after = await row_counts(pool)
    assert after == {**before, "idempotency_records": before["idempotency_records"] + 1}
