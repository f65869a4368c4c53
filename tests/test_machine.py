"""The cores a process may use: its CPU affinity, within its cgroup's CPU quota."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from coopgraph.machine import usable_cores

AFFINITY = len(os.sched_getaffinity(0))


@pytest.mark.parametrize(
    ("cpu_max", "expected"),
    [
        ("max 100000\n", AFFINITY),  # no quota
        ("50000 100000\n", 1),  # half a core: one process, not none
        ("100000 100000\n", 1),
        ("150000 100000\n", min(AFFINITY, 2)),  # 1.5 cores round up
        (f"{(AFFINITY + 8) * 100000} 100000\n", AFFINITY),  # a quota above the affinity
        ("", AFFINITY),  # unreadable: as if there were no quota
        ("max\n", AFFINITY),
        ("100000 0\n", AFFINITY),
    ],
)
def test_a_cgroup_quota_caps_the_cores(tmp_path: Path, cpu_max: str, expected: int) -> None:
    quota = tmp_path / "cpu.max"
    quota.write_text(cpu_max, encoding="ascii")
    assert usable_cores(quota) == expected


def test_no_cgroup_file_means_the_affinity(tmp_path: Path) -> None:
    assert usable_cores(tmp_path / "absent") == AFFINITY


def test_a_process_pinned_to_one_core_uses_one() -> None:
    pinned = (
        "import os; os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}); "
        "from coopgraph.machine import usable_cores; print(usable_cores())"
    )
    out = subprocess.run(
        [sys.executable, "-c", pinned], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "1"
