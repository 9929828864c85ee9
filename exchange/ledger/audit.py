"""The ledger invariants of contract section 7, checked over the whole database.

Each check is one SQL query that returns the violating rows; an empty result means it holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from exchange.kit.db import Conn

CHECKS: dict[str, tuple[str, str]] = {
    "entries_balance": (
        "Every journal entry's postings sum to zero points (rule 1).",
        "SELECT entry_id AS subject, sum(points) AS detail FROM postings"
        " GROUP BY entry_id HAVING sum(points) <> 0",
    ),
    "balance_equals_postings": (
        "A member's balance equals the sum of its postings (rule 2).",
        "SELECT b.member_id AS subject, b.balance - coalesce(p.total, 0) AS detail"
        " FROM member_balances b LEFT JOIN (SELECT account_id, sum(points) AS total"
        "   FROM postings GROUP BY account_id) p ON p.account_id = b.account_id"
        " WHERE b.balance <> coalesce(p.total, 0)",
    ),
    "balance_equals_lots": (
        "A member's balance equals its lots' remaining points less its debt (rule 2).",
        "SELECT b.member_id AS subject, b.balance - (coalesce(l.total, 0) - b.debt) AS detail"
        " FROM member_balances b LEFT JOIN (SELECT member_id, sum(remaining) AS total"
        "   FROM lots GROUP BY member_id) l ON l.member_id = b.member_id"
        " WHERE b.balance <> coalesce(l.total, 0) - b.debt",
    ),
    "holds_covered": (
        "Held points are covered by the member's available lots (rules 3 and 5).",
        "SELECT b.member_id AS subject, b.held - coalesce(l.total, 0) AS detail"
        " FROM member_balances b LEFT JOIN (SELECT member_id, sum(remaining) AS total"
        "   FROM lots WHERE available_at <= now() GROUP BY member_id) l"
        "   ON l.member_id = b.member_id WHERE b.held > coalesce(l.total, 0)",
    ),
    "held_equals_open_holds": (
        "A member's held points equal the points of its AUTHORIZED holds.",
        "SELECT b.member_id AS subject, b.held - coalesce(h.total, 0) AS detail"
        " FROM member_balances b LEFT JOIN (SELECT member_id, sum(points) AS total"
        "   FROM holds WHERE status = 'AUTHORIZED' GROUP BY member_id) h"
        "   ON h.member_id = b.member_id WHERE b.held <> coalesce(h.total, 0)",
    ),
    "lots_match_consumptions": (
        "Every lot's remaining points equal its points less what was consumed (rule 4).",
        "SELECT l.id AS subject, l.remaining - (l.points - coalesce(c.total, 0)) AS detail"
        " FROM lots l LEFT JOIN (SELECT lot_id, sum(points) AS total FROM lot_consumptions"
        "   GROUP BY lot_id) c ON c.lot_id = l.id"
        " WHERE l.remaining <> l.points - coalesce(c.total, 0)",
    ),
    "burns_traced_to_lots": (
        "Every burned point is traced to a lot and so to its issuer (rule 4).",
        "SELECT e.id AS subject, e.points - coalesce(sum(c.points), 0) AS detail"
        " FROM journal_entries e LEFT JOIN lot_consumptions c"
        "   ON c.entry_id = e.id AND c.kind = 'BURN'"
        " WHERE e.kind = 'BURN' GROUP BY e.id, e.points"
        " HAVING e.points <> coalesce(sum(c.points), 0)",
    ),
    "expiries_traced_to_lots": (
        "Every expired point is taken from a lot, so breakage is known by issuer (rule 4).",
        "SELECT e.id AS subject, e.points - coalesce(sum(c.points), 0) AS detail"
        " FROM journal_entries e LEFT JOIN lot_consumptions c"
        "   ON c.entry_id = e.id AND c.kind = 'EXPIRY'"
        " WHERE e.kind = 'EXPIRY' GROUP BY e.id, e.points"
        " HAVING e.points <> coalesce(sum(c.points), 0)",
    ),
    "breakage_equals_expired_lots": (
        "The operator's breakage account holds exactly the points expired from lots.",
        "SELECT id AS subject, posted - expired AS detail FROM (SELECT a.id,"
        "   (SELECT coalesce(sum(points), 0) FROM postings WHERE account_id = a.id) AS posted,"
        "   (SELECT coalesce(sum(points), 0) FROM lot_consumptions WHERE kind = 'EXPIRY')"
        "   AS expired FROM accounts a"
        "  WHERE a.kind = 'OPERATOR_BREAKAGE' AND a.partner_id IS NULL) b"
        " WHERE posted <> expired",
    ),
    "prepaid_drawn_equals_entries": (
        "A prepaid partner's drawn points equal its prepaid earns and bonuses less their"
        " reversals.",
        "SELECT a.partner_id AS subject, a.points_drawn - coalesce(e.total, 0) AS detail"
        " FROM prepaid_allowances a LEFT JOIN (SELECT partner_id, sum(CASE kind"
        "   WHEN 'EARN_REVERSAL' THEN -points ELSE points END) AS total FROM journal_entries"
        "   WHERE prepaid AND kind IN ('EARN', 'BONUS', 'EARN_REVERSAL') GROUP BY partner_id) e"
        "   ON e.partner_id = a.partner_id WHERE a.points_drawn <> coalesce(e.total, 0)",
    ),
    "prepaid_bought_equals_blocks": (
        "A prepaid partner's bought points equal the points of its point blocks.",
        "SELECT a.partner_id AS subject, a.points_bought - coalesce(b.total, 0) AS detail"
        " FROM prepaid_allowances a LEFT JOIN (SELECT partner_id, sum(points) AS total"
        "   FROM point_blocks GROUP BY partner_id) b ON b.partner_id = a.partner_id"
        " WHERE a.points_bought <> coalesce(b.total, 0)",
    ),
    "transfers_net_to_zero": (
        "The operator's transfer clearing account nets to zero: every point a transfer took"
        " from a member reached another.",
        "SELECT a.id AS subject, coalesce(sum(p.points), 0) AS detail FROM accounts a"
        " LEFT JOIN postings p ON p.account_id = a.id WHERE a.kind = 'OPERATOR_TRANSFER'"
        " GROUP BY a.id HAVING coalesce(sum(p.points), 0) <> 0",
    ),
    "transfers_traced_to_lots": (
        "Every transferred point left the sender's lots and arrived in the receiver's lots with"
        " the same issuer and expiry (rule 4).",
        "WITH moved AS (SELECT i.id, l.issuer_partner_id, l.expires_at, sum(c.points) AS points"
        "   FROM journal_entries i JOIN lot_consumptions c ON c.entry_id = i.original_entry_id"
        "   AND c.kind = 'TRANSFER' JOIN lots l ON l.id = c.lot_id"
        "   WHERE i.kind = 'TRANSFER_IN' GROUP BY 1, 2, 3),"
        " arrived AS (SELECT i.id, l.issuer_partner_id, l.expires_at, sum(l.points) AS points"
        "   FROM journal_entries i JOIN lots l ON l.entry_id = i.id"
        "   WHERE i.kind = 'TRANSFER_IN' GROUP BY 1, 2, 3)"
        " SELECT o.id AS subject, o.points - coalesce(c.total, 0) AS detail"
        " FROM journal_entries o LEFT JOIN (SELECT entry_id, sum(points) AS total"
        "   FROM lot_consumptions WHERE kind = 'TRANSFER' GROUP BY entry_id) c"
        "   ON c.entry_id = o.id WHERE o.kind = 'TRANSFER_OUT' AND o.points <> coalesce(c.total, 0)"
        " UNION ALL SELECT i.id, i.points - coalesce(a.total, 0) FROM journal_entries i"
        "   LEFT JOIN (SELECT id, sum(points) AS total FROM arrived GROUP BY id) a ON a.id = i.id"
        "   WHERE i.kind = 'TRANSFER_IN' AND i.points <> coalesce(a.total, 0)"
        " UNION ALL SELECT DISTINCT id, -1 FROM ((TABLE moved EXCEPT TABLE arrived)"
        "   UNION ALL (TABLE arrived EXCEPT TABLE moved)) d",
    ),
    "references_resolve": (
        "Every append-only row refers to rows that exist (the ledger writes them; no foreign"
        " key checks them on the hot path).",
        "SELECT e.id AS subject, 0 AS detail FROM journal_entries e"
        " WHERE NOT EXISTS (SELECT 1 FROM members m WHERE m.id = e.member_id)"
        "  OR (e.partner_id IS NOT NULL"
        "      AND NOT EXISTS (SELECT 1 FROM partners p WHERE p.id = e.partner_id))"
        "  OR (e.original_entry_id IS NOT NULL AND NOT EXISTS"
        "      (SELECT 1 FROM journal_entries o WHERE o.id = e.original_entry_id))"
        " UNION ALL SELECT p.entry_id, 1 FROM postings p"
        " WHERE NOT EXISTS (SELECT 1 FROM journal_entries e WHERE e.id = p.entry_id)"
        "  OR NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = p.account_id)"
        " UNION ALL SELECT l.id, 2 FROM lots l"
        " WHERE NOT EXISTS (SELECT 1 FROM journal_entries e"
        "   WHERE e.id = l.entry_id AND e.member_id = l.member_id)"
        "  OR (l.issuer_partner_id IS NOT NULL"
        "      AND NOT EXISTS (SELECT 1 FROM partners p WHERE p.id = l.issuer_partner_id))"
        " UNION ALL SELECT c.id, 3 FROM lot_consumptions c"
        " WHERE NOT EXISTS (SELECT 1 FROM lots l WHERE l.id = c.lot_id"
        "   AND l.member_id = c.member_id)"
        "  OR NOT EXISTS (SELECT 1 FROM journal_entries e WHERE e.id = c.entry_id)"
        "  OR (c.redeemer_partner_id IS NOT NULL"
        "      AND NOT EXISTS (SELECT 1 FROM partners p WHERE p.id = c.redeemer_partner_id))"
        " UNION ALL SELECT o.id, 4 FROM outbox_events o"
        " WHERE (o.member_id IS NOT NULL"
        "        AND NOT EXISTS (SELECT 1 FROM members m WHERE m.id = o.member_id))"
        "  OR (o.partner_id IS NOT NULL"
        "      AND NOT EXISTS (SELECT 1 FROM partners p WHERE p.id = o.partner_id))",
    ),
    "available_not_negative": (
        "No member's balance goes below zero except by a recorded debt (rule 3).",
        "SELECT member_id AS subject, balance AS detail FROM member_balances"
        " WHERE balance < -debt OR held < 0 OR debt < 0",
    ),
}


@dataclass(frozen=True)
class CheckResult:
    name: str
    description: str
    violations: list[tuple[int, int]]

    @property
    def ok(self) -> bool:
        return not self.violations


Checks = dict[str, tuple[str, str]]
"""Name -> (what must hold, a query returning ``subject`` and ``detail`` of each violation)."""


async def run_audit(
    conn: Conn, *, limit: int = 100, checks: Checks | None = None
) -> list[CheckResult]:
    results = []
    for name, (description, sql) in (CHECKS if checks is None else checks).items():
        cur = await conn.execute(f"{sql} LIMIT {int(limit)}")
        rows = await cur.fetchall()
        results.append(
            CheckResult(name, description, [(int(r["subject"]), int(r["detail"])) for r in rows])
        )
    return results
