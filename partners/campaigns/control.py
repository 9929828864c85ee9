"""The control group: members a campaign holds out, to measure its uplift against them.

Deterministic per member and campaign, and unknowable before the campaign ends: take
``sha256(seed || "control:" || member id)``, read its first 15 hex digits as a number v in
[0, 16^15); the member is held out when ``v x 100 < percent x 16^15``, so each member is in
with the stated chance. SQL's ``campaign_control`` (migration 0019) is the same function: the
program report counts the groups with it, and anyone can re-check a member once the seed is
shown.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

SCALE = 16**15


def _value(seed: bytes, member_id: int) -> int:
    digest = hashlib.sha256(seed + f"control:{member_id}".encode()).hexdigest()
    return int(digest[:15], 16)


def held_out(seed: bytes, member_id: int, percent: Decimal) -> bool:
    """Is the member in the campaign's control group (``percent`` of members, 0 to 50)?"""
    return percent > 0 and _value(seed, member_id) * 100 < percent * SCALE
