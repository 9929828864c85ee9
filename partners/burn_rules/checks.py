"""An admin's new burn rule version, checked field by field (``INVALID_INPUT`` or
``INVALID_AMOUNT`` with the path of the field at fault, relative to the mutation's
``input``)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from exchange.kit.errors import InvalidAmount, InvalidInput
from exchange.kit.money import MAX_POINTS
from partners.burn_rules.rule_sets import Terms

MAX_SHARE_DECIMALS = 4


def basket_share(value: str | None) -> Decimal | None:
    """The largest share of a basket points may pay: a decimal fraction above 0 and at most
    1 (0.2: 20%), at most 4 decimals."""
    if value is None:
        return None
    try:
        parsed = Decimal(value.strip())
    except (InvalidOperation, AttributeError):
        raise InvalidInput(f"{value!r} is not a decimal number", field=["maxBasketShare"]) from None
    exponent = parsed.as_tuple().exponent
    if (
        not parsed.is_finite()
        or not 0 < parsed <= 1
        or (isinstance(exponent, int) and -exponent > MAX_SHARE_DECIMALS)
    ):
        raise InvalidInput(
            "maxBasketShare is a fraction above 0 and at most 1 (0.2: 20%) with at most"
            f" {MAX_SHARE_DECIMALS} decimals",
            field=["maxBasketShare"],
        )
    return parsed


def points_minimum(value: int | None) -> int | None:
    if value is not None and not 0 < value <= MAX_POINTS:
        raise InvalidAmount(
            f"minimumPoints must be between 1 and {MAX_POINTS}", field=["minimumPoints"]
        )
    return value


def money_per_point(value: Decimal | None) -> Decimal | None:
    """Money per point (already parsed as a price): above 0, or a cap could not be counted."""
    if value is not None and value <= 0:
        raise InvalidAmount("pointValue must be above 0", field=["pointValue"])
    return value


def terms(
    *,
    accepts_redemption: bool = True,
    point_value: Decimal | None = None,
    max_basket_share: str | None = None,
    minimum_basket: Decimal | None = None,
    minimum_points: int | None = None,
) -> Terms:
    """The new version's terms, or the first field at fault. A partner that accepts no
    points has no other limit to state."""
    checked = Terms(
        accepts_redemption=accepts_redemption,
        point_value=money_per_point(point_value),
        max_basket_share=basket_share(max_basket_share),
        minimum_basket=minimum_basket,
        minimum_points=points_minimum(minimum_points),
    )
    if not accepts_redemption and checked != Terms(accepts_redemption=False):
        raise InvalidInput(
            "a partner that accepts no redemption has no other burn rule: leave the limits out",
            field=["acceptsRedemption"],
        )
    return checked
