"""The limits a burn meets under one rule version, and the most points usable now.

In the order a burn is checked: the partner accepts points at all; the basket costs at least
the minimum; the burn uses at least the minimum points; the points pay at most the share of
the basket, ``floor(basket x share / point value)`` points (the whole basket when no share is
set). The member's available points come last (the ledger checks them under the member's
lock). A reward is priced in points, not a basket: the basket rules do not apply to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from exchange.kit.errors import InvalidInput
from exchange.kit.money import MINOR_UNITS, round_to_minor
from exchange.ledger.errors import BurnLimitExceeded, RedemptionNotAccepted
from partners.burn_rules.rule_sets import DEFAULTS, Limit, RuleSet, Terms

WHOLE_BASKET = Decimal(1)


def percent(share: Decimal) -> str:
    """0.2 -> "20", 0.125 -> "12.5"."""
    return format((share * 100).normalize(), "f")


def amount(value: Decimal, currency: str) -> str:
    """Money as people read it: at the currency's minor unit when that loses nothing
    (10.000000 -> "10.00"), else as exact as it is."""
    if currency in MINOR_UNITS and round_to_minor(value, currency) == value:
        return format(round_to_minor(value, currency), "f")
    return format(value.normalize(), "f")


@dataclass(frozen=True)
class Limits:
    """What one burn at the partner may use, before the member's points are known."""

    rule_set_id: int | None
    """None: the defaults (the partner has no version in force)."""
    version: int | None
    effective_from: datetime | None
    terms: Terms
    point_value: Decimal
    point_value_from_rule: bool
    """False: the partner's redemption value in force."""
    currency: str
    basket: Decimal | None
    """What the basket costs; None when not given."""
    reward: bool = False

    @property
    def share(self) -> Decimal | None:
        """The share of the basket points may pay: the rule's, or all of a given basket."""
        if self.reward or self.basket is None:
            return None
        return WHOLE_BASKET if self.terms.max_basket_share is None else self.terms.max_basket_share

    @property
    def basket_cap(self) -> int | None:
        """The most points the basket lets pay; None without one, or for points worth 0."""
        share = self.share
        if share is None or self.basket is None or self.point_value <= 0:
            return None
        return int((self.basket * share / self.point_value).to_integral_value(ROUND_FLOOR))

    @property
    def basket_met(self) -> bool:
        minimum = self.terms.minimum_basket
        return self.reward or minimum is None or (self.basket or 0) >= minimum

    def value(self, points: int) -> Decimal:
        """What ``points`` pay of the basket (exact)."""
        return points * self.point_value


@dataclass(frozen=True)
class Usable:
    """The most points usable now, and the limit that bound them."""

    points: int
    bound_by: Limit


def limits(
    rule_set: RuleSet | None,
    *,
    redemption_value: Decimal,
    currency: str,
    basket: Decimal | None,
    reward: bool = False,
) -> Limits:
    terms = DEFAULTS if rule_set is None else rule_set.terms
    own_value = terms.point_value
    return Limits(
        rule_set_id=None if rule_set is None else rule_set.id,
        version=None if rule_set is None else rule_set.version,
        effective_from=None if rule_set is None else rule_set.effective_from,
        terms=terms,
        point_value=redemption_value if own_value is None else own_value,
        point_value_from_rule=own_value is not None,
        currency=currency,
        basket=basket,
        reward=reward,
    )


def _money(limits: Limits, value: Decimal) -> str:
    return f"{amount(value, limits.currency)} {limits.currency}"


def check(limits: Limits, points: int) -> None:
    """Refuse a burn of ``points`` that breaks a rule (the member's points aside)."""
    terms = limits.terms
    if not terms.accepts_redemption:
        raise RedemptionNotAccepted("this partner accepts no points as payment")
    if terms.needs_basket and not limits.reward and limits.basket is None:
        raise InvalidInput(
            "basketAmount is required: this partner's burn rules limit points by the basket",
            field=["basketAmount"],
        )
    if not limits.basket_met:
        assert terms.minimum_basket is not None and limits.basket is not None
        raise BurnLimitExceeded(
            f"a basket of at least {_money(limits, terms.minimum_basket)}:"
            f" {_money(limits, limits.basket)} given",
            field=["basketAmount"],
        )
    if terms.minimum_points is not None and points < terms.minimum_points:
        raise BurnLimitExceeded(
            f"at least {terms.minimum_points} points per burn: {points} requested",
            field=["points"],
        )
    cap, share = limits.basket_cap, limits.share
    if cap is not None and share is not None and points > cap:
        assert limits.basket is not None
        raise BurnLimitExceeded(
            f"at most {percent(share)}% of the basket: {cap} points for"
            f" {_money(limits, limits.basket)}",
            field=["points"],
        )


def usable(limits: Limits, available: int) -> Usable:
    """The most points the member could use now, and which limit bound them (the basket
    share before the member's points when both give the same number)."""
    if not limits.terms.accepts_redemption:
        return Usable(0, Limit.REDEMPTION_NOT_ACCEPTED)
    if not limits.basket_met:
        return Usable(0, Limit.MINIMUM_BASKET)
    found = Usable(max(0, available), Limit.AVAILABLE_POINTS)
    cap = limits.basket_cap
    if cap is not None and cap <= found.points:
        found = Usable(cap, Limit.MAX_BASKET_SHARE)
    minimum = limits.terms.minimum_points
    if minimum is not None and found.points < minimum:
        return Usable(0, Limit.MINIMUM_POINTS)
    return found
