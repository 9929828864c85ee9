"""When to try a delivery again (pure).

Attempt 1 goes out at once; after a failed attempt n the next waits ``RETRY_DELAYS[n - 1]``
plus up to 10% random jitter (so endpoints that fail together do not get their retries
together): 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h. A 429 or 503 with
``Retry-After`` waits at least that long (at most a day). After attempt 10 the delivery is
dead (a dead letter, replayable). A 410 Gone means the receiver wants no more: the delivery is
dead at once and the endpoint disabled.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

RETRY_DELAYS: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=24),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
JITTER = 0.10
MAX_RETRY_AFTER = timedelta(hours=24)
RETRY_AFTER_STATUSES = (429, 503)

Jitter = Callable[[], float]
"""A random number in [0, 1): how much of ``JITTER`` to add."""


class Verdict(enum.Enum):
    SUCCEEDED = "SUCCEEDED"
    RETRY = "RETRY"
    DEAD = "DEAD"
    GONE = "GONE"
    """410: dead, and the endpoint is disabled."""


def verdict(http_status: int | None, attempt: int) -> Verdict:
    """What an attempt's answer (None: no answer) means for its delivery."""
    if http_status is not None and 200 <= http_status < 300:
        return Verdict.SUCCEEDED
    if http_status == 410:
        return Verdict.GONE
    return Verdict.RETRY if attempt < MAX_ATTEMPTS else Verdict.DEAD


def retry_delay(
    attempt: int, *, retry_after: timedelta | None = None, jitter: Jitter = random.random
) -> timedelta:
    """How long after failed attempt ``attempt`` (1-based) the next one is due."""
    if not 1 <= attempt < MAX_ATTEMPTS:
        raise ValueError(f"no retry after attempt {attempt}")
    delay = RETRY_DELAYS[attempt - 1] * (1 + JITTER * jitter())
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    return delay


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """``Retry-After`` as delay-seconds or an HTTP date; None when absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        at = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if at.tzinfo is None:
        return None
    return max(at - now, timedelta(0))
