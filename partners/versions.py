"""Effective-dated versions (earn rules, burn rules, tier ladders): which one is in force.
Pure: plain values in and out."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol, TypeVar


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
