"""What must hold after a chaos run. Each check returns its findings (empty: it holds), so a
failing run says everything that went wrong at once.

- ``agreeing_answers``: every answer to one idempotency key agrees (a done call is done again
  with the same transaction, hold and points; never a refusal or IDEMPOTENCY_CONFLICT after);
- ``ledger_matches``: every acknowledged call is in the ledger exactly once: its idempotency
  record names the same transaction or hold, with the same kind and points; and the ledger
  holds nothing else: the entries of each kind are exactly those the idempotency records
  name (no double effect of a retry, no entry of a call that was never answered twice);
- ``negative_balances``: no member's balance below zero (but for the debt a reversal of
  spent points leaves), and held points always backed by lots;
- ``undelivered``: every outbox event of a partner reached that partner's receiver.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections import defaultdict
from typing import Any

from load_driver import Ack, Report

from exchange.kit.db import Pool, transaction

ENTRY_KIND = {
    "earnPoints": "EARN",
    "burnPoints": "BURN",
    "captureBurn": "BURN",
    "reverseEarn": "EARN_REVERSAL",
    "refundBurn": "BURN_REFUND",
    "transferPoints": "TRANSFER_OUT",
}
HOLD_OPERATIONS = ("authorizeBurn", "voidBurn")


def agreeing_answers(report: Report) -> list[str]:
    findings = []
    for (caller, key), acks in report.by_key().items():
        acks = sorted(acks, key=lambda ack: ack.at)
        first_done = next((ack for ack in acks if ack.ok), None)
        for ack in acks:
            if ack.code == "IDEMPOTENCY_CONFLICT":
                findings.append(f"{caller} {key}: IDEMPOTENCY_CONFLICT for the same input")
            later = first_done is not None and ack.at >= first_done.at
            if later and first_done is not None and ack.result() != first_done.result():
                findings.append(
                    f"{caller} {key}: answered {first_done.result()}, then {ack.result()}"
                )
    return findings


async def _rows(pool: Pool, query: str) -> list[dict[str, Any]]:
    async with transaction(pool) as conn:
        cur = await conn.execute(query)  # type: ignore[arg-type]
        return [dict(row) for row in await cur.fetchall()]


async def ledger_matches(pool: Pool, report: Report) -> list[str]:
    records = {
        (r["caller"], r["key"]): r
        for r in await _rows(
            pool, "SELECT caller, key, operation, response FROM idempotency_records"
        )
    }
    entries = {
        e["id"]: e
        for e in await _rows(
            pool,
            "SELECT id, kind, member_id, points, hold_id, original_entry_id FROM journal_entries",
        )
    }
    holds = {h["id"]: h for h in await _rows(pool, "SELECT id, points, status FROM holds")}
    findings = []
    for ack in (ack for acks in report.by_key().values() for ack in acks if ack.ok):
        findings += _acknowledged(ack, records, entries, holds)
    findings += _nothing_else(records, entries, holds)
    return findings


def _acknowledged(
    ack: Ack,
    records: dict[tuple[str, str], dict[str, Any]],
    entries: dict[int, dict[str, Any]],
    holds: dict[int, dict[str, Any]],
) -> list[str]:
    call = ack.call
    name = f"{call.operation} {call.caller} {call.key}"
    record = records.get((call.caller, call.key))
    if record is None or record["operation"] != call.operation:
        return [f"{name}: acknowledged {ack.result()}, but no idempotency record of it"]
    response = record["response"]
    findings = []
    if call.operation in ENTRY_KIND:
        entry = entries.get(ack.transaction_id or -1)
        if response.get("transaction_id") != ack.transaction_id:
            findings.append(f"{name}: answered {ack.transaction_id}, recorded {response}")
        if entry is None or entry["kind"] != ENTRY_KIND[call.operation]:
            findings.append(f"{name}: transaction {ack.transaction_id} is not in the ledger")
        elif entry["points"] != ack.points:
            findings.append(f"{name}: answered {ack.points} points, the ledger has {entry}")
    if call.operation in (*HOLD_OPERATIONS, "captureBurn"):
        hold = holds.get(ack.hold_id or -1)
        if response.get("hold_id") != ack.hold_id or hold is None:
            findings.append(f"{name}: hold {ack.hold_id} answered, recorded {response}")
        elif call.operation in HOLD_OPERATIONS and hold["points"] != ack.points:
            findings.append(f"{name}: answered {ack.points} points, the hold is {hold}")
    return findings


def _nothing_else(
    records: dict[tuple[str, str], dict[str, Any]],
    entries: dict[int, dict[str, Any]],
    holds: dict[int, dict[str, Any]],
) -> list[str]:
    """Each entry (and hold) is named by exactly one idempotency record, and back."""
    named: dict[str, list[int]] = defaultdict(list)
    hold_ids = []
    for record in records.values():
        response = record["response"]
        if record["operation"] in ENTRY_KIND:
            named[ENTRY_KIND[record["operation"]]].append(response.get("transaction_id"))
        if record["operation"] == "authorizeBurn":
            hold_ids.append(response.get("hold_id"))
    findings = []
    for kind in sorted(set(ENTRY_KIND.values())):
        in_ledger = sorted(i for i, e in entries.items() if e["kind"] == kind)
        if sorted(named[kind]) != in_ledger:
            extra = sorted(set(in_ledger) - set(named[kind]))[:20]
            missing = sorted(set(named[kind]) - set(in_ledger))[:20]
            twice = sorted(i for i in set(named[kind]) if named[kind].count(i) > 1)[:20]
            findings.append(
                f"{kind}: {len(in_ledger)} entries for {len(named[kind])} records; without a"
                f" record {extra}, recorded but missing {missing}, named twice {twice}"
            )
    outs = {i for i, e in entries.items() if e["kind"] == "TRANSFER_OUT"}
    ins = [e["original_entry_id"] for e in entries.values() if e["kind"] == "TRANSFER_IN"]
    if sorted(ins) != sorted(outs):
        findings.append(f"TRANSFER_IN: {len(ins)} for {len(outs)} TRANSFER_OUT")
    if sorted(hold_ids) != sorted(holds):
        findings.append(f"holds: {len(holds)} in the ledger for {len(hold_ids)} authorizations")
    other = {e["kind"] for e in entries.values()} - {*ENTRY_KIND.values(), "TRANSFER_IN"}
    if other:
        findings.append(f"entries no call made: {sorted(other)}")
    return findings


NEGATIVE = """
SELECT b.member_id, b.balance, b.held, b.debt, coalesce(l.total, 0) AS lots
  FROM member_balances b
  LEFT JOIN (SELECT member_id, sum(remaining) AS total FROM lots GROUP BY member_id) l
    ON l.member_id = b.member_id
 WHERE (b.balance < 0 AND b.debt = 0) OR b.held > coalesce(l.total, 0) OR b.held < 0
"""


async def negative_balances(pool: Pool) -> list[str]:
    return [f"member balance below zero: {row}" for row in await _rows(pool, NEGATIVE)]


async def audit(database_url: str, env: dict[str, str]) -> list[str]:
    """``exchange audit`` as an operator runs it: exit code 0, or its report."""
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "exchange.cli", "audit"],
        env={**env, "EXCHANGE_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode == 0:
        return []
    return [f"exchange audit exited {done.returncode}:\n{done.stdout}\n{done.stderr}"]


PARTNER_EVENTS = """
SELECT o.event_id, o.event_type, o.partner_id FROM outbox_events o
  JOIN webhook_endpoints e ON e.partner_id = o.partner_id AND o.xid >= e.from_xid
 WHERE o.event_type = ANY (e.event_types)
"""


async def partner_events(pool: Pool) -> list[dict[str, Any]]:
    return await _rows(pool, PARTNER_EVENTS)


def undelivered(events: list[dict[str, Any]], received: dict[str, int]) -> list[str]:
    missing = [e for e in events if e["event_id"] not in received]
    if not missing:
        return []
    return [f"{len(missing)} of {len(events)} events never delivered, e.g. {missing[:5]}"]
