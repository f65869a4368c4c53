"""Conversion benchmark: `coopgraph convert` on N synthetic pages, one core, time and peak memory.

    python -m bench.convert [--counts 1000,5000] [--keep DIR] [--seed S] [--check]

For each N the pages are generated first (not timed), then the real command
`coopgraph convert PAGES --format nquads -o OUT` runs in a child pinned to CPU 0, timed wall-clock,
its peak RSS read from GNU time (or a fresh-interpreter wrapper where /usr/bin/time is missing).
Targets: at least 300 records/s, and peak memory growing by less than 25 % from the smallest to
the largest N (a converter that streams records has flat memory; one that accumulates does not).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.synthetic import write_pages

TARGET_RECORDS_PER_S = 300.0
MAX_MEMORY_GROWTH = 0.25
GNU_TIME = Path("/usr/bin/time")

# Runs the command in a fresh interpreter, so RUSAGE_CHILDREN holds that one child only (in the
# bench process it would be the maximum over every child run so far, not this run's peak).
RSS_WRAPPER = """\
import resource, subprocess, sys
code = subprocess.call(sys.argv[2:])
with open(sys.argv[1], "w") as out:
    out.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(code)
"""


@dataclass(frozen=True)
class Run:
    """One timed conversion of `count` pages."""

    count: int
    seconds: float
    triples: int
    peak_rss_kib: int

    @property
    def records_per_s(self) -> float:
        """Pages converted per second of wall-clock time."""
        return self.count / self.seconds if self.seconds else float("inf")

    @property
    def triples_per_s(self) -> float:
        """Output statements per second of wall-clock time."""
        return self.triples / self.seconds if self.seconds else float("inf")

    @property
    def peak_rss_mib(self) -> float:
        """Peak resident memory of the converter, MiB."""
        return self.peak_rss_kib / 1024


class BenchError(Exception):
    """The converter could not be run or failed; the message says why."""


def default_coopgraph() -> Path:
    """The `coopgraph` console script of the running interpreter's environment."""
    return Path(sys.executable).parent / "coopgraph"


def measured_command(command: Sequence[str], rss_file: Path) -> list[str]:
    """`command` pinned to CPU 0 (when taskset exists), writing its peak RSS in KiB to rss_file."""
    # One core: the target is per core, and a converter that quietly used a pool would flatter it.
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    if GNU_TIME.is_file():
        return [*pin, str(GNU_TIME), "-f", "%M", "-o", str(rss_file), *command]
    return [*pin, sys.executable, "-c", RSS_WRAPPER, str(rss_file), *command]


def read_rss_kib(rss_file: Path) -> int:
    """The peak RSS written by GNU time or the wrapper (GNU time may add a status line first)."""
    lines = [line for line in rss_file.read_text().splitlines() if line.strip()]
    if not lines or not lines[-1].strip().isdigit():
        raise BenchError(f"no peak RSS in {rss_file}: {lines!r}")
    return int(lines[-1])


def count_statements(nquads: Path) -> int:
    """Number of statements in an N-Quads file (non-blank, non-comment lines)."""
    with nquads.open("rb") as lines:
        return sum(1 for line in lines if line.strip() and not line.lstrip().startswith(b"#"))


def prepare_pages(directory: Path, count: int, seed: int) -> bool:
    """Write `count` pages into `directory` unless a kept run holds those pages; True if written."""
    # Beside the directory, not in it: the converter is handed the whole directory.
    stamp = directory.with_name(directory.name + ".generated")
    wanted = f"count={count} seed={seed}\n"
    if stamp.is_file() and stamp.read_text() == wanted:
        return False
    if directory.exists():
        shutil.rmtree(directory)
    write_pages(directory, count, seed=seed)
    stamp.write_text(wanted)
    return True


def run_once(coopgraph: Path, pages: Path, work: Path, count: int) -> Run:
    """Convert the pages once, measured; raise BenchError when the converter fails."""
    output = work / f"out-{count}.nq"
    rss_file = work / f"rss-{count}.txt"
    log = work / f"convert-{count}.log"
    output.unlink(missing_ok=True)
    command = [str(coopgraph), "convert", str(pages), "--format", "nquads", "-o", str(output)]
    with log.open("wb") as sink:
        started = time.perf_counter()
        # The wrapper fallback adds one interpreter start-up (~20 ms) to the time: negligible
        # against the seconds a run of 1,000 pages or more takes.
        code = subprocess.call(measured_command(command, rss_file), stdout=sink, stderr=sink)
        seconds = time.perf_counter() - started
    if code != 0 or not output.is_file():
        tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
        raise BenchError(f"`{' '.join(command)}` exited with status {code}:\n{tail}")
    return Run(count, seconds, count_statements(output), read_rss_kib(rss_file))


