"""Refusals of tiers and memberships."""

from __future__ import annotations

from exchange.kit.errors import NotFound


class MembershipPlanNotFound(NotFound):
    """No plan with that code on sale now (``sellMembership``)."""

    code = "MEMBERSHIP_PLAN_NOT_FOUND"
