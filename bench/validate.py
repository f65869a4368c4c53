"""Validation benchmark: `coopgraph validate` on N synthetic pages (the Atlas's 13,600 by default).

    python -m bench.validate [--counts 13600] [--jobs 2] [--keep DIR] [--seed S] [--check]

Pages are generated first (not timed); then the real command converts and validates them with
one process a core. Peak memory is the sum of the resident memory of the whole process tree
(parent and pool workers), sampled from /proc every 50 ms: GNU time would report only the largest
single process. Targets (issue 3): all 13,600 in under 60 s on 2 cores, peak memory under 1 GiB.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from bench.convert import default_coopgraph, parse_counts, prepare_pages

TARGET_SECONDS_AT_ATLAS_SIZE = 60.0
ATLAS_SIZE = 13_600
TARGET_PEAK_MIB = 1024.0


def descendants(pid: int) -> list[int]:
    """The process and all its descendants, from /proc (those that exit meanwhile left out)."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        with contextlib.suppress(OSError, ValueError):
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(child) for child in (task / "children").read_text().split()]
    return found


def identity(pid: int) -> tuple[str, str] | None:
    """(start time, command) of a live process; None once it is gone or a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()  # after "(name)", which may hold spaces
    return None if fields[0] == "Z" else (fields[19], command.strip())


def kill_survivors(family: dict[int, tuple[str, str] | None], seconds: float) -> list[str]:
    """Wait up to `seconds` for these processes (pid: `identity`) to end, then kill those still
    running; the commands of those that had to be killed. A pid is killed only while its start
    time shows it was not reused meanwhile."""
    deadline = time.monotonic() + seconds
    left = dict(family)
    while left and time.monotonic() < deadline:
        left = {pid: known for pid, known in left.items() if known and identity(pid) == known}
        time.sleep(0.1)
    killed = []
    for pid, known in left.items():
        if known and identity(pid) == known:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
                killed.append(known[1])
    return killed


def _proc_kib(pid: int, name: str, field: str) -> int:
    """A KiB figure of /proc/PID/NAME (0 once the process has exited, or when it has none:
    a kernel thread has no VmRSS)."""
    try:
        text = Path(f"/proc/{pid}/{name}").read_text()
        return next(
            (int(line.split()[1]) for line in text.splitlines() if line.startswith(field)), 0
        )
    except (OSError, ValueError):
        return 0


def tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and all its descendants, KiB (0 once it has exited)."""
    return sum(_proc_kib(current, "status", "VmRSS:") for current in descendants(pid))


#: Whether this kernel tells a process's PSS (/proc/PID/smaps_rollup, Linux 4.14 and later).
HAS_PSS = Path("/proc/self/smaps_rollup").exists()


def tree_pss_kib(pid: int) -> int:
    """Proportional memory (PSS) of a process and its descendants, KiB: each page shared by
    forked workers counted once in all, which the sum of their resident sets is not (a worker
    forked from a 300 MiB parent starts with a 300 MiB RSS, nearly all of it shared). Where the
    kernel has no smaps_rollup, the resident sets' sum."""
    if not HAS_PSS:
        return tree_rss_kib(pid)
    return sum(_proc_kib(current, "smaps_rollup", "Pss:") for current in descendants(pid))


