"""Peak resident memory of processes, from /proc (Linux); None elsewhere."""

from __future__ import annotations

import contextlib
from pathlib import Path


def reset_peak(pid: int | str = "self") -> None:
    """Start counting the peak anew (``5`` in clear_refs resets VmHWM, Linux 4.0+)."""
    with contextlib.suppress(OSError):
        Path(f"/proc/{pid}/clear_refs").write_text("5")


def peak_rss_mb(pid: int | str = "self") -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def children(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            found.extend(int(child) for child in (task / "children").read_text().split())
    return found
