"""Tiers and paid memberships (contract section 9): data, pure rules, and their SQL.

Pure, over plain values: ``ladders`` (a version of the tier ladder and the one in force),
``checks`` (an admin's new version or plan catalogue, checked), ``standing`` (a member's tier:
the higher of earned and paid, the way to the next one, its earn multipliers), ``reviews``
(what a scheduled review does to an earned tier, grace included), ``plans`` (membership plans
and a membership's term). With SQL: ``repository`` (reads and writes), ``setting`` (setTiers,
setMembershipPlans), ``members`` (a member's tier as read), ``earning`` (the multipliers an
earn gets), ``reviewing`` (the scheduled review job), ``selling`` (sellMembership).

Upgrades happen in the database, in the earn's own transaction: a statement trigger on the
outbox (migration 0013) places every member a ``points.earned`` event was written for.
"""
