"""The balance chart as SVG geometry, computed on the server: no script, no CDN."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from exchange.portal.balance_history import Point

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 12, 28


@dataclass(frozen=True)
class Tick:
    at: float
    label: str


@dataclass(frozen=True)
class Chart:
    path: str
    """The polyline's points, ``x,y x,y ...``."""
    area: str
    """The same, closed along the axis, to fill under the line."""
    y_ticks: list[tuple[float, int]]
    x_ticks: list[tuple[float, date]]
    low: int
    high: int


def _scale(value: int, low: int, high: int) -> float:
    span = high - low or 1
    return TOP + (HEIGHT - TOP - BOTTOM) * (high - value) / span


def nice_top(value: int) -> int:
    """The smallest 1, 2 or 5 x 10^n at or above ``value`` (at least 10)."""
    step = 10
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def chart(points: list[Point], *, x_ticks: int = 6) -> Chart:
    low = min(0, *(p.balance for p in points)) if points else 0
    high = nice_top(max([1, *(p.balance for p in points)]))
    inner = WIDTH - LEFT - RIGHT
    step = inner / max(1, len(points) - 1)
    coords = [(LEFT + i * step, _scale(p.balance, low, high)) for i, p in enumerate(points)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    base = _scale(max(low, 0), low, high)
    area = f"{LEFT:.1f},{base:.1f} {path} {LEFT + inner:.1f},{base:.1f}" if coords else ""
    every = max(1, (len(points) - 1) // max(1, x_ticks - 1))
    return Chart(
        path=path,
        area=area,
        y_ticks=[(_scale(v, low, high), v) for v in sorted({low, (low + high) // 2, high})],
        x_ticks=[(coords[i][0], points[i].day) for i in range(0, len(points), every)],
        low=low,
        high=high,
    )
