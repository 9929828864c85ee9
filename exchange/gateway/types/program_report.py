"""The program report (contract section 11): per partner and for the coalition, points
issued, redeemed, expired and outstanding with their value, members active, average basket,
purchase frequency, churn and NPS; cohort retention by enrolment month; each campaign's cost
and uplift against its control group. Staff see every partner and the coalition, a partner
key its own figures."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from exchange.kit.money import MINOR_UNITS
from settlement import kpis, program
from settlement.campaign_uplift import CampaignResult, Group
from settlement.cohorts import Cohort
from settlement.ratios import Ratio
from settlement.report_exports import month

from ..context import Info
from ..report_pages import program_path, signed_link
from .common import Money, described


@strawberry.type(description="Answers to the net promoter question in the period.")
class NetPromoterScore:
    answers: int
    promoters: int = strawberry.field(description="Answers of 9 or 10.")
    passives: int = strawberry.field(description="Answers of 7 or 8.")
    detractors: int = strawberry.field(description="Answers of 0 to 6.")
    score: str = strawberry.field(
        description="(promoters - detractors) / answers x 100, -100 to 100, rounded half-even"
        ' to 1 decimal ("0.0" without answers).'
    )


@strawberry.type(
    description="One partner's figures for the period (partnerCode null: the coalition's)."
)
class ProgramFigures:
    partner_code: str | None
    points_issued: int = strawberry.field(description="Earned, less earns reversed.")
    issued_value: Money = strawberry.field(description="At the issue prices recorded.")
    points_redeemed: int = strawberry.field(description="Burned, less burns refunded.")
    redeemed_value: Money = strawberry.field(description="At the redemption values recorded.")
    points_expired: int = strawberry.field(
        description="Breakage: the issuer's points that expired."
    )
    breakage_value: Money = strawberry.field(description="At the lots' issue prices.")
    outstanding_points: int = strawberry.field(description="Held by members at the period's end.")
    outstanding_value: Money
    active_members: int = strawberry.field(description="Members with an EARN or a BURN.")
    purchases: int = strawberry.field(description="EARN entries.")
    average_basket: Money = strawberry.field(
        description="The mean purchase amount of the EARN entries, half-even to the minor unit."
    )
    purchase_frequency: str = strawberry.field(
        description="purchases / activeMembers, half-even to 2 decimals."
    )
    previously_active_members: int = strawberry.field(
        description="Active in the period of the same length just before."
    )
    churned_members: int = strawberry.field(description="Active before, not in the period.")
    churn_percent: str = strawberry.field(
        description="churnedMembers / previouslyActiveMembers x 100, half-even to 1 decimal."
    )
    nps: NetPromoterScore

    @classmethod
    def of(cls, figures: kpis.Figures, currency: str) -> ProgramFigures:
        return cls(
            partner_code=figures.partner_code,
            points_issued=figures.points_issued,
            issued_value=Money.of(figures.issued_value, currency),
            points_redeemed=figures.points_redeemed,
            redeemed_value=Money.of(figures.redeemed_value, currency),
            points_expired=figures.points_expired,
            breakage_value=Money.of(figures.breakage_value, currency),
            outstanding_points=figures.outstanding_points,
            outstanding_value=Money.of(figures.outstanding_value, currency),
            active_members=figures.active_members,
            purchases=figures.purchases,
            average_basket=Money.of(
                figures.average_basket.rounded(MINOR_UNITS.get(currency, 2)), currency
            ),
            purchase_frequency=str(figures.frequency.rounded(2)),
            previously_active_members=figures.previously_active,
            churned_members=figures.churned,
            churn_percent=str(figures.churn.percent()),
            nps=NetPromoterScore(
                answers=figures.answers,
                promoters=figures.promoters,
                passives=figures.passives,
                detractors=figures.detractors,
                score=str(figures.nps.percent()),
            ),
        )


@strawberry.type(description="A cohort's activity in one month.")
class CohortMonth:
    month: str = strawberry.field(description="YYYY-MM (UTC).")
    months_after: int = strawberry.field(description="0: the enrolment month.")
    active_members: int
    retention_percent: str = strawberry.field(
        description="activeMembers / the cohort's members x 100, half-even to 1 decimal."
    )


@strawberry.type(description="The members enrolled in one month, and how many stayed active.")
class CohortRetention:
    month: str = strawberry.field(description="The enrolment month, YYYY-MM (UTC).")
    members: int
    months: list[CohortMonth] = strawberry.field(
        description="From the enrolment month to the period's last."
    )

    @classmethod
    def of(cls, cohort: Cohort) -> CohortRetention:
        return cls(
            month=month(cohort.month),
            members=cohort.members,
            months=[
                CohortMonth(
                    month=month(at),
                    months_after=offset,
                    active_members=cohort.active[offset],
                    retention_percent=str(cohort.retention(offset).percent()),
                )
                for offset, at in enumerate(cohort.months)
            ],
        )


@strawberry.type(description="A group of a campaign's members, and what they bought in its window.")
class CampaignGroup:
    members: int
    purchasers: int = strawberry.field(description="Members with at least one purchase.")
    purchases: int = strawberry.field(description="EARN entries in the window.")
    spend: Money = strawberry.field(description="What those purchases cost (exact).")
    spend_per_member: Money = strawberry.field(
        description="spend / members, half-even to the minor unit."
    )

    @classmethod
    def of(cls, group: Group, currency: str) -> CampaignGroup:
        places = MINOR_UNITS.get(currency, 2)
        return cls(
            members=group.members,
            purchasers=group.purchasers,
            purchases=group.purchases,
            spend=Money.of(group.spend, currency),
            spend_per_member=Money.of(group.spend_per_member.rounded(places), currency),
        )


@strawberry.type(description="A campaign's uplift: its members against its control group.")
class CampaignUplift:
    window_start: datetime = strawberry.field(description="The campaign's window in the period.")
    window_end: datetime
    treated: CampaignGroup = strawberry.field(description="The members it was offered to.")
    control: CampaignGroup = strawberry.field(description="The members it held out.")
    uplift_percent: str = strawberry.field(
        description="(treated spend per member / control spend per member - 1) x 100,"
        " half-even to 1 decimal."
    )
    incremental_spend: Money = strawberry.field(
        description="(treated - control spend per member) x treated members, half-even."
    )


@strawberry.type(description="A campaign in the period: what it cost, and its uplift.")
class CampaignFigures:
    code: str
    name: str
    kind: str
    funded_by: str
    promo_code: str | None
    control_group_percent: str
    points_given: int = strawberry.field(
        description="Its BONUS points posted in the period, less their reversals in it."
    )
    cost: Money = strawberry.field(
        description="Those points at the issue price recorded (the operator's: the till's)."
    )
    rewarded_members: int
    uplift: CampaignUplift | None = strawberry.field(
        description="Null for a campaign without a control group (or not running then)."
    )
    incremental_spend_per_cost: str | None = strawberry.field(
        description="incrementalSpend / cost, half-even to 2 decimals."
    )

    @classmethod
    def of(cls, result: CampaignResult, currency: str) -> CampaignFigures:
        places = MINOR_UNITS.get(currency, 2)
        terms, found = result.version.terms, result.uplift
        uplift = None
        if found is not None:
            uplift = CampaignUplift(
                window_start=found.window_start,
                window_end=found.window_end,
                treated=CampaignGroup.of(found.treated, currency),
                control=CampaignGroup.of(found.control, currency),
                uplift_percent=str(found.uplift.percent()),
                incremental_spend=Money.of(found.incremental_spend.rounded(places), currency),
            )
        per_cost = result.incremental_spend_per_cost
        return cls(
            code=result.version.campaign.code,
            name=terms.name,
            kind=terms.kind.value,
            funded_by=terms.funder.value,
            promo_code=result.version.campaign.promo_code,
            control_group_percent=format(terms.control_percent.normalize(), "f"),
            points_given=result.points_given,
            cost=Money.of(Ratio.of(result.cost_value, 1).rounded(places), currency),
            rewarded_members=result.rewarded_members,
            uplift=uplift,
            incremental_spend_per_cost=None if per_cost is None else str(per_cost.rounded(2)),
        )


@strawberry.type(description="The program's figures for [from, to).")
class ProgramReport:
    from_: datetime = strawberry.field(name="from")
    to: datetime
    currency: str
    partners: list[ProgramFigures] = strawberry.field(
        description="Every partner in code order (staff), or the calling partner's own."
    )
    coalition: ProgramFigures | None = strawberry.field(
        description="The whole program (staff only): a member active at two partners counts"
        " once; includes points the operator issued."
    )
    cohorts: list[CohortRetention] = strawberry.field(
        description="A cohort per month of the period, oldest first (a partner: the members"
        " it enrolled, active at it)."
    )
    campaigns: list[CampaignFigures] = strawberry.field(
        description="Each campaign that ran or gave points in the period (a partner: at its"
        " tills), with its cost and, if it holds a control group out, its uplift."
    )
    period: strawberry.Private[kpis.Period]

    async def _link(self, info: Info, name: str) -> str:
        return await signed_link(info, lambda code: program_path(self.period, code, name))

    @described("The figures as CSV (a row per partner, then the coalition): a 15-minute link.")
    async def csv_url(self, info: Info) -> str:
        return await self._link(info, "program.csv")

    @described("The cohort triangle as CSV (a row per cohort and month): a 15-minute link.")
    async def cohorts_csv_url(self, info: Info) -> str:
        return await self._link(info, "cohorts.csv")

    @described("The campaigns' cost and uplift as CSV (a row per campaign): a 15-minute link.")
    async def campaigns_csv_url(self, info: Info) -> str:
        return await self._link(info, "campaigns.csv")

    @described("A printable page with charts: a 15-minute link.")
    async def html_url(self, info: Info) -> str:
        return await self._link(info, "program.html")


async def program_report(
    info: Info,
    from_: Annotated[datetime, strawberry.argument(name="from")],
    to: datetime,
) -> ProgramReport:
    ctx = info.context
    period = kpis.check_period(from_, to)
    report = await program.program_report(ctx.pool, period, ctx.principal.scope)
    currency = ctx.settings.currency
    return ProgramReport(
        from_=period.start,
        to=period.end,
        currency=currency,
        partners=[ProgramFigures.of(row, currency) for row in report.partners],
        coalition=None
        if report.coalition is None
        else ProgramFigures.of(report.coalition, currency),
        cohorts=[CohortRetention.of(cohort) for cohort in report.cohorts],
        campaigns=[CampaignFigures.of(result, currency) for result in report.campaigns],
        period=period,
    )
