"""Campaign cost, and uplift against the control group, for the program report (contract
section 11), set-based.

**Cost**: the points a campaign gave (its BONUS entries posted in the period, less their
reversals posted in it) and their value at the issue price recorded on the BONUS entry (a
partner's) or on the earn it came with (the operator's, which has none: what the points are
worth at that till), and the members it gave points to.

**Uplift**, for a campaign that holds a control group out: its window in the period (the
version in force at the period's end: [startsAt, endsAt) within [from, to)); the population
is every member enrolled before the window's end (and in its segment, if it targets one),
split by ``campaign_control`` (the same rule the earns use) into the treated members and the
control group; each group's purchases are the EARN entries whose purchase falls in the window
(``occurredAt``), at the partners the campaign targets, whatever their returns. Per member,
the treated group spent S_T / N_T and the control group S_C / N_C; the uplift is
``(S_T/N_T) / (S_C/N_C) - 1`` and the incremental spend ``(S_T/N_T - S_C/N_C) x N_T``, both
exact until shown. A campaign for some tiers only is compared over all its members (tiers
change from one earn to the next), so its uplift is diluted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from exchange.kit.db import Conn
from partners.campaigns import segments, store
from partners.campaigns.terms import Version
from partners.versions import in_force

from .kpis import Period
from .ratios import Ratio


@dataclass(frozen=True)
class Group:
    members: int = 0
    purchasers: int = 0
    purchases: int = 0
    spend: Decimal = Decimal(0)

    @property
    def spend_per_member(self) -> Ratio:
        return Ratio.of(self.spend, self.members)


@dataclass(frozen=True)
class Uplift:
    window_start: datetime
    window_end: datetime
    treated: Group
    control: Group

    @property
    def uplift(self) -> Ratio:
        """(S_T/N_T) / (S_C/N_C) - 1 = (S_T N_C - S_C N_T) / (S_C N_T)."""
        t, c = self.treated, self.control
        return Ratio.of(t.spend * c.members - c.spend * t.members, c.spend * t.members)

    @property
    def incremental_spend(self) -> Ratio:
        """(S_T/N_T - S_C/N_C) x N_T = (S_T N_C - S_C N_T) / N_C."""
        t, c = self.treated, self.control
        return Ratio.of(t.spend * c.members - c.spend * t.members, c.members)


@dataclass(frozen=True)
class CampaignResult:
    version: Version
    """The version in force at the period's end (or the first, for one not started)."""
    points_given: int = 0
    cost_value: Decimal = Decimal(0)
    rewarded_members: int = 0
    uplift: Uplift | None = None
    """None: the campaign holds no control group out, or did not run in the period."""

    @property
    def incremental_spend_per_cost(self) -> Ratio | None:
        """The incremental spend per unit of money the campaign's points cost."""
        if self.uplift is None:
            return None
        spent = self.uplift.incremental_spend
        return Ratio(spent.numerator, spent.denominator * self.cost_value)


_COST = """
SELECT (b.details ->> 'campaign')::bigint AS campaign_id,
       sum(b.points) - coalesce(sum(r.back), 0) AS points,
       sum((b.points - coalesce(r.back, 0)) * coalesce(b.issue_price, e.issue_price, 0))
           AS value,
       count(DISTINCT b.member_id) AS members
  FROM journal_entries b
  JOIN journal_entries e ON e.id = b.original_entry_id
  LEFT JOIN LATERAL (SELECT sum(x.points) AS back FROM journal_entries x
                      WHERE x.original_entry_id = b.id AND x.kind = 'EARN_REVERSAL'
                        AND x.posted_at >= %(start)s AND x.posted_at < %(end)s) r ON true
 WHERE b.kind = 'BONUS' AND b.details ? 'campaign'
   AND b.posted_at >= %(start)s AND b.posted_at < %(end)s
   AND (%(partner)s::bigint IS NULL OR e.partner_id = %(partner)s)
 GROUP BY 1
"""

