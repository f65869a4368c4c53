"""The one store interface the CLI and the server use, whatever holds the triples.

Each record lives in its own named graph, which holds the record's provenance too, so replacing
or deleting a record is replacing or dropping one graph: one transaction, never half a record.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO

from rdflib import Graph

from coopgraph.errors import StoreError
from coopgraph.ontology import COOP

#: Prefixes for the queries the store interface runs itself.
PREFIXES = f"""PREFIX coop: <{COOP._NS}>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX dct: <http://purl.org/dc/terms/>
"""
#: Records stored between two flushes of the store's write buffers (memory flat in N).
FLUSH_EVERY = 500
#: Writes one record: its graph IRI and its N-Triples.
RecordWriter = Callable[[str, str], None]

#: The results formats `query_to` can write, by media type.
RESULT_FORMATS = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
#: The RDF formats `construct_to` and `dump` can write, by media type.
RDF_FORMATS = {
    "nquads": "application/n-quads",
    "trig": "application/trig",
    "ntriples": "application/n-triples",
    "turtle": "text/turtle",
}


@dataclass(frozen=True)
class StoredRecord:
    """What the store knows of a loaded record, to decide whether to load it again."""

    graph: str
    source_hash: str
    converter_version: str


@dataclass(frozen=True)
class Stats:
    """How much the store holds."""

    records: int
    triples: int  # in record graphs
    graphs: int  # every named graph of the store
    last_load: str | None


class Store(ABC):
    """A SPARQL 1.1 quad store holding one named graph a record."""

    #: Named graph of the store's own bookkeeping (time of the last load).
    META_GRAPH_PATH = "graph/coopgraph"

    @abstractmethod
    def select(self, sparql: str) -> Iterator[dict[str, str]]:
        """Run a SELECT; each row as variable → the value of its term (unbound ones left out)."""

    @abstractmethod
    def ask(self, sparql: str) -> bool:
        """Run an ASK."""

    def stored_records(self) -> Iterator[StoredRecord]:
        """Every record graph with the hash of its source and its converter version."""
        for row in self.select(stored_records_query()):
            yield StoredRecord(row["g"], row["hash"], row["version"])

    def stats(self) -> Stats:
        """Records, triples (of record graphs), graphs and the time of the last load."""
        figures = next(self.select(STATS_QUERY), {})
        graphs = next(self.select(GRAPHS_QUERY), {})
        last = next(self.select(LAST_LOAD_QUERY), {})
        return Stats(
            records=int(figures.get("records", 0)),
            triples=int(figures.get("triples", 0)),
            graphs=int(graphs.get("graphs", 0)),
            last_load=last.get("last"),
        )

    @abstractmethod
    def replace_graph(self, graph_iri: str, ntriples: str) -> None:
        """Replace one named graph by these N-Triples, in one transaction."""

    @abstractmethod
    def delete_graph(self, graph_iri: str) -> bool:
        """Drop one named graph (a record and the facts only it asserted); False if absent."""

    @abstractmethod
    def update(self, sparql: str) -> None:
        """Run a SPARQL 1.1 Update, in one transaction."""

    @abstractmethod
    def query_to(self, sparql: str, result_format: str, output: IO[bytes]) -> None:
        """Run a SELECT/ASK and stream its results to `output` in a `RESULT_FORMATS` format."""

    @abstractmethod
    def construct(self, sparql: str) -> Graph:
        """Run a CONSTRUCT/DESCRIBE and return its (small) graph."""

    @abstractmethod
    def dump(self, output: IO[bytes], rdf_format: str) -> None:
        """Stream every quad to `output` as N-Quads or TriG."""

    def describe(self, iri: str) -> Graph:
        """The concise bounded description of a resource, from every graph."""
        return self.construct(
            "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } "
            f"FILTER (?s = <{_iri(iri)}>) }}"
        )

    @contextmanager
    def record_writer(
        self, *, first_load: bool = False, stored: Callable[[int, int], None] = lambda n, of: None
    ) -> Iterator[RecordWriter]:
        """Somewhere to write records, each replacing its graph in one transaction.

        `first_load` says the store holds no records yet: a store may then build them faster,
        all at once (visible together when the block ends without error, none if it does not),
        telling `stored` of each record it stores then (how many so far, of how many).
        """
        written = 0

        def write(graph_iri: str, ntriples: str) -> None:
            nonlocal written
            self.replace_graph(graph_iri, ntriples)
            written += 1
            if written % FLUSH_EVERY == 0:
                self.flush()

        yield write

    def stamp_last_load(self, base: str) -> None:
        """Record now as the time of the last load or write (`LAST_LOAD_QUERY` reads it).

        To the microsecond: the stamp is what tells two states of the store apart
        (`STATE_QUERY`) when writes in one second leave as many records as before.
        """
        when = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
        self.update(last_load_update(f"{base}{self.META_GRAPH_PATH}", when))

    def merge_default_graph(self) -> bool:
        """Make the default graph the merge of the named graphs where the store keeps one.

        True if it had to (a store written by an older coopgraph); remote stores answer
        queries over their own union of graphs, so by default there is nothing to do.
        """
        return False

    def flush(self) -> None:  # noqa: B027 - remote stores manage their own memory
        """Write buffered data out, so that a long load keeps its memory flat."""

    def close(self) -> None:  # noqa: B027 - stores without resources need not close anything
        """Release the store (files, connections)."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        try:
            self.close()
        except StoreError:
            if exc_type is None:
                raise  # else the error that ended the block says more (a full disk, once)


