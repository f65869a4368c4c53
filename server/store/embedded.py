"""The embedded store: pyoxigraph on disk (RocksDB), one process writing at a time."""

from __future__ import annotations

import ctypes
import io
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import IO

import pyoxigraph as ox
from rdflib import Graph

from coopgraph.errors import QueryError, StoreUnavailable
from coopgraph.server.store import staging
from coopgraph.server.store.base import (
    RDF_FORMATS,
    RESULT_FORMATS,
    RecordWriter,
    Store,
    _iri,
    replace_graph_update,
)
from coopgraph.server.store.joins import PatternSizes, count_of, run_planned

#: Removes from the default graph the triples of graph {g} that no other named graph holds.
_UNMERGE = (
    "DELETE {{ ?s ?p ?o }} WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} "
    "FILTER NOT EXISTS {{ GRAPH ?other {{ ?s ?p ?o }} FILTER (?other != <{g}>) }} }}"
)


def merged_replace_update(graph_iri: str, ntriples: str) -> str:
    """Replace one named graph, and keep the default graph the merge of the named graphs."""
    iri = _iri(graph_iri)
    return (
        f"{_UNMERGE.format(g=iri)} ;\nDROP SILENT GRAPH <{iri}> ;\n"
        f"INSERT DATA {{ GRAPH <{iri}> {{\n{ntriples}\n}}\n{ntriples}\n}}"
    )


def has_merged_default_graph(store: ox.Store) -> bool:
    """Whether the default graph holds the merge of the named graphs (or there are none).

    Stores written before coopgraph kept that merge are queried with pyoxigraph's union of
    the named graphs instead, which counts a triple once per graph that holds it.
    """
    return any(store.quads_for_pattern(None, None, None, ox.DefaultGraph())) or not any(
        store.named_graphs()
    )


def dump_named_graphs(store: ox.Store, output: IO[bytes], rdf_format: ox.RdfFormat) -> None:
    """Every quad of the named graphs: the default graph is their merge, derived, left out."""
    quads = (
        quad
        for graph in store.named_graphs()
        for quad in store.quads_for_pattern(None, None, None, graph)
    )
    ox.serialize(quads, output, rdf_format)


#: N-Quads handed to pyoxigraph's bulk loader at a time during a first load (memory flat in N).
BULK_CHUNK_BYTES = 32 * 2**20

#: pyoxigraph's writers of query results and of graphs, by media type.
RESULT_WRITERS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_WRITERS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/trig": ox.RdfFormat.TRIG,
    "application/n-quads": ox.RdfFormat.N_QUADS,
}
_RESULT_FORMATS = {name: RESULT_WRITERS[media] for name, media in RESULT_FORMATS.items()}
_RDF_FORMATS = {name: GRAPH_WRITERS[media] for name, media in RDF_FORMATS.items()}


