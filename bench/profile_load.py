"""Where `coopgraph load`'s time goes: py-spy over the load, its workers included.

    python -m bench.profile_load --pages DIR [--jobs 2] [--rate 100] [--out FILE.txt]

Loads the pages into a fresh store under py-spy (`--subprocesses`, so the forked validation
workers show; Python frames only: `--native` slowed the load tenfold), then prints the share of
the busy samples by stage: conversion, SHACL validation, the pipes between processes, storing
(the spool, the bulk load). A sample's stage is that of the innermost coopgraph or library frame
that names one (py-spy writes our files' paths from the repository's root), so rdflib called by
pyshacl counts as validation and rdflib called by the converter as conversion, and pyoxigraph's
time counts for whoever called it. Explains by how much and why the report's load targets are
missed; py-spy slows the load, so its seconds are not the report's.
"""

from __future__ import annotations

import argparse
import collections
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.convert import default_coopgraph
from bench.profile import Parts, part, samples

#: Stages of a load; the innermost frame naming one decides (see the module's docstring).
STAGES: Parts = (
    ("conversion: page parsing, the RDF graph (converters/)", ("converters/",)),
    (
        "validation: SHACL (pyshacl, shapes/)",
        ("pyshacl", "shapes/engine.py", "shapes/validate.py", "shapes/oxigraph_graph.py"),
    ),
    ("reports: what each record's validation says (shapes/report.py)", ("shapes/report.py",)),
    ("between processes: pickling, pipes", ("multiprocessing/", "pickle")),
    ("storing: spool, bulk load, RocksDB (server/)", ("server/",)),
    (
        "each record's N-Triples for the store, the workers' loop (shapes/batch.py)",
        ("shapes/batch.py",),
    ),
)


def process_of(stack: str) -> int | None:
    """The pid of the process a stack was sampled in: the last of the `process 123:"…"` frames
    py-spy puts at its root (a worker's stack starts with its parent's), if there are any."""
    named = [frame for frame in stack.split(";") if frame.startswith("process ")]
    if not named:
        return None
    number = named[-1][len("process ") :].split(":", 1)[0]
    return int(number) if number.isdigit() else None


def summary(collapsed: str) -> tuple[dict[str, float], dict[int, int]]:
    """Share of the busy samples of each stage (waits apart), and busy samples by pid."""
    by_stage: collections.Counter[str] = collections.Counter()
    by_process: collections.Counter[int] = collections.Counter()
    for stack, count in samples(collapsed):
        stage = part(stack, STAGES)
        by_stage[stage] += count
        if not stage.startswith("waiting"):
            by_process[process_of(stack) or 0] += count
    busy = sum(by_process.values()) or 1
    shares = {
        name: count / busy
        for name, count in by_stage.most_common()
        if not name.startswith("waiting")
    }
    return shares, dict(by_process)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=Path, required=True, help="a folder of pages to load")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rate", type=int, default=100, help="samples a second, each process")
    parser.add_argument("--out", type=Path, help="keep py-spy's collapsed stacks here")
    args = parser.parse_args(argv)
    py_spy = Path(sys.executable).parent / "py-spy"
    if not py_spy.is_file():
        raise SystemExit("py-spy is missing: pip install -e '.[bench]'")
    with tempfile.TemporaryDirectory(prefix="coopgraph-profile-load-") as temporary:
        work = Path(temporary)
        raw = args.out or work / "stacks.txt"
        load = [str(default_coopgraph()), "load", str(args.pages), "--store", str(work / "store")]
        load += ["--jobs", str(args.jobs)]
        command = [str(py_spy), "record", "--subprocesses", "--format", "raw"]
        command += ["--rate", str(args.rate), "--output", str(raw), "--", *load]
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"py-spy or the load failed:\n{done.stderr[-2000:]}")
        collapsed = raw.read_text(encoding="utf-8")
        shares, by_process = summary(collapsed)
        first = next(samples(collapsed), ("", 0))[0]
        loading = process_of(first.split(";", 1)[0]) or 0  # every stack starts with its frame
        if args.out is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"`coopgraph load` of {args.pages} with --jobs {args.jobs}: {seconds:.1f} s under py-spy")
    print("where the busy samples of every process fall:")
    for name, share in shares.items():
        print(f"  {share:6.1%}  {name}")
    loading_share = by_process.get(loading, 0) / (sum(by_process.values()) or 1)
    print(
        f"busy samples by process: the loading process {loading_share:.1%}, "
        f"its {len(by_process) - 1} workers {1 - loading_share:.1%}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
