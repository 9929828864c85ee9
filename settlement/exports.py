"""A batch's statements as CSV and JSON. The same batch figures give the same bytes: nothing
in them depends on when or by whom the batch was run (a DRAFT discarded and run again on
the same ledger exports identically)."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

from exchange.kit.db import Conn

from . import repository as repo
from .repository import Batch
from .statements import quantum

LINE_COLUMNS = (
    "period_start",
    "period_end",
    "currency",
    "partner",
    "line",
    "kind",
    "adjustment",
    "unit_price",
    "points",
    "exact_amount",
    "amount",
    "entries",
)


def _iso(value: Any) -> str:
    return "" if value is None else value.isoformat()


def _text(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


def _money(value: Decimal, currency: str) -> str:
    """An amount already rounded to the currency's minor unit, with all its places."""
    return format(value.quantize(quantum(currency)), "f")


async def statements_csv(conn: Conn, batch: Batch, partner_id: int | None = None) -> str:
    """Every line of every statement (or of one partner's), then its NET and the ROUNDING
    difference to the exact net, partners in code order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(LINE_COLUMNS)
    period = (_iso(batch.period_start), _iso(batch.period_end), batch.currency)
    lines = await repo.line_rows(conn, batch.id, partner_id)
    for statement in await repo.statement_rows(conn, batch.id, partner_id):
        code = statement["partner_code"]
        for line in (row for row in lines if row["partner_id"] == statement["partner_id"]):
            writer.writerow(
                (
                    *period,
                    code,
                    line["line_no"],
                    line["kind"],
                    "yes" if line["adjustment"] else "no",
                    _text(line["unit_price"]),
                    line["points"],
                    _text(line["exact_amount"]),
                    _money(line["amount"], batch.currency),
                    line["entries_count"],
                )
            )
        for kind, exact, amount in (
            ("NET", statement["exact_net"], statement["net_amount"]),
            ("ROUNDING", statement["rounding_difference"], Decimal(0)),
        ):
            writer.writerow(
                (
                    *period,
                    code,
                    "",
                    kind,
                    "",
                    "",
                    "",
                    _text(exact),
                    _money(amount, batch.currency),
                    "",
                )
            )
    return out.getvalue()


def _statement_json(
    statement: dict[str, Any], lines: list[dict[str, Any]], currency: str
) -> dict[str, Any]:
    return {
        "partner": statement["partner_code"],
        "billing": statement["billing"],
        "points": {
            name: statement[f"{name}_points"]
            for name in ("issued", "reversed", "redeemed", "refunded", "expired", "bought")
        }
        | {"memberships": statement["memberships_sold"]},
        "lines": [
            {
                "line": line["line_no"],
                "kind": line["kind"],
                "adjustment": line["adjustment"],
                "unitPrice": _text(line["unit_price"]),
                "points": line["points"],
                "exactAmount": _text(line["exact_amount"]),
                "amount": _money(line["amount"], currency),
                "entries": line["entries_count"],
            }
            for line in lines
            if line["partner_id"] == statement["partner_id"]
        ],
        "exactNet": _text(statement["exact_net"]),
        "net": _money(statement["net_amount"], currency),
        "roundingDifference": _text(statement["rounding_difference"]),
        "entries": statement["entries_count"],
        "entriesSha256": statement["entries_sha256"],
    }


async def batch_json(conn: Conn, batch: Batch, partner_id: int | None = None) -> str:
    lines = await repo.line_rows(conn, batch.id, partner_id)
    document: dict[str, Any] = {
        "periodStart": _iso(batch.period_start),
        "periodEnd": _iso(batch.period_end),
        "currency": batch.currency,
        "status": batch.status,
        "statements": [
            _statement_json(statement, lines, batch.currency)
            for statement in await repo.statement_rows(conn, batch.id, partner_id)
        ],
        "flows": [
            {
                "issuer": row["issuer_code"],
                "redeemer": row["redeemer_code"],
                "points": row["points"],
                "exactAmount": _text(row["exact_amount"]),
            }
            for row in await repo.flow_rows(conn, batch.id, partner_id)
        ],
        "payments": [
            {
                "payer": row["payer_code"],
                "payee": row["payee_code"],
                "amount": _money(row["amount"], batch.currency),
            }
            for row in await repo.payment_rows(conn, batch.id, partner_id)
        ],
    }
    if partner_id is None:
        document |= {
            "entries": batch.entries_count,
            "entriesSha256": batch.entries_sha256,
            "operatorMargin": _money(batch.operator_margin, batch.currency),
            "roundingDifference": _text(batch.rounding_difference),
        }
    return json.dumps(document, indent=2) + "\n"
