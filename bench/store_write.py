"""Store writes alone: records/s of the embedded store, one record a transaction or several.

    python -m bench.store_write [--count 3000] [--batches 1,100] [--pages DIR]

Converts N synthetic pages first (not timed), then writes their graphs into a fresh pyoxigraph
store with the loader's own update (`replace_graph_update`), `batch` records a transaction,
each size twice, alternating, so that noise shows. Tells whether grouping records per
transaction would speed `coopgraph load` up (issue 4).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox

from bench.convert import parse_counts, prepare_pages
from coopgraph.converters.pipeline import read_graph
from coopgraph.converters.to_rdf import ConversionOptions
from coopgraph.server.store.base import replace_graph_update


def records_per_second(records: list[tuple[str, str]], batch: int) -> float:
    """Write every record into a fresh store, `batch` a transaction; records/s."""
    directory = tempfile.mkdtemp(prefix="coopgraph-write-")
    try:
        store = ox.Store(directory)
        started = time.perf_counter()
        for first in range(0, len(records), batch):
            group = records[first : first + batch]
            store.update(" ;\n".join(replace_graph_update(iri, nt) for iri, nt in group))
        store.flush()
        rate = len(records) / (time.perf_counter() - started)
        del store
        return rate
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--batches", type=parse_counts, default=[1, 100])
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
        print(f"{len(records)} records converted; writing them, records a transaction:")
        for _ in range(2):
            for batch in arguments.batches:
                print(f"  {batch:>5}  {records_per_second(records, batch):7.0f} records/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
