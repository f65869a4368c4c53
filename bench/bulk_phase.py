"""The bulk phase of a first load alone: a store's quads bulk-loaded again, in chunks, by variant.

    python -m bench.bulk_phase --store DIR [--variants 32x1,16x2,12x2] [--work DIR]

A first load (`coopgraph load` into an empty store) spools the validated records, then hands
pyoxigraph's bulk loader their N-Quads a chunk at a time, each record in its named graph and in
the default graph (`_BulkStore` in server/store/embedded.py). This replays that phase on the
quads of a loaded store, dumped once to N-Quads. A variant is `MIBxTHREADS`: chunks of MIB MiB,
THREADS of them loading at once (coopgraph loads 32x1). Each variant runs in a fresh process,
one after another on the same dump: seconds, the seconds of the final flush, and the peak memory
of the process (PSS). The stores they build must hold the same quads (count and digest): each
is read back after its variant, on one core and outside its time (printed apart, to stderr).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path

import pyoxigraph as ox

from bench.validate import run_sampled
from coopgraph.server.store.embedded import _give_back_freed_memory, dump_named_graphs

_GRAPH = re.compile(rb" <[^>]*> \.\n$")


def with_default_graph(nquads: Path) -> Iterator[bytes]:
    """Each quad, then the same triple in the default graph, as `_BulkStore.close` writes them."""
    with nquads.open("rb") as lines:
        for line in lines:
            yield line
            yield _GRAPH.sub(b" .\n", line)


def load(nquads: str, target: str, chunk_mib: int, threads: int) -> None:
    """Bulk-load `nquads` into a new store at `target`, `threads` chunks at a time; print the
    seconds it took and those of its final flush to stderr."""
    started = time.perf_counter()
    store = ox.Store(target)
    loading: list[Future[None]] = []

    def load_chunk(chunk: bytes) -> None:
        store.bulk_load(input=chunk, format=ox.RdfFormat.N_QUADS, lenient=True)
        _give_back_freed_memory()  # as `_BulkStore` does after each chunk

    def wait_until(at_most: int) -> None:
        while len(loading) > at_most:
            wait(loading, return_when=FIRST_COMPLETED)
            for future in [future for future in loading if future.done()]:
                loading.remove(future)
                future.result()

    with ThreadPoolExecutor(threads) as loaders:
        pending = io.BytesIO()
        for line in with_default_graph(Path(nquads)):
            pending.write(line)
            if pending.tell() >= chunk_mib * 2**20:
                wait_until(threads - 1)
                loading.append(loaders.submit(load_chunk, pending.getvalue()))
                pending = io.BytesIO()
        wait_until(threads - 1)
        loading.append(loaders.submit(load_chunk, pending.getvalue()))
        wait_until(0)
    flushing = time.perf_counter()
    store.flush()
    print(
        f"{time.perf_counter() - started:.1f} {time.perf_counter() - flushing:.1f}", file=sys.stderr
    )


def fingerprint(target: Path) -> str:
    """The store's number of quads and a digest of its default graph."""
    store = ox.Store.read_only(str(target))
    digest = hashlib.sha256()
    for line in sorted(
        str(q) for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())
    ):
        digest.update(line.encode("utf-8"))
    return f"{len(store)} quads, default graph {digest.hexdigest()[:12]}"


def main(argv: Sequence[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True, help="a loaded store (read only)")
    parser.add_argument("--variants", default="32x1,16x2,12x2", help="MIBxTHREADS, comma-separated")
    parser.add_argument("--work", type=Path, help="where the dump and the new stores go")
    args = parser.parse_args(argv)
    if args.work is not None:
        args.work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="coopgraph-bulk-", dir=args.work) as temporary:
        work = Path(temporary)
        nquads, target = work / "quads.nq", work / "store"
        print(f"dumping {args.store} to N-Quads (3-4 min at 136,000 records)", file=sys.stderr)
        started = time.perf_counter()
        with nquads.open("wb") as out:  # what the spool holds, each triple with its graph
            dump_named_graphs(ox.Store.read_only(str(args.store)), out, ox.RdfFormat.N_QUADS)
        size, seconds = nquads.stat().st_size / 2**20, time.perf_counter() - started
        print(f"dump: {size:,.0f} MiB of N-Quads in {seconds:.1f} s")
        print(f"{'variant':>8} {'seconds':>8} {'flush s':>8} {'peak MiB':>9}  store", flush=True)
        for variant in args.variants.split(","):
            chunk_mib, threads = (int(part) for part in variant.split("x"))
            shutil.rmtree(target, ignore_errors=True)
            run = f"from bench.bulk_phase import load; load({str(nquads)!r}, {str(target)!r}, "
            _, peak, code, errors = run_sampled(
                [sys.executable, "-c", f"{run}{chunk_mib}, {threads})"]
            )
            if code != 0:
                raise SystemExit(f"variant {variant} exited with {code}:\n{errors[-2000:]}")
            load_seconds, flush_seconds = errors.split()[-2:]
            # Not part of the variant's time: on one core, 5 min at 136,000 records (26.8 M quads).
            print(f"  {variant} loaded; reading its store back to check it", file=sys.stderr)
            checking = time.perf_counter()
            contents = fingerprint(target)
            print(f"  checked in {time.perf_counter() - checking:.0f} s", file=sys.stderr)
            print(
                f"{variant:>8} {load_seconds:>8} {flush_seconds:>8} {peak:>9.0f}  {contents}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