class EmbeddedStore(Store):
    """pyoxigraph's RocksDB store in a directory; `read_only` opens it beside a writer."""

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only
        self._lock: int | None = None
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._lock = staging.lock(path)
            staging.recover(path)
        try:
            self._store = self._open()
        except BaseException:
            self._unlock()
            raise
        self._merged = has_merged_default_graph(self._store)
        self._pattern_sizes = PatternSizes(
            lambda sparql: count_of(self._store, sparql, union=not self._merged)
        )

    def _open(self) -> ox.Store:
        """pyoxigraph's store at `path`, or a clear StoreBusy / StoreUnavailable."""
        path = self.path
        try:
            if self.read_only:
                return ox.Store.read_only(str(path))
            path.mkdir(parents=True, exist_ok=True)
            return ox.Store(str(path))
        except OSError as error:
            text = str(error)
            if "lock" in text.lower():
                raise staging.busy(path) from error
            raise StoreUnavailable(
                f"cannot open the store at {path}: {text}",
                hint="check the path and its permissions, and the free disk space",
            ) from error

    def _write(self, update: str) -> None:
        try:
            self._store.update(update)
        except SyntaxError as error:
            raise QueryError(f"invalid SPARQL update: {error}") from error
        except OSError as error:
            raise StoreUnavailable(
                f"cannot write to the store at {self.path}: {error}",
                hint="check the free disk space and permissions; nothing was half-written",
            ) from error

    def select(self, sparql: str) -> Iterator[dict[str, str]]:
        solutions = self._query(sparql)
        if not isinstance(solutions, ox.QuerySolutions):
            raise QueryError("not a SELECT query")
        names = [variable.value for variable in solutions.variables]
        for row in solutions:
            yield {name: row[name].value for name in names if row[name] is not None}

    def ask(self, sparql: str) -> bool:
        answer = self._query(sparql)
        if not isinstance(answer, ox.QueryBoolean):
            raise QueryError("not an ASK query")
        return bool(answer)

    def replace_graph(self, graph_iri: str, ntriples: str) -> None:
        if self._merged:
            self._write(merged_replace_update(graph_iri, ntriples))
        else:
            self._write(replace_graph_update(graph_iri, ntriples))

    def delete_graph(self, graph_iri: str) -> bool:
        if not self._store.contains_named_graph(ox.NamedNode(graph_iri)):
            return False
        iri = _iri(graph_iri)
        unmerge = f"{_UNMERGE.format(g=iri)} ;\n" if self._merged else ""
        self._write(f"{unmerge}DROP GRAPH <{iri}>")
        return True

    def merge_default_graph(self) -> bool:
        """Fill the default graph with the merge of the named graphs, once (one transaction a
        graph): a store written by an older coopgraph has an empty default graph."""
        if self._merged:
            return False
        for graph in list(self._store.named_graphs()):
            self._write(f"INSERT {{ ?s ?p ?o }} WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}")
        self._merged = True
        return True

    def update(self, sparql: str) -> None:
        self._write(sparql)

    def _query(self, sparql: str) -> object:
        """A query whose default graph is the merge of the record graphs (what users expect).

        Star joins worth hashing are rewritten first (joins.py): the same answer, sooner.
        """
        try:
            union = not self._merged
            return run_planned(
                lambda text: self._store.query(text, use_default_graph_as_union=union),
                sparql,
                self._pattern_sizes,
            )
        except SyntaxError as error:
            raise QueryError(f"invalid SPARQL query: {error}") from error

    def query_to(self, sparql: str, result_format: str, output: IO[bytes]) -> None:
        results = self._query(sparql)
        if isinstance(results, ox.QueryTriples):
            raise QueryError(
                "a CONSTRUCT or DESCRIBE query returns a graph, not results",
                hint="use --format turtle or ntriples",
            )
        results.serialize(output, _RESULT_FORMATS[result_format])  # type: ignore[attr-defined]

    def construct(self, sparql: str) -> Graph:
        results = self._query(sparql)
        if not isinstance(results, ox.QueryTriples):
            raise QueryError("not a CONSTRUCT or DESCRIBE query")
        data = results.serialize(format=ox.RdfFormat.N_TRIPLES) or b""
        return Graph().parse(data=data.decode("utf-8"), format="nt")

    def dump(self, output: IO[bytes], rdf_format: str) -> None:
        if rdf_format not in RDF_FORMATS:
            raise QueryError(f"cannot dump as {rdf_format!r}", hint="use nquads or trig")
        dump_named_graphs(self._store, output, _RDF_FORMATS[rdf_format])

    def flush(self) -> None:
        """Write RocksDB's memtables to disk: without it they grow to ~0.5 GiB during a load."""
        try:
            self._store.flush()
        except OSError as error:
            raise StoreUnavailable(
                f"cannot write to the store at {self.path}: {error}",
                hint="check the free disk space; records already written are whole",
            ) from error

    @contextmanager
    def record_writer(
        self, *, first_load: bool = False, stored: Callable[[int, int], None] = lambda n, of: None
    ) -> Iterator[RecordWriter]:
        """A first load is bulk-loaded into a staging store, swapped in once whole (`staging`):
        when the block ends, `stored` hears of each record loaded (how many so far, of how many)."""
        if not first_load or self.read_only:
            with super().record_writer() as write:
                yield write
            return
        loading, spool = staging.sibling(self.path, "loading"), staging.sibling(self.path, "spool")
        shutil.rmtree(loading, ignore_errors=True)
        self.merge_default_graph()  # of what it holds already (ontology, bookkeeping): small
        built = _BulkStore(loading, spool)
        try:
            copy = io.BytesIO()  # what the store holds besides records: ontology, bookkeeping
            self._store.dump(copy, ox.RdfFormat.N_QUADS)
            built.add(copy.getvalue())
            yield built.write
            built.close(stored)
        except BaseException:
            built.discard()
            raise
        if not built.records:
            shutil.rmtree(loading, ignore_errors=True)
            return
        self._store.flush()
        del self._store
        try:
            staging.swap_in(self.path)
        finally:
            self._store = self._open()

    def _unlock(self) -> None:
        if self._lock is not None:
            os.close(self._lock)  # closing the descriptor releases the flock
            self._lock = None

    def close(self) -> None:
        try:
            if not self.read_only:  # a read-only store has nothing to flush (pyoxigraph refuses)
                self.flush()
        finally:
            del self._store
            self._unlock()