def run_sampled(command: list[str]) -> tuple[float, float, int, str]:
    """Run a command; (seconds, peak MiB of its whole process tree (PSS), exit status, stderr)."""
    peak = 0
    started = time.perf_counter()
    with subprocess.Popen(command, stderr=subprocess.PIPE, text=True) as process:
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, tree_pss_kib(process.pid))
                time.sleep(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, errors = process.communicate()
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
    return seconds, peak / 1024, process.returncode, errors


def run_once(coopgraph: Path, pages: Path, work: Path, count: int, jobs: int) -> dict[str, float]:
    """Validate the pages once; return seconds, peak tree memory and the report's summary."""
    report = work / f"report-{count}.json"
    command = [str(coopgraph), "validate", str(pages), "--format", "json", "-o", str(report)]
    command += ["--jobs", str(jobs)]
    seconds, peak_mib, code, errors = run_sampled(command)
    if code not in (0, 1):  # 1: some synthetic record has a violation: still valid
        raise SystemExit(f"`{' '.join(command)}` exited with {code}:\n{errors[-2000:]}")
    summary = json.loads(report.read_text(encoding="utf-8"))["summary"]
    return {"seconds": seconds, "peak_mib": peak_mib, **summary}


def compare_with_pyshacl(pages: Path, count: int) -> None:
    """Per-record time of plain `pyshacl.validate` and of our reused validator, same records."""
    from dataclasses import replace

    import pyshacl

    from coopgraph.converters.pipeline import read_graph
    from coopgraph.converters.to_rdf import ConversionOptions
    from coopgraph.shapes import shapes_graph
    from coopgraph.shapes.validate import RecordValidator

    options = replace(ConversionOptions(), store="Memory")
    graphs = [read_graph(path, options).graph for path in sorted(pages.iterdir())[:count]]
    shapes = shapes_graph()
    started = time.perf_counter()
    plain = [
        pyshacl.validate(g, shacl_graph=shapes, inference="none", allow_warnings=True)[0]
        for g in graphs
    ]
    peer = (time.perf_counter() - started) / len(graphs) * 1000
    validator = RecordValidator()
    started = time.perf_counter()
    ours = [validator.validate(g)[0] for g in graphs]
    mine = (time.perf_counter() - started) / len(graphs) * 1000
    assert plain == ours, "the reused validator disagrees with pyshacl.validate"
    print(
        f"  side by side on {len(graphs)} records, one core: pyshacl.validate {peer:.1f} ms a "
        f"record, coopgraph's RecordValidator {mine:.1f} ms a record: {peer / mine:.1f}x faster"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command line; exit 3 with --check when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=parse_counts, default=[ATLAS_SIZE])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="keep pages and reports here (reused next time)")
    parser.add_argument("--check", action="store_true", help="exit 3 when a target is missed")
    parser.add_argument(
        "--compare",
        type=int,
        default=200,
        metavar="N",
        help="also time plain pyshacl.validate on N records (0: skip)",
    )
    args = parser.parse_args(argv)
    met = True
    with tempfile.TemporaryDirectory(prefix="coopgraph-bench-") as temporary:
        work = args.keep or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        print(
            f"{'N':>7} {'jobs':>4} {'seconds':>8} {'records/s':>10} {'peak MiB':>9}  "
            "conforming  violations  warnings  unreadable"
        )
        for count in args.counts:
            pages = work / f"pages-{count}"
            prepare_pages(pages, count, args.seed)
            run = run_once(default_coopgraph(), pages, work, count, args.jobs)
            print(
                f"{count:>7} {args.jobs:>4} {run['seconds']:>8.1f} {count / run['seconds']:>10.1f} "
                f"{run['peak_mib']:>9.0f}  {run['conforming']:>10} {run['with_violations']:>11} "
                f"{run['warnings']:>9} {run['unreadable']:>11}",
                flush=True,
            )
            projected = run["seconds"] * ATLAS_SIZE / count
            met &= projected < TARGET_SECONDS_AT_ATLAS_SIZE and run["peak_mib"] < TARGET_PEAK_MIB
            print(
                f"  → {ATLAS_SIZE:,} records in {projected:.0f} s (target < 60 s): "
                f"{'yes' if projected < TARGET_SECONDS_AT_ATLAS_SIZE else 'NO'}; peak memory "
                f"{run['peak_mib']:.0f} MiB (target < 1024): "
                f"{'yes' if run['peak_mib'] < TARGET_PEAK_MIB else 'NO'}"
            )
            if args.compare:
                compare_with_pyshacl(pages, args.compare)
    return 3 if args.check and not met else 0


if __name__ == "__main__":
    raise SystemExit(main())
