"""Instant wins, drawn so that anyone can re-check them.

A campaign's seed is 32 random bytes; its SHA-256 is published when the campaign is created
and the seed itself once the campaign has ended. A qualifying purchase's draw is
``sha256(seed || "draw:" || the EARN's transaction id)`` (the global id the API shows); its
first 15 hex digits, as a number v in [0, 16^15), win when ``v x outOf < wins x 16^15``: a
chance of exactly wins / outOf up to 16^-15. The earn records v (``draw.value``) and the
outcome; ``ledger_earn`` computes it in SQL (``campaign_draw``, migration 0019).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from partners.campaigns.terms import Chance

SCALE = 16**15
SEED_BYTES = 32


def new_seed() -> bytes:
    return secrets.token_bytes(SEED_BYTES)


def commitment(seed: bytes) -> str:
    """What is published before any draw: the seed's SHA-256, in hex."""
    return hashlib.sha256(seed).hexdigest()


@dataclass(frozen=True)
class Draw:
    value: str
    """The 15 hex digits drawn."""
    won: bool


def draw(seed: bytes, transaction_id: str, chance: Chance) -> Draw:
    """The draw of the purchase whose EARN has the global id ``transaction_id``."""
    digest = hashlib.sha256(seed + f"draw:{transaction_id}".encode()).hexdigest()
    value = digest[:15]
    return Draw(value, int(value, 16) * chance.out_of < chance.wins * SCALE)
