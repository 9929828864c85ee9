"""Every batch balances (contract section 7, rule 8), checked over the written batches; with
the ledger's own checks, this is what ``ledgerAudit`` and ``exchange audit`` run.

Money differences are reported in millionths of the currency unit (the ``detail``)."""

from __future__ import annotations

from exchange.kit.db import Conn
from exchange.ledger.audit import CheckResult, Checks, run_audit

LIVE = "b.status <> 'DISCARDED'"
MILLIONTHS = "round(({}) * 1000000)::bigint"

SETTLEMENT_CHECKS: Checks = {
    "batch_nets_equal_margin": (
        "A batch's partner nets sum to the operator's margin (rule 8).",
        f"SELECT b.id AS subject, {MILLIONTHS.format('b.operator_margin - coalesce(s.nets, 0)')}"
        " AS detail FROM settlement_batches b LEFT JOIN (SELECT batch_id, sum(net_amount) AS nets"
        "   FROM settlement_statements GROUP BY batch_id) s ON s.batch_id = b.id"
        f" WHERE {LIVE} AND b.operator_margin <> coalesce(s.nets, 0)",
    ),
    "statement_lines_sum_to_net": (
        "A statement's net is the sum of its rounded lines, its exact net the sum of the exact"
        " ones (subject: batch, detail: partner).",
        "SELECT s.batch_id AS subject, s.partner_id AS detail FROM settlement_statements s"
        " JOIN settlement_batches b ON b.id = s.batch_id"
        " LEFT JOIN (SELECT batch_id, partner_id, sum(amount) AS amount,"
        "   sum(exact_amount) AS exact FROM settlement_lines GROUP BY 1, 2) l"
        "   ON l.batch_id = s.batch_id AND l.partner_id = s.partner_id"
        f" WHERE {LIVE} AND (s.net_amount <> coalesce(l.amount, 0)"
        "   OR s.exact_net <> coalesce(l.exact, 0)"
        "   OR s.rounding_difference <> s.exact_net - s.net_amount)",
    ),
    "flows_sum_to_redeemed": (
        "A batch's bilateral matrix sums to the points it redeemed, refunds netted (rule 8).",
        "SELECT b.id AS subject, coalesce(f.points, 0) - coalesce(l.points, 0) AS detail"
        " FROM settlement_batches b"
        " LEFT JOIN (SELECT batch_id, sum(points) AS points FROM settlement_flows"
        "   GROUP BY batch_id) f ON f.batch_id = b.id"
        " LEFT JOIN (SELECT batch_id, sum(CASE kind WHEN 'REDEEMED' THEN points"
        "   WHEN 'REDEMPTION_REFUNDED' THEN -points ELSE 0 END) AS points"
        "   FROM settlement_lines GROUP BY batch_id) l ON l.batch_id = b.id"
        f" WHERE {LIVE} AND coalesce(f.points, 0) <> coalesce(l.points, 0)",
    ),
    "payments_settle_nets": (
        "A batch's payments move exactly each partner's net (subject: batch, detail: partner).",
        "WITH moved AS (SELECT batch_id, payer_partner_id AS partner_id, amount FROM"
        "   settlement_payments WHERE payer_partner_id IS NOT NULL UNION ALL"
        "   SELECT batch_id, payee_partner_id, -amount FROM settlement_payments"
        "   WHERE payee_partner_id IS NOT NULL)"
        " SELECT coalesce(s.batch_id, m.batch_id) AS subject,"
        "   coalesce(s.partner_id, m.partner_id) AS detail"
        " FROM settlement_statements s FULL JOIN (SELECT batch_id, partner_id, sum(amount)"
        "   AS amount FROM moved GROUP BY 1, 2) m"
        "   ON m.batch_id = s.batch_id AND m.partner_id = s.partner_id"
        " JOIN settlement_batches b ON b.id = coalesce(s.batch_id, m.batch_id)"
        f" WHERE {LIVE} AND coalesce(s.net_amount, 0) <> coalesce(m.amount, 0)",
    ),
}


async def run_full_audit(conn: Conn, *, limit: int = 100) -> list[CheckResult]:
    """The ledger's invariants, then the settlement batches'."""
    return [
        *await run_audit(conn, limit=limit),
        *await run_audit(conn, limit=limit, checks=SETTLEMENT_CHECKS),
    ]
