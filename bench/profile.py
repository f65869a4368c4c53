"""Where our endpoint spends an aggregate's time: py-spy over the live server, every process.

    python -m bench.profile --store DIR [--query funding|theme] [--seconds 20] [--out FILE.txt]

Starts `coopgraph serve` on the store (read-only), has py-spy sample the server and its query
workers (`--subprocesses --native`, so pyoxigraph's Rust frames show) while four keep-alive
connections ask the aggregate again and again (each request unique: the answer cache misses),
then prints the share of samples by where they fall: the query engine (pyoxigraph: evaluation,
RocksDB), writing results, the pipe between processes, Flask and gunicorn. Explains by how much
and why a target of the report is missed.
"""

from __future__ import annotations

import argparse
import collections
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from bench.client import load_cell
from bench.endpoint import Query, benchmark_queries
from bench.peers import Data, serving

#: Parts of a program, each with the substrings of the frames that belong to it.
Parts = tuple[tuple[str, tuple[str, ...]], ...]
#: Frame substrings → the part of the server they belong to; the frame nearest the leaf decides.
PARTS: Parts = (
    ("RocksDB, reading the store", ("rocksdb::",)),
    ("query evaluation (pyoxigraph)", ("spareval", "sparopt", "spargebra", "oxigraph")),
    ("results as JSON in Python (row cap)", ("_capped", "_term_json", "json")),
    ("pipe between processes", ("connection.py", "_PipeWriter")),
    ("Flask, Werkzeug, gunicorn", ("flask", "werkzeug", "gunicorn")),
)
#: Leaf frames of a thread that waits (not CPU): a request thread waiting for a free query
#: worker is counted apart, as it says how much requests queue.
QUEUED = "_queue_SimpleQueue_get_impl"
WAITS = (
    *("PyThread_acquire_lock_timed", "epoll_wait", "poll (libc", "pthread_cond", "os_read"),
    *("(selectors.py", "wait (threading.py"),  # the same where py-spy shows Python frames only
)


def part(stack: str, parts: Parts = PARTS) -> str:
    """The part a collapsed stack (leaf last) spends its sample in: the first of `parts` that
    names the frame nearest the leaf, or a wait."""
    frames = [frame for frame in stack.split(";") if not frame.startswith("0x")]
    leaf = ";".join(frames[-2:])
    if QUEUED in leaf:
        return "waiting: a request for a free query worker"
    if any(wait in leaf for wait in WAITS):
        return "waiting: idle"
    for frame in reversed(frames):
        for name, needles in parts:
            if any(needle in frame for needle in needles):
                return name
    return "other (Python, system)"


def samples(collapsed: str) -> Iterator[tuple[str, int]]:
    """(stack, samples) of each line of py-spy's collapsed stacks (`--format raw`)."""
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            yield stack, int(count)


def shares(collapsed: str, parts: Parts = PARTS) -> dict[str, float]:
    """Share of the busy samples of each part (waits apart), from py-spy's collapsed stacks."""
    counts: collections.Counter[str] = collections.Counter()
    for stack, count in samples(collapsed):
        counts[part(stack, parts)] += count
    busy = sum(n for name, n in counts.items() if not name.startswith("waiting")) or 1
    return {name: count / busy for name, count in counts.most_common()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--query", choices=["funding", "theme"], default="funding")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--out", type=Path, help="keep py-spy's collapsed stacks here")
    args = parser.parse_args(argv)
    py_spy = Path(sys.executable).parent / "py-spy"
    if not py_spy.is_file():
        raise SystemExit("py-spy is missing: pip install -e '.[bench]'")
    wanted = "funding per funder and year" if args.query == "funding" else "partnerships per theme"
    query: Query = next(q for q in benchmark_queries(args.store) if q.label == wanted)
    with tempfile.TemporaryDirectory(prefix="coopgraph-profile-") as temporary:
        work = Path(temporary)
        raw = args.out or work / "stacks.txt"
        data = Data(store=args.store, copy=None, dump=None)
        with serving("ours", data, work, timeout_s=60) as served:
            command = [str(py_spy), "record", "--pid", str(served.pid), "--subprocesses"]
            command += ["--native", "--format", "raw", "--rate", "200"]
            command += ["--duration", str(int(args.seconds)), "--output", str(raw)]
            spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            time.sleep(1.0)  # py-spy attached
            counter = iter(range(10**9))
            lock = threading.Lock()

            def text() -> str:
                with lock:
                    return query.text(next(counter))

            cell = load_cell(served.url, text, 4, args.seconds - 2, timeout=60)
            _, errors = spy.communicate(timeout=args.seconds + 60)
            if spy.returncode != 0:
                raise SystemExit(f"py-spy failed: {errors.decode(errors='replace')[-800:]}")
        print(f"{wanted}: {cell}")
        print(
            f"where the server's busy samples fall (py-spy, {args.seconds:.0f} s, every process;"
            " waits as a share of the busy samples):"
        )
        for name, share in shares(raw.read_text(encoding="utf-8")).items():
            print(f"  {share:6.1%}  {name}")
        if args.out is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