def memory_growth(runs: Sequence[Run]) -> float | None:
    """Relative peak-RSS growth from the smallest to the largest N, None with fewer than 2 Ns."""
    if len({r.count for r in runs}) < 2:
        return None
    small = min(runs, key=lambda r: r.count)
    large = max(runs, key=lambda r: r.count)
    return (large.peak_rss_kib - small.peak_rss_kib) / small.peak_rss_kib


def report(runs: Sequence[Run]) -> tuple[str, bool]:
    """The results table and verdicts, and whether both targets are met."""
    lines = [
        f"{'N':>8} {'seconds':>9} {'records/s':>10} {'triples/s':>11} {'peak RSS MiB':>13}",
        *(
            f"{r.count:>8} {r.seconds:>9.2f} {r.records_per_s:>10.1f} "
            f"{r.triples_per_s:>11.0f} {r.peak_rss_mib:>13.1f}"
            for r in runs
        ),
    ]
    slowest = min(runs, key=lambda r: r.records_per_s)
    fast = slowest.records_per_s >= TARGET_RECORDS_PER_S
    lines.append(
        f"records/s >= {TARGET_RECORDS_PER_S:.0f}: {'yes' if fast else 'NO'} "
        f"(slowest: {slowest.records_per_s:.1f} at N={slowest.count})"
    )
    growth = memory_growth(runs)
    if growth is None:
        flat = True
        lines.append("memory flat in N: n/a (needs two or more values of N)")
    else:
        flat = growth < MAX_MEMORY_GROWTH
        lines.append(
            f"memory flat in N: {'yes' if flat else 'NO'} ({growth:+.0%} from the smallest to "
            f"the largest N; limit {MAX_MEMORY_GROWTH:+.0%})"
        )
    return "\n".join(lines), fast and flat


def parse_counts(text: str) -> list[int]:
    """ "1000,5000" -> [1000, 5000]."""
    counts = [int(part) for part in text.split(",") if part.strip()]
    if not counts or any(n <= 0 for n in counts):
        raise argparse.ArgumentTypeError("counts must be positive integers, e.g. 1000,5000")
    return counts


def bench(counts: Sequence[int], work: Path, seed: int, coopgraph: Path) -> list[Run]:
    """Generate and convert each N in turn; return the measured runs."""
    if not coopgraph.is_file():
        raise BenchError(f"{coopgraph} not found: install the project (pip install -e .) first")
    runs: list[Run] = []
    for count in counts:
        pages = work / f"pages-{count}"
        written = prepare_pages(pages, count, seed)
        how = "generated in" if written else "reused from"
        print(f"N={count}: pages {how} {pages}; converting …", file=sys.stderr, flush=True)
        runs.append(run_once(coopgraph, pages, work, count))
    return runs


def main(argv: Sequence[str] | None = None) -> int:
    """Command line; exit 0 when every conversion ran (and, with --check, met the targets)."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.convert", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--counts", type=parse_counts, default=[1000, 5000], help="e.g. 1000,5000")
    parser.add_argument("--keep", type=Path, help="keep pages and outputs in DIR (and reuse them)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic pages")
    parser.add_argument("--coopgraph", type=Path, default=default_coopgraph(), help="executable")
    parser.add_argument("--check", action="store_true", help="exit 3 when a target is missed")
    args = parser.parse_args(argv)
    try:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            runs = bench(args.counts, args.keep, args.seed, args.coopgraph)
        else:
            with tempfile.TemporaryDirectory(prefix="coopgraph-bench-") as tmp:
                runs = bench(args.counts, Path(tmp), args.seed, args.coopgraph)
    except BenchError as error:
        print(f"bench.convert: {error}", file=sys.stderr)
        return 1
    table, met = report(runs)
    print(table)
    return 3 if args.check and not met else 0


if __name__ == "__main__":
    raise SystemExit(main())
