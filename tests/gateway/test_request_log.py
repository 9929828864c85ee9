"""Structured logs: one JSON line per request, and never a key, token or card number."""

from __future__ import annotations

import json
import logging
import sys

import pytest
from gateway_support import member_gid, new_key

from exchange.kit.logs import JsonFormatter, RedactingFormatter
from exchange.kit.redact import redact, redact_value

CARD = "6390000000000013"
MASKED_CARD = "************0013"
SECRET_KEY_PART = "q0Zy9kG4nF2Vx8Jw1LrT5cBm3HsE7uPaD6oWiYeK"


def lines(caplog) -> list[dict[str, object]]:
    formatter = JsonFormatter()
    return [json.loads(formatter.format(record)) for record in caplog.records]


async def test_one_line_per_request(client, api, make_partner, make_member, caplog):
    partner = await make_partner()
    member = await make_member(partner)
    caplog.set_level(logging.INFO, logger="exchange.access")
    response = await api(partner.key.secret).post(
        "mutation($i: EarnPointsInput!) { earnPoints(input: $i) { userErrors { code } } }",
        {
            "i": {
                "memberId": member_gid(member),
                "amount": {"amount": "3.00", "currency": "EUR"},
                "idempotencyKey": new_key(),
            }
        },
        headers={"X-Request-Id": "req-log-test-0001"},
    )
    assert response.status_code == 200
    access = [line for line in lines(caplog) if line["logger"] == "exchange.access"]
    assert len(access) == 1
    line = access[0]
    assert line["request_id"] == "req-log-test-0001" == response.headers["x-request-id"]
    assert line["operation"] == "earnPoints"
    assert line["principal"] == "partner"
    assert line["key_id"] == partner.key.id
    assert line["status"] == 200
    assert isinstance(line["latency_ms"], float) and line["latency_ms"] > 0
    assert line["method"] == "POST" and line["path"] == "/graphql"


async def test_a_request_with_a_card_number_and_a_key_is_logged_masked(
    client, api, make_partner, make_member, caplog
):
    """The card number travels in the URL (GET), the key in a header; an error is logged with
    both in its message (as an exception text might carry them)."""
    partner = await make_partner()
    await make_member(partner, card_number=CARD)
    caplog.set_level(logging.DEBUG)
    response = await client.get(
        "/graphql",
        params={"query": f'{{ member(cardNumber: "{CARD}") {{ id balance }} }}'},
        headers={"Authorization": f"Bearer {partner.key.secret}"},
    )
    assert response.status_code == 200
    assert response.json()["data"]["member"] is not None
    logging.getLogger("exchange.gateway").error(
        "upstream said: GET /graphql?query=member(cardNumber:%s) with Authorization: Bearer %s",
        CARD,
        partner.key.secret,
    )
    written = "\n".join(JsonFormatter().format(record) for record in caplog.records)
    assert CARD not in written
    assert partner.key.secret not in written
    assert MASKED_CARD in written
    assert f"{partner.key.prefix}_" in written  # the quotable id of the key stays
    access = [line for line in lines(caplog) if line["logger"] == "exchange.access"]
    assert [line["operation"] for line in access] == ["member"]


@pytest.mark.parametrize(
    ("text", "shown", "hidden"),
    [
        (f"card {CARD} paid", MASKED_CARD, CARD),
        ("card 6390 0000 0000 0013", MASKED_CARD, "6390 0000 0000 0013"),
        (f"key ptk_3f9a1c2b_{SECRET_KEY_PART}", "ptk_3f9a1c2b_[redacted]", SECRET_KEY_PART),
        (f"adm_00ff00ff_{SECRET_KEY_PART} used", "adm_00ff00ff_[redacted]", SECRET_KEY_PART),
        (f"token mbr_{SECRET_KEY_PART}", "mbr_[redacted]", SECRET_KEY_PART),
        ("secret whsec_c2VjcmV0c2VjcmV0c2VjcmV0==", "whsec_[redacted]", "c2VjcmV0"),
        (f"Authorization: Bearer {SECRET_KEY_PART}", "Bearer [redacted]", SECRET_KEY_PART),
        ("amount 12.50 for member 1234 at 2026-11-23", "amount 12.50 for member 1234", ""),
    ],
)
def test_redact(text, shown, hidden):
    redacted = redact(text)
    assert shown in redacted
    if hidden:
        assert hidden not in redacted


def test_redact_input_values():
    value = redact_value(
        {
            "cardNumber": CARD,
            "email": "ana@example.com",
            "secret": "whsec_abc",
            "nested": [{"apiKey": "ptk_3f9a1c2b_xyz", "note": f"card {CARD}"}],
            "code": "FUEL",
            "points": 100,
        }
    )
    assert value == {
        "cardNumber": MASKED_CARD,
        "email": "a***@example.com",
        "secret": "[redacted]",
        "nested": [{"apiKey": "[redacted]", "note": f"card {MASKED_CARD}"}],
        "code": "FUEL",
        "points": 100,
    }


def test_exception_text_is_redacted_too():
    try:
        raise ValueError(f"bad card {CARD}")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    for formatter in (JsonFormatter(), RedactingFormatter()):
        text = formatter.format(record)
        assert CARD not in text and MASKED_CARD in text