_GROUPS = """
WITH population AS (
    SELECT m.id, campaign_control(c.seed, m.id, %(percent)s) AS control
      FROM members m JOIN campaigns c ON c.id = %(campaign)s
     WHERE m.created_at < %(end)s
       AND (%(list)s::bigint IS NULL OR EXISTS (SELECT 1 FROM campaign_segment_members s
             WHERE s.member_id = m.id AND s.segment_id = %(list)s))
       AND (%(from)s::timestamptz IS NULL OR m.created_at >= %(from)s)
       AND (%(until)s::timestamptz IS NULL OR m.created_at < %(until)s)),
bought AS (
    SELECT e.member_id, count(*) AS purchases, sum(e.amount) AS spend
      FROM journal_entries e
     WHERE e.kind = 'EARN' AND e.occurred_at >= %(start)s AND e.occurred_at < %(end)s
       AND (cardinality(%(partners)s::bigint[]) = 0 OR e.partner_id = ANY(%(partners)s))
     GROUP BY e.member_id)
SELECT p.control, count(*) AS members, count(b.member_id) AS purchasers,
       coalesce(sum(b.purchases), 0)::bigint AS purchases, coalesce(sum(b.spend), 0) AS spend
  FROM population p LEFT JOIN bought b ON b.member_id = p.id
 GROUP BY p.control
"""


def _window(version: Version, period: Period) -> tuple[datetime, datetime] | None:
    terms = version.terms
    start = max(terms.starts_at, period.start)
    end = period.end if terms.ends_at is None else min(terms.ends_at, period.end)
    return (start, end) if start < end else None


async def _groups(
    conn: Conn, version: Version, window: tuple[datetime, datetime], partner_id: int | None
) -> Uplift:
    targets = version.terms.targets
    segment = None
    if targets.segment_id is not None:
        listed = await segments.all_segments(conn)
        segment = next((s for s in listed if s.id == targets.segment_id), None)
    partners = sorted(targets.partner_ids) if partner_id is None else [partner_id]
    cur = await conn.execute(
        _GROUPS,
        {
            "campaign": version.campaign.id,
            "percent": version.terms.control_percent,
            "start": window[0],
            "end": window[1],
            "partners": partners,
            "list": None if segment is None or not segment.is_list else segment.id,
            "from": None if segment is None else segment.enrolled_from,
            "until": None if segment is None else segment.enrolled_until,
        },
    )
    found = {row.pop("control"): Group(**row) for row in await cur.fetchall()}
    return Uplift(window[0], window[1], found.get(False, Group()), found.get(True, Group()))


def _reported(versions: Sequence[Version], period: Period, partner_id: int | None) -> bool:
    current = in_force(versions, period.end) or versions[-1]
    if partner_id is not None and not current.terms.targets.partner(partner_id):
        return False
    return current.terms.starts_at < period.end and (
        current.terms.ends_at is None or current.terms.ends_at > period.start
    )


async def results(conn: Conn, period: Period, partner_id: int | None) -> list[CampaignResult]:
    """Every campaign that ran in the period or gave points in it (a partner: at its tills),
    in campaign order, with its cost and, if it holds a control group out, its uplift."""
    cur = await conn.execute(
        _COST, {"start": period.start, "end": period.end, "partner": partner_id}
    )
    costs: dict[int, dict[str, Any]] = {row.pop("campaign_id"): row for row in await cur.fetchall()}
    by_campaign: dict[int, list[Version]] = {}
    for version in await store.versions(conn):
        by_campaign.setdefault(version.campaign.id, []).append(version)
    found = []
    for campaign_id, versions in sorted(by_campaign.items()):
        if campaign_id not in costs and not _reported(versions, period, partner_id):
            continue
        current = in_force(versions, period.end) or versions[-1]
        cost = costs.get(campaign_id, {"points": 0, "value": Decimal(0), "members": 0})
        window = _window(current, period)
        uplift = None
        if window is not None and current.terms.control_percent > 0:
            uplift = await _groups(conn, current, window, partner_id)
        found.append(
            CampaignResult(current, cost["points"], cost["value"], cost["members"], uplift)
        )
    return found
