"""The benchmark report: every stage from 1,000 to 136,000 records, in one run, one table.

    python -m bench [--counts 1000,13600,136000] [--keep DIR] [--jobs 2]
                    [--peers ours,ours-virtuoso,oxigraph,virtuoso,rdflib]
                    [--peer-counts 1000,13600,136000]
                    [--connections 4,16] [--seconds 5] [--readme bench/README.md]

For each N (synthetic pages, generated once and kept with --keep): `coopgraph convert`,
`coopgraph validate` and `coopgraph load` (records/s, peak memory of the process tree), the
store's size and a reload of the unchanged pages; then, for the N in --peer-counts, every query
against every peer that fits (bench/endpoint.py: start-up of `coopgraph serve` included;
rdflib-endpoint, which holds the data in memory, only where it fits in it). The table goes
into bench/README.md between its report markers, the figures into bench/results.json, and how
each cost grows with N into bench/scaling.png (log-log, one line a stage).
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from bench import convert, endpoint, report, validate
from bench.convert import default_coopgraph, parse_counts, prepare_pages
from bench.load import timed, triples_in

HERE = Path(__file__).parent


def stages(coopgraph: Path, work: Path, count: int, jobs: int, seed: int) -> dict[str, float]:
    """Convert, validate, load and reload `count` pages; the figures of each."""
    pages = work / f"pages-{count}"
    print(f"[{count}] pages: {'generated' if prepare_pages(pages, count, seed) else 'kept'}")
    figures: dict[str, float] = {"count": count}
    converted = convert.run_once(coopgraph, pages, work, count)
    (work / f"out-{count}.nq").unlink(missing_ok=True)
    figures |= {"convert_s": converted.seconds, "convert_mib": converted.peak_rss_mib}
    print(f"[{count}] convert {converted.seconds:.1f} s", flush=True)
    validated = validate.run_once(coopgraph, pages, work, count, jobs)
    figures |= {"validate_s": validated["seconds"], "validate_mib": validated["peak_mib"]}
    print(f"[{count}] validate {validated['seconds']:.1f} s", flush=True)
    store = work / f"store-{count}"
    shutil.rmtree(store, ignore_errors=True)
    load = [str(coopgraph), "load", str(pages), "--store", str(store), "--jobs", str(jobs)]
    seconds, peak, _ = timed(load)
    figures |= {"load_s": seconds, "load_mib": peak}
    print(f"[{count}] load {seconds:.1f} s", flush=True)
    figures["reload_s"], _, _ = timed(load)
    figures["triples"] = triples_in(coopgraph, store)
    figures["store_mib"] = sum(f.stat().st_size for f in store.rglob("*") if f.is_file()) / 2**20
    return figures


def machine() -> str:
    """What the figures were measured on."""
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    memory = Path("/proc/meminfo").read_text().split()[1]
    return (
        f"{platform.processor() or platform.machine()}, {cores} cores, "
        f"{int(memory) / 2**20:.0f} GiB, Python {platform.python_version()}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=parse_counts, default=[1000, 13_600, 136_000])
    parser.add_argument("--peer-counts", type=parse_counts, help="default: every N of --counts")
    parser.add_argument("--peers", default="ours,ours-virtuoso,oxigraph,virtuoso,rdflib")
    parser.add_argument("--connections", type=parse_counts, default=[4, 16])
    parser.add_argument("--seconds", type=float, default=5.0, help="per query and peer")
    parser.add_argument("--timeout", type=int, default=30, help="query time limit, every peer")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, default=Path("/tmp/coopgraph-bench"))
    parser.add_argument("--readme", type=Path, default=HERE / "README.md")
    args = parser.parse_args(argv)
    if args.peer_counts is None:
        args.peer_counts = args.counts
    coopgraph = default_coopgraph()
    args.keep.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    results: dict[str, object] = {"machine": machine(), "stages": [], "queries": {}}
    saved = args.readme.parent / "results.json"
    for count in args.counts:
        results["stages"].append(stages(coopgraph, args.keep, count, args.jobs, args.seed))  # type: ignore[attr-defined]
        if count in args.peer_counts:
            measured = endpoint.measure(
                args.keep / f"store-{count}",
                args.peers.split(","),
                args.connections,
                args.seconds,
                args.timeout,
            )
            results["queries"][str(count)] = [asdict(m) for m in measured]  # type: ignore[index]
        saved.write_text(json.dumps(results, indent=1), encoding="utf-8")
    results["minutes"] = (time.perf_counter() - started) / 60
    saved.write_text(json.dumps(results, indent=1), encoding="utf-8")
    report.plot(results, args.readme.parent / "scaling.png")
    given = sys.argv[1:] if argv is None else list(argv)
    results["command"] = " ".join(["python -m bench", *given])
    saved.write_text(json.dumps(results, indent=1), encoding="utf-8")
    report.write_readme(results, args.readme, str(results["command"]))
    print(report.tables(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
