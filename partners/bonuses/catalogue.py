"""Bonus event types as values: a catalogue version, its types, their limits, the input checks
and the calendar period a limit counts in. Pure: plain values in and out."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from exchange.kit.errors import InvalidInput
from partners.periods import PERIODS

CODE = re.compile(r"^[A-Z][A-Z0-9_]{0,39}$")
MAX_NAME = 80
MAX_POINTS = 1_000_000
MAX_TYPES = 100
MAX_REFERENCE = 128
PERIOD_WORDS = {"DAY": "UTC day", "MONTH": "calendar month", "YEAR": "calendar year"}


@dataclass(frozen=True)
class Limit:
    """At most ``count`` awards per member in each ``period`` (EVER: in all)."""

    count: int
    period: str

    def words(self) -> str:
        if self.period == "EVER":
            return f"at most {self.count} in all"
        return f"at most {self.count} per {PERIOD_WORDS[self.period]}"


@dataclass(frozen=True)
class EventType:
    code: str
    name: str
    points: int
    limit: Limit | None = None


@dataclass(frozen=True)
class Catalogue:
    id: int
    version: int
    effective_from: datetime
    event_types: tuple[EventType, ...]
    created_at: datetime
    created_by: str

    def find(self, code: str) -> EventType | None:
        wanted = code.strip().upper()
        return next((kind for kind in self.event_types if kind.code == wanted), None)


def _event_type(given: EventType, index: int) -> EventType:
    where = ["eventTypes", str(index)]
    code = given.code.strip().upper()
    if not CODE.match(code):
        raise InvalidInput(
            "code must be 1 to 40 letters, digits or _, starting with a letter (REVIEW)",
            field=[*where, "code"],
        )
    name = given.name.strip()
    if not (0 < len(name) <= MAX_NAME and name.isprintable()):
        raise InvalidInput(
            f"name must be 1 to {MAX_NAME} printable characters", field=[*where, "name"]
        )
    if not 0 < given.points <= MAX_POINTS:
        raise InvalidInput(f"points must be between 1 and {MAX_POINTS:,}", field=[*where, "points"])
    limit = given.limit
    if limit is not None and limit.period not in PERIODS:
        raise InvalidInput(
            f"limit period must be one of {', '.join(PERIODS)}", field=[*where, "limit", "period"]
        )
    if limit is not None and not 0 < limit.count <= MAX_POINTS:
        raise InvalidInput(
            f"limit count must be between 1 and {MAX_POINTS:,}", field=[*where, "limit", "count"]
        )
    return EventType(code=code, name=name, points=given.points, limit=limit)


def checked(given: Sequence[EventType]) -> tuple[EventType, ...]:
    """The event types of a new version: valid, codes unique (upper case), at most 100. None
    at all: no bonus event can be awarded from the version's start on."""
    if len(given) > MAX_TYPES:
        raise InvalidInput(f"at most {MAX_TYPES} event types", field=["eventTypes"])
    types = tuple(_event_type(kind, index) for index, kind in enumerate(given))
    seen: set[str] = set()
    for index, kind in enumerate(types):
        if kind.code in seen:
            raise InvalidInput(
                f"event type {kind.code} is listed twice", field=["eventTypes", str(index), "code"]
            )
        seen.add(kind.code)
    return types


def reference(value: str) -> str:
    """The partner's reference of the event (a review's id, a survey answer's id, a year)."""
    text = value.strip()
    if not (0 < len(text) <= MAX_REFERENCE and text.isprintable()):
        raise InvalidInput(
            f"reference must be 1 to {MAX_REFERENCE} printable characters", field=["reference"]
        )
    return text
