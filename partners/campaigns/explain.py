"""Campaigns in words, with their numbers: what ``earnQuote`` says before an earn and the
transaction's calculation after it (one step per campaign, in the order they applied)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from partners.campaigns.evaluation import Claim, Part, Skipped
from partners.campaigns.limits import Granted
from partners.campaigns.record import Outcome
from partners.campaigns.terms import Chance, Funder, Kind, Limit, Terms

LIMITS = {
    Limit.USES_PER_MEMBER: "the member used it as often as it may",
    Limit.USES_TOTAL: "it was used as often as it may",
    Limit.POINTS_PER_MEMBER: "its points per member",
    Limit.POINTS_TOTAL: "its budget",
}


@dataclass(frozen=True)
class Step:
    code: str
    message: str
    points: int
    """What the campaign gives (a quote: would give, within its limits as they stand)."""
    applied: bool = True
    """False for a campaign that gives nothing (held out, lost, limits spent, skipped)."""


def _n(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _offer(kind: Kind, factor: Decimal | None, points: int | None, chance: Chance | None) -> str:
    if kind is Kind.MULTIPLIER:
        assert factor is not None
        return f"x{_n(factor)}"
    if kind is Kind.BONUS:
        return f"{points} points"
    assert chance is not None
    return f"a {chance.wins} in {chance.out_of} chance of {points} points"


def _parts(kind: Kind, parts: tuple[Part, ...], currency: str) -> str:
    if kind is Kind.MULTIPLIER:
        return ", ".join(
            f"{'/'.join(p.categories)} {p.amount} {currency} +{p.points}" for p in parts
        )
    spend = sum((p.amount for p in parts), Decimal(0))
    return f"on {spend} {currency} of {', '.join(c for p in parts for c in p.categories)}"


def _funder(funder: Funder) -> str:
    return "funded by the partner" if funder is Funder.PARTNER else "funded by the operator"


def _head(code: str, version: int, name: str) -> str:
    return f"{code} v{version} ({name})"


def _terms_offer(terms: Terms) -> str:
    return _offer(terms.kind, terms.factor, terms.points, terms.chance)


def quoted(claim: Claim, granted: Granted | None, currency: str) -> Step:
    """A campaign in a quote: what it claims, and what its limits leave now."""
    version, terms = claim.version, claim.version.terms
    head = _head(version.campaign.code, version.version, terms.name)
    what = f"{_terms_offer(terms)} {_parts(terms.kind, claim.parts, currency)}"
    if claim.held_out or granted is None:
        return Step(
            version.campaign.code,
            f"{head}: {what}; the member is in its control group: no points"
            f" (it would give {claim.wanted})",
            0,
            applied=False,
        )
    if terms.kind is Kind.INSTANT_WIN:
        left = "" if granted.points else f"; {LIMITS[granted.limited_by or Limit.POINTS_TOTAL]}"
        message = f"{head}: {what}, drawn when the earn is posted{left}"
        return Step(version.campaign.code, message, 0, applied=False)
    message = f"{head}: {what} = {claim.wanted} points, {_funder(terms.funder)}"
    if granted.limited_by is not None:
        message += f"; {LIMITS[granted.limited_by]} leave {granted.points}"
    return Step(version.campaign.code, message, granted.points, granted.points > 0)


def recorded(outcome: Outcome, currency: str) -> Step:
    """A campaign as an earn recorded it."""
    head = _head(outcome.code, outcome.version, outcome.name)
    what = (
        f"{_offer(outcome.kind, outcome.factor, outcome.wanted, outcome.chance)}"
        f" {_parts(outcome.kind, outcome.parts, currency)}"
    )
    if outcome.kind is Kind.MULTIPLIER:
        what = f"{what} = {outcome.wanted} points"
    if outcome.held_out:
        message = f"{head}: {what}; the member is in its control group: no points"
        return Step(outcome.code, message, 0, applied=False)
    if outcome.draw is not None:
        word = "won" if outcome.draw.won else "lost"
        what = f"{what}: draw {outcome.draw.value}, {word}"
        if not outcome.draw.won:
            return Step(outcome.code, f"{head}: {what}", 0, applied=False)
    message = f"{head}: {what}, {_funder(outcome.funder)}"
    if outcome.limited_by is not None:
        message += f"; {LIMITS[outcome.limited_by]} left {outcome.points}"
    return Step(outcome.code, message, outcome.points, outcome.points > 0)


def skipped(found: Skipped) -> Step:
    version = found.version
    head = _head(version.campaign.code, version.version, version.terms.name)
    return Step(version.campaign.code, f"{head}: does not apply: {found.reason}", 0, False)
