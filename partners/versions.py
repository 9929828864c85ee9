"""Effective-dated versions (earn rules, burn rules, tier ladders): which one is in force.
Pure: plain values in and out."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from exchange.kit.errors import InvalidInput

CLOCK_SKEW = timedelta(minutes=5)
"""A caller's clock may run a few minutes behind: a version "from now" it sends is not past."""


class Versioned(Protocol):
    @property
    def effective_from(self) -> datetime: ...

    @property
    def version(self) -> int: ...


V = TypeVar("V", bound=Versioned)


def in_force(versions: Iterable[V], at: datetime) -> V | None:
    """The version in force at ``at``: the latest start at or before it, then the highest
    version; None before the first."""
    started = [version for version in versions if version.effective_from <= at]
    if not started:
        return None
    return max(started, key=lambda version: (version.effective_from, version.version))


def start_of_version(effective_from: datetime | None, now: datetime) -> datetime:
    """When a new version starts: now by default, or later; never in the past, so that what
    was recorded under the versions before stays as it was."""
    if effective_from is None:
        return now
    if effective_from.tzinfo is None:
        raise InvalidInput("effectiveFrom needs a time zone offset", field=["effectiveFrom"])
    if effective_from < now - CLOCK_SKEW:
        raise InvalidInput(
            "effectiveFrom is in the past: a new version starts now or later",
            field=["effectiveFrom"],
        )
    return effective_from
