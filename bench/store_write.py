"""Store writes alone: records/s of the embedded store, one transaction a record or in bulk.

    python -m bench.store_write [--count 3000] [--pages DIR] [--rounds 2]

Converts N synthetic pages first (not timed), then writes their graphs into a fresh embedded
store through `EmbeddedStore.record_writer`: one transaction a record (what a load into a store
holding records does) and a first load built in bulk and swapped in (`--bulk`, the default into
an empty store), alternating, each twice, so that noise shows. No validation: the store alone.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.convert import prepare_pages
from coopgraph.converters.pipeline import read_graph
from coopgraph.converters.to_rdf import ConversionOptions
from coopgraph.server.store import EmbeddedStore


def records_per_second(records: list[tuple[str, str]], bulk: bool) -> float:
    """Write every record into a fresh store; records/s."""
    directory = Path(tempfile.mkdtemp(prefix="coopgraph-write-"))
    try:
        started = time.perf_counter()
        store = EmbeddedStore(directory / "store")
        with store, store.record_writer(first_load=bulk) as write:
            for iri, ntriples in records:
                write(iri, ntriples)
        return len(records) / (time.perf_counter() - started)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--pages", type=Path, help="synthetic pages to reuse (else generated)")
    arguments = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as work:
        pages = arguments.pages
        if pages is None:
            pages = Path(work) / "pages"
            prepare_pages(pages, arguments.count, seed=0)
        files = sorted(pages.iterdir())[: arguments.count]
        options = ConversionOptions()
        records = []
        for path in files:
            conversion = read_graph(path, options)
            records.append((str(conversion.graph_iri), conversion.graph.serialize(format="nt")))
        print(f"{len(records)} records converted; writing them into a fresh store:", flush=True)
        rates: dict[str, list[float]] = {"one transaction a record": [], "bulk": []}
        for _ in range(arguments.rounds):
            for mode, bulk in (("one transaction a record", False), ("bulk", True)):
                rate = records_per_second(records, bulk)
                rates[mode].append(rate)
                print(f"  {mode:>24}  {rate:7.0f} records/s", flush=True)
        best = {mode: max(values) for mode, values in rates.items()}
        ratio = best["bulk"] / best["one transaction a record"]
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"bulk: {ratio:.1f}x the records/s of one transaction a record (best of each)")
        print(f"peak memory of this process (records held in memory too): {peak:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
