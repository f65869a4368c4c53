"""Load benchmark: `coopgraph load` (convert + validate + store) on N synthetic pages.

    python -m bench.load [--counts 13600,136000] [--jobs 2] [--keep DIR] [--seed S]
                         [--modes bulk,no-bulk]

For each N: pages are generated (not timed); the real command loads them into a fresh embedded
store; then the same command runs again on the unchanged pages (it must skip them all). Peak
memory is the resident memory of the whole process tree (parent and workers), sampled from
/proc. `--modes bulk,no-bulk` loads each N both ways, one after the other, for a side-by-side
ratio: a first load built in bulk and swapped in (the default), and one transaction a record.
Targets (issue 4): the Atlas size (13,600) in under 90 s on 2 cores; a reload of the unchanged
13,600 in under 10 s; memory flat in N.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench.convert import default_coopgraph, parse_counts, prepare_pages
from bench.validate import run_sampled


def timed(command: list[str]) -> tuple[float, float, str]:
    """Run a command that must succeed; (seconds, peak MiB of its process tree, its stderr)."""
    seconds, peak_mib, code, errors = run_sampled(command)
    if code != 0:
        raise SystemExit(f"`{' '.join(command)}` exited with {code}:\n{errors[-2000:]}")
    return seconds, peak_mib, errors


def triples_in(coopgraph: Path, store: Path) -> int:
    """Triples in the store, from `coopgraph stats`."""
    out = subprocess.run(
        [str(coopgraph), "stats", "--store", str(store)], capture_output=True, text=True, check=True
    ).stdout
    return int(next(line.split()[1] for line in out.splitlines() if line.startswith("triples")))


def main(argv: Sequence[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=parse_counts, default=[13_600, 136_000])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="keep pages here (reused next time)")
    parser.add_argument(
        "--modes",
        type=lambda text: text.split(","),
        default=["bulk"],
        help="bulk, no-bulk, or both (comma-separated), each a fresh load of the same pages",
    )
    args = parser.parse_args(argv)
    coopgraph = default_coopgraph()
    with tempfile.TemporaryDirectory(prefix="coopgraph-bench-") as temporary:
        work = args.keep or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        print(
            f"{'N':>7} {'mode':>8} {'seconds':>8} {'records/s':>10} {'triples/s':>10} "
            f"{'peak MiB':>9} {'reload s':>9} {'store MiB':>10}",
            flush=True,
        )
        for count in args.counts:
            pages = work / f"pages-{count}"
            prepare_pages(pages, count, args.seed)
            store = work / f"store-{count}"
            seconds_by_mode = {}
            for mode in args.modes:
                shutil.rmtree(store, ignore_errors=True)
                command = [
                    str(coopgraph),
                    "load",
                    str(pages),
                    "--store",
                    str(store),
                    "--jobs",
                    str(args.jobs),
                    f"--{mode}",
                ]
                seconds, peak, _ = timed(command)
                reload_seconds, _, summary = timed(command)
                triples = triples_in(coopgraph, store)
                size = sum(f.stat().st_size for f in store.rglob("*") if f.is_file()) / 2**20
                seconds_by_mode[mode] = seconds
                print(
                    f"{count:>7} {mode:>8} {seconds:>8.1f} {count / seconds:>10.1f} "
                    f"{triples / seconds:>10.0f} {peak:>9.0f} {reload_seconds:>9.1f} {size:>10.0f}",
                    flush=True,
                )
                print(f"  reload: {summary.strip().splitlines()[-1]}", flush=True)
                if count == 13_600:
                    print(
                        f"  targets at the Atlas size: load < 90 s: "
                        f"{'yes' if seconds < 90 else 'NO'}; reload < 10 s: "
                        f"{'yes' if reload_seconds < 10 else 'NO'}",
                        flush=True,
                    )
            if {"bulk", "no-bulk"} <= seconds_by_mode.keys():
                ratio = seconds_by_mode["no-bulk"] / seconds_by_mode["bulk"]
                print(f"  bulk is {ratio:.2f}x as fast as one transaction a record", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
