"""What an earn sends of its campaign claims to ``ledger_earn``, and what it keeps of them.

A claim goes to the database as JSON; ``campaign_grant`` adds what it got (``points``, and
``limitedBy``, ``draw``, ``entry``: the BONUS entry that holds its points), and the EARN keeps
the list in ``details.campaigns``; each BONUS entry keeps its own, without ``entry``:

    {"campaign": 3, "code": "SHOPX2", "version": 2, "versionId": 7, "name": "Double shop",
     "kind": "MULTIPLIER", "funder": "PARTNER", "factor": "2", "wanted": 5, "points": 5,
     "parts": [{"categories": ["shop"], "amount": "12.50", "points": 5}], "entry": 981}

An instant win adds ``"chance": {"wins": 1, "outOf": 4}`` and ``"draw": {"value": "3fa...",
"won": true}``; a held-out member ``"heldOut": true`` (points 0); a promo code ``"promo": true,
"promoCode": "WELCOME"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from partners.campaigns.evaluation import Claim, Part
from partners.campaigns.terms import Chance, Funder, Kind, Limit


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def reason(claim: Claim) -> str:
    """What the member reads beside the points."""
    campaign = claim.version.campaign
    name = claim.version.terms.name
    if campaign.promo_code is not None:
        return f"{name} (promo code {campaign.promo_code})"
    if claim.version.terms.kind is Kind.INSTANT_WIN:
        return f"{name}: instant win (campaign {campaign.code})"
    return f"{name} (campaign {campaign.code})"


def _part(part: Part) -> dict[str, Any]:
    return {
        "categories": list(part.categories),
        "amount": format(part.amount, "f"),
        "points": part.points,
    }


def claim_json(claim: Claim) -> dict[str, Any]:
    version, terms = claim.version, claim.version.terms
    sent: dict[str, Any] = {
        "campaign": version.campaign.id,
        "code": version.campaign.code,
        "version": version.version,
        "versionId": version.id,
        "name": terms.name,
        "kind": terms.kind.value,
        "funder": terms.funder.value,
        "wanted": claim.wanted,
        "parts": [_part(part) for part in claim.parts],
        "reason": reason(claim),
    }
    if terms.factor is not None:
        sent["factor"] = _number(terms.factor)
    if terms.chance is not None:
        sent["chance"] = {"wins": terms.chance.wins, "outOf": terms.chance.out_of}
    if claim.held_out:
        sent["heldOut"] = True
    if claim.promo:
        sent["promo"] = True
        sent["promoCode"] = version.campaign.promo_code
    return sent


def claims_json(claims: tuple[Claim, ...]) -> list[dict[str, Any]] | None:
    """The claims for ``ledger_earn`` (None: no campaign applies)."""
    return [claim_json(claim) for claim in claims] or None


@dataclass(frozen=True)
class Draw:
    value: str
    won: bool


@dataclass(frozen=True)
class Outcome:
    """A campaign at an earn, as the earn recorded it."""

    campaign_id: int
    code: str
    version: int
    name: str
    kind: Kind
    funder: Funder
    wanted: int
    points: int
    """What it gave (0: held out, lost, or its limits left nothing)."""
    parts: tuple[Part, ...]
    factor: Decimal | None = None
    chance: Chance | None = None
    held_out: bool = False
    promo_code: str | None = None
    limited_by: Limit | None = None
    draw: Draw | None = None
    entry_id: int | None = None
    """The BONUS entry of its points (None when it gave none)."""


def _read_part(kept: dict[str, Any]) -> Part:
    return Part(tuple(kept["categories"]), Decimal(kept["amount"]), int(kept["points"]))


def outcome(kept: dict[str, Any], entry_id: int | None = None) -> Outcome:
    """An outcome from the EARN's ``details.campaigns`` or a BONUS entry's details (whose own
    id is ``entry_id``)."""
    chance, draw, limited = kept.get("chance"), kept.get("draw"), kept.get("limitedBy")
    factor = kept.get("factor")
    entry = kept.get("entry", entry_id)
    return Outcome(
        campaign_id=int(kept["campaign"]),
        code=str(kept["code"]),
        version=int(kept["version"]),
        name=str(kept["name"]),
        kind=Kind(kept["kind"]),
        funder=Funder(kept["funder"]),
        wanted=int(kept["wanted"]),
        points=int(kept.get("points", 0)),
        parts=tuple(_read_part(part) for part in kept.get("parts", [])),
        factor=None if factor is None else Decimal(factor),
        chance=None if chance is None else Chance(int(chance["wins"]), int(chance["outOf"])),
        held_out=bool(kept.get("heldOut", False)),
        promo_code=kept.get("promoCode"),
        limited_by=None if limited is None else Limit(limited),
        draw=None if draw is None else Draw(str(draw["value"]), bool(draw["won"])),
        entry_id=None if entry is None else int(entry),
    )


def outcomes(details: dict[str, Any] | None) -> tuple[Outcome, ...]:
    """The campaigns an EARN recorded (none for an earn without campaigns)."""
    return tuple(outcome(kept) for kept in (details or {}).get("campaigns", []))
