"""Where the CPU went during a measurement: cores used per group of processes (Linux /proc).

On a 2-core machine the load generator, the application and PostgreSQL share the cores, so
the split says what limits a figure: a group near the core count is the bottleneck, idle
time means waiting (locks, fsync, round trips). ``other`` is everything else on the machine,
other people's work included.
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench import memory

TICKS = os.sysconf("SC_CLK_TCK")
Pids = Callable[[], list[int]]


def process_seconds(pid: int) -> float:
    """User + system CPU seconds of one process (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def tree(pid: int) -> list[int]:
    """The process and all its descendants."""
    found = [pid]
    for child in memory.children(pid):
        found.extend(tree(child))
    return found


def _machine() -> tuple[float, float]:
    """(busy, idle) CPU seconds of the whole machine since boot."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0, 0.0
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / TICKS, idle / TICKS


def _children_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class CpuSplit:
    cores: dict[str, float]
    """Cores used per group, plus ``other`` and ``idle``."""

    def describe(self) -> str:
        parts = ", ".join(f"{name} {used:.2f}" for name, used in self.cores.items())
        return f"CPU in cores of {os.cpu_count() or 1}: {parts}"


class CpuMeter:
    """Samples the groups at start and stop. ``waited_children`` names the work of child
    processes that ended (and were waited for) in between: the load generator."""

    def __init__(self, groups: dict[str, Pids], waited_children: str | None = None) -> None:
        self.groups = groups
        self.waited_children = waited_children
        self._start: dict[str, float] = {}
        self._machine: tuple[float, float] = (0.0, 0.0)
        self._at = 0.0

    def _sample(self) -> dict[str, float]:
        sample = {
            name: sum(process_seconds(pid) for pid in pids()) for name, pids in self.groups.items()
        }
        if self.waited_children:
            sample[self.waited_children] = _children_seconds()
        return sample

    def start(self) -> None:
        self._start = self._sample()
        self._machine = _machine()
        self._at = time.monotonic()

    def stop(self) -> CpuSplit:
        wall = max(time.monotonic() - self._at, 1e-9)
        end = self._sample()
        busy, idle = _machine()
        cores = {name: max(0.0, end[name] - self._start.get(name, 0.0)) / wall for name in end}
        machine_busy = (busy - self._machine[0]) / wall
        cores["other"] = max(0.0, machine_busy - sum(cores.values()))
        cores["idle"] = (idle - self._machine[1]) / wall
        return CpuSplit(cores=cores)