class _BulkStore:
    """A staging store built with pyoxigraph's bulk loader once every record is written.

    Records are spooled to a file beside it as they come, and bulk-loaded back to back, a chunk
    of N-Quads at a time, when the last is in. Loading each chunk as it filled while the
    validating workers held both cores cost RocksDB's compactions 531 s of CPU at 136,000
    records (17 s at 13,600): every ingested file overlaps the whole store (terms are keyed by
    hash), and a compaction between two ingests rewrote what the store held so far.
    """

    def __init__(self, path: Path, spool: Path) -> None:
        self.path = path
        self.records = 0
        self._spool_path = spool
        self._store = ox.Store(str(path))
        self._pending = io.BytesIO()
        try:
            self._spool = spool.open("w+b")
        except OSError as error:
            raise _no_room(path, error) from error

    def write(self, graph_iri: str, ntriples: str) -> None:
        """Spool one record's graph (rdflib's N-Triples: one `s p o .` a line)."""
        if not ntriples.endswith("\n"):
            ntriples += "\n"
        if ntriples.count("\n") != ntriples.count(" .\n"):
            raise ValueError(f"not one triple a line: the N-Triples of {graph_iri}")
        iri, triples = _iri(graph_iri).encode("utf-8"), ntriples.encode("utf-8")
        try:
            self._spool.write(b"%d %d\n%s%s" % (len(iri), len(triples), iri, triples))
        except OSError as error:
            raise _no_room(self.path, error) from error
        self.records += 1

    def add(self, nquads: bytes) -> None:
        """Add N-Quads, loaded with the next chunk."""
        self._pending.write(nquads)
        if self._pending.tell() >= BULK_CHUNK_BYTES:
            self._load_pending()

    def _load_pending(self) -> None:
        self._pending.seek(0)
        try:
            # lenient: our converter wrote these terms and SHACL checked them; skip re-checking
            self._store.bulk_load(input=self._pending, format=ox.RdfFormat.N_QUADS, lenient=True)
        except OSError as error:
            raise _no_room(self.path, error) from error
        self._pending = io.BytesIO()
        _give_back_freed_memory()

    def _spooled(self) -> Iterator[tuple[bytes, bytes]]:
        """The spooled records, in order: (graph IRI, N-Triples)."""
        spool = self._spool
        try:
            spool.flush()
        except OSError as error:
            raise _no_room(self.path, error) from error
        spool.seek(0)
        while header := spool.readline():
            iri_length, triples_length = map(int, header.split())
            yield spool.read(iri_length), spool.read(triples_length)

    def close(self, progress: Callable[[int, int], None] = lambda stored, of: None) -> None:
        """Bulk-load the spooled records, each in its named graph and in the default graph
        (their merge), and write everything to disk; `progress` hears of each record loaded."""
        for stored, (iri, ntriples) in enumerate(self._spooled(), start=1):
            self.add(ntriples.replace(b" .\n", b" <%s> .\n" % iri))
            self.add(ntriples)  # the default graph: the merge of the named graphs
            progress(stored, self.records)
        self._load_pending()
        self._store.flush()
        del self._store
        self._drop_spool()

    def _drop_spool(self) -> None:
        self._spool.close()
        self._spool_path.unlink(missing_ok=True)

    def discard(self) -> None:
        """Drop the staging store and the spool (the real one is untouched)."""
        if hasattr(self, "_store"):
            del self._store
        self._drop_spool()
        shutil.rmtree(self.path, ignore_errors=True)


def _no_room(path: Path, error: OSError) -> StoreUnavailable:
    """The error for a first load that cannot write its spool or its new store at `path`."""
    return StoreUnavailable(
        f"cannot write the new store at {path}: {error}",
        hint="check the free disk space (a first load needs room for the whole new store, and "
        "the records' N-Triples, while it is built); the store was left as it was",
    )


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's `malloc_trim`, or None under another C library."""
    function = getattr(ctypes.CDLL(None), "malloc_trim", None)  # the C library Python runs on
    if function is not None:
        function.argtypes, function.restype = [ctypes.c_size_t], ctypes.c_int
    return function


def _give_back_freed_memory() -> None:
    """Return the pages freed in the allocator's arenas to the system.

    Each bulk-load call's threads free about 100 MiB that glibc keeps, spread over its arenas,
    and what stays resident grew with the load: bulk-loading the quads of 34,000 records in
    chunks, the process went from 116 to 150 MiB without this, from 56 to 68 MiB with it, in
    the same time.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
