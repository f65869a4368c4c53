"""What the machine lets this process use: the cores it may run on, within its CPU quota."""

from __future__ import annotations

import math
import os
from pathlib import Path

#: cgroup v2's CPU quota of this process's group: "max 100000", or "150000 100000" (1.5 cores).
CGROUP_CPU_MAX = Path("/sys/fs/cgroup/cpu.max")


def usable_cores(cpu_max: Path = CGROUP_CPU_MAX) -> int:
    """The cores this process may use: those it may be scheduled on (`taskset`, cpusets), and no
    more than its cgroup's CPU quota rounds up to (a container given 2 CPUs of a 64-core host).

    `os.cpu_count()` counts the host's cores, so a pool sized by it in a container forks a
    process per host core: memory for all of them, and time shared out among them.
    """
    if hasattr(os, "sched_getaffinity"):
        cores = len(os.sched_getaffinity(0))
    else:  # macOS, Windows: no affinity to ask
        cores = os.cpu_count() or 1
    quota = _quota(cpu_max)
    return max(1, cores if quota is None else min(cores, quota))


def _quota(cpu_max: Path) -> int | None:
    """The cgroup's quota in whole cores (rounded up), or None: no quota, or no cgroup v2."""
    try:
        quota, period = cpu_max.read_text(encoding="ascii").split()[:2]
        return math.ceil(int(quota) / int(period)) if quota != "max" else None
    except (OSError, ValueError, ZeroDivisionError):
        return None