def _iri(text: str) -> str:
    """An IRI safe to put between < > in SPARQL, or ValueError."""
    if any(char in text for char in '<>"{}|^`\\ \n\r\t'):
        raise ValueError(f"not an IRI: {text!r}")
    return text


def stored_records_query() -> str:
    """The SELECT that lists record graphs with their source hash and converter version."""
    return PREFIXES + (
        "SELECT ?g ?hash ?version WHERE { GRAPH ?g { ?g foaf:primaryTopic ?record ; "
        "coop:sourceHash ?hash ; coop:converterVersion ?version } }"
    )


def replace_graph_update(graph_iri: str, ntriples: str) -> str:
    """The SPARQL Update that replaces one named graph by these N-Triples."""
    iri = _iri(graph_iri)
    return f"DROP SILENT GRAPH <{iri}> ;\nINSERT DATA {{ GRAPH <{iri}> {{\n{ntriples}\n}} }}"


def last_load_update(meta_graph: str, when: str) -> str:
    """The SPARQL Update that records the time of the last load."""
    iri = _iri(meta_graph)
    return (
        f"DROP SILENT GRAPH <{iri}> ;\nINSERT DATA {{ GRAPH <{iri}> {{ <{iri}> "
        "<http://purl.org/dc/terms/modified> "
        f'"{when}"^^<http://www.w3.org/2001/XMLSchema#dateTime> }} }}'
    )


#: Records and the triples of their graphs (a store may hold other graphs: Virtuoso's own).
STATS_QUERY = PREFIXES + (
    "SELECT (COUNT(?g) AS ?records) (SUM(?n) AS ?triples) WHERE { "
    "{ SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g } "
    "FILTER EXISTS { GRAPH ?g { ?g foaf:primaryTopic ?record } } }"
)
#: When the last load that changed something ended.
LAST_LOAD_QUERY = (
    "SELECT (MAX(?when) AS ?last) "
    "WHERE { GRAPH ?g { ?g <http://purl.org/dc/terms/modified> ?when } }"
)
#: The store's state in one cheap query: its record graphs (each carries its
#: `prov:generatedAtTime`: an index lookup, not a scan), the latest of those times and the last
#: load or write (`Store.stamp_last_load`, which every write through coopgraph ends with: load,
#: delete, /records). Each MAX has a pattern of its own: over a UNION, every row leaves one of
#: them unbound, and SPARQL 1.1 makes the MAX of an unbound an error (Oxigraph follows it to the
#: letter: both came back unbound and the state was a mere count, blind to a delete and an add).
STATE_QUERY = (
    "SELECT ?graphs ?last ?loaded WHERE { "
    "{ SELECT (COUNT(?g) AS ?graphs) (MAX(?time) AS ?last) "
    "WHERE { ?g <http://www.w3.org/ns/prov#generatedAtTime> ?time } } "
    "{ SELECT (MAX(?when) AS ?loaded) "
    "WHERE { GRAPH ?m { ?m <http://purl.org/dc/terms/modified> ?when } } } }"
)
#: Every named graph of the store, ours or not.
GRAPHS_QUERY = "SELECT (COUNT(DISTINCT ?g) AS ?graphs) WHERE { GRAPH ?g { ?s ?p ?o } }"
