"""One scenario's result: the JSON of performance.md, and the goal it is judged against."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(os.environ.get("BENCH_RESULTS_DIR") or Path(__file__).parent / "results")
"""``bench/results`` (ignored by git), or ``BENCH_RESULTS_DIR`` (the tests use a temporary one)."""

BASELINE_NAME = "pgbench tpcb"


@dataclass(frozen=True)
class Baseline:
    name: str
    figure: float
    unit: str

    @classmethod
    def pgbench(cls, tps: float) -> Baseline:
        return cls(name=BASELINE_NAME, figure=round(tps, 1), unit="tps")


@dataclass(frozen=True)
class Goal:
    ratio_at_least: float | None = None
    p99_ms_at_most: float | None = None
    p95_ms_at_most: float | None = None

    def met(self, ratio: float | None, latency: Latency | None) -> bool | None:
        """Whether the result meets every part of the goal; None when there is no goal."""
        checks: list[bool] = []
        if self.ratio_at_least is not None:
            checks.append(ratio is not None and ratio >= self.ratio_at_least)
        if self.p99_ms_at_most is not None:
            checks.append(latency is not None and latency.p99 <= self.p99_ms_at_most)
        if self.p95_ms_at_most is not None:
            checks.append(latency is not None and latency.p95 <= self.p95_ms_at_most)
        return all(checks) if checks else None

    def describe(self) -> str:
        parts = []
        if self.ratio_at_least is not None:
            parts.append(f"ratio >= {self.ratio_at_least:g}")
        if self.p99_ms_at_most is not None:
            parts.append(f"p99 <= {self.p99_ms_at_most:g} ms")
        if self.p95_ms_at_most is not None:
            parts.append(f"p95 <= {self.p95_ms_at_most:g} ms")
        return ", ".join(parts) or "-"


@dataclass(frozen=True)
class Latency:
    """Milliseconds."""

    p50: float
    p95: float
    p99: float

    @classmethod
    def of_seconds(cls, samples: list[float]) -> Latency | None:
        if not samples:
            return None
        ordered = sorted(samples)

        def at(q: float) -> float:
            return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)

        return cls(p50=at(0.50), p95=at(0.95), p99=at(0.99))


@dataclass(frozen=True)
class Measurement:
    """What a scenario measured, before it is set against the baseline and the goal."""

    figure: float
    unit: str
    latency: Latency | None = None
    peak_rss_mb: float | None = None
    notes: list[str] = field(default_factory=list)
    ratio: float | None = None
    """Set only by scenarios whose figure is not divided by the baseline (hot-partner)."""
    divide_by_baseline: bool = True


@dataclass(frozen=True)
class Result:
    scenario: str
    size: str
    figure: float
    unit: str
    baseline: Baseline | None
    ratio: float | None
    goal: Goal | None
    met: bool | None
    latency_ms: Latency | None
    peak_rss_mb: float | None
    notes: str
    machine: str
    at: str

    @classmethod
    def of(
        cls,
        scenario: str,
        size: str,
        measured: Measurement,
        *,
        baseline: Baseline | None,
        goal: Goal | None,
        machine: str,
    ) -> Result:
        ratio = measured.ratio
        if ratio is None and measured.divide_by_baseline and baseline and baseline.figure > 0:
            ratio = round(measured.figure / baseline.figure, 3)
        return cls(
            scenario=scenario,
            size=size,
            figure=round(measured.figure, 3 if abs(measured.figure) < 10 else 2),
            unit=measured.unit,
            baseline=baseline,
            ratio=ratio,
            goal=goal,
            met=goal.met(ratio, measured.latency) if goal else None,
            latency_ms=measured.latency,
            peak_rss_mb=None if measured.peak_rss_mb is None else round(measured.peak_rss_mb),
            notes="; ".join(measured.notes),
            machine=machine,
            at=datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        )

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    def write(self, directory: Path = RESULTS_DIR) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{self.scenario}.json"
        path.write_text(json.dumps(self.as_json()) + "\n")
        return path


REQUIRED_KEYS = tuple(Result.__dataclass_fields__)
