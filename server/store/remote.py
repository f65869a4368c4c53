"""A remote SPARQL 1.1 store (Oxigraph server, Virtuoso, Fuseki…) reached with SPARQLWrapper.

Queries go to the query endpoint, updates to the update endpoint (SPARQL 1.1 Protocol). A record
is replaced by one update request (DROP + INSERT DATA), or by one Graph Store Protocol PUT when a
graph-store URL is given: each is a single request the store applies whole.
"""

from __future__ import annotations

import shutil
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any

from rdflib import Graph
from SPARQLWrapper import JSON, POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from coopgraph.errors import CoopgraphError, QueryError, StoreError, StoreUnavailable
from coopgraph.server.store.base import (
    RDF_FORMATS,
    RESULT_FORMATS,
    Store,
    _iri,
    replace_graph_update,
)

#: Seconds to wait for a remote store before saying it cannot be reached.
TIMEOUT_S = 60
#: Graph IRIs listed by one query (under Virtuoso's default ResultSetMaxRows, 10,000).
GRAPH_PAGE = 5000


class RemoteStore(Store):
    """A store behind SPARQL 1.1 query and update endpoints (and, optionally, a graph store)."""

    def __init__(
        self, endpoint: str, update_endpoint: str | None = None, graph_store: str | None = None
    ) -> None:
        self.endpoint = endpoint
        self.update_endpoint = update_endpoint or endpoint
        self.graph_store = graph_store

    def _wrapper(self, url: str) -> SPARQLWrapper:
        wrapper = SPARQLWrapper(url, agent="coopgraph")
        wrapper.setTimeout(TIMEOUT_S)
        return wrapper

    def _fail(self, error: Exception, url: str) -> CoopgraphError:
        if isinstance(error, urllib.error.HTTPError):
            body = error.read().decode("utf-8", "replace")[:500]
            if error.code in (400, 415):
                return QueryError(f"the store at {url} refused the request: {body}")
            return StoreError(
                f"the store at {url} answered HTTP {error.code}: {body}",
                hint="check the endpoint URL and that it allows this operation",
            )
        if isinstance(error, SPARQLWrapperException):
            return QueryError(f"the store at {url} refused the request: {error}")
        return StoreUnavailable(
            f"cannot reach the SPARQL store at {url}: {error}",
            hint="check that it is running and the URL; nothing was changed",
        )

    def _results(self, sparql: str) -> Any:
        """The SPARQL JSON results document of a SELECT or ASK, through SPARQLWrapper."""
        wrapper = self._wrapper(self.endpoint)
        wrapper.setQuery(sparql)
        wrapper.setReturnFormat(JSON)
        wrapper.setMethod(POST)
        try:
            return wrapper.query().convert()
        except (OSError, SPARQLWrapperException) as error:
            raise self._fail(error, self.endpoint) from error

    def select(self, sparql: str) -> Iterator[dict[str, str]]:
        for row in self._results(sparql)["results"]["bindings"]:
            yield {name: term["value"] for name, term in row.items()}

    def ask(self, sparql: str) -> bool:
        return bool(self._results(sparql)["boolean"])

    def _post(self, url: str, data: bytes, content_type: str, method: str = "POST") -> None:
        request = urllib.request.Request(
            url, data=data, method=method, headers={"Content-Type": content_type}
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
                response.read()
        except OSError as error:
            raise self._fail(error, url) from error

    def replace_graph(self, graph_iri: str, ntriples: str) -> None:
        if self.graph_store:
            url = f"{self.graph_store}?{urllib.parse.urlencode({'graph': _iri(graph_iri)})}"
            self._post(url, ntriples.encode("utf-8"), "application/n-triples", method="PUT")
        else:
            self.update(replace_graph_update(graph_iri, ntriples))

    def delete_graph(self, graph_iri: str) -> bool:
        exists = self.ask(f"ASK {{ GRAPH <{_iri(graph_iri)}> {{ ?s ?p ?o }} }}")
        self.update(f"DROP SILENT GRAPH <{_iri(graph_iri)}>")
        return exists

    def update(self, sparql: str) -> None:
        body = urllib.parse.urlencode({"update": sparql}).encode("utf-8")
        self._post(self.update_endpoint, body, "application/x-www-form-urlencoded")

    def _request(self, sparql: str, accept: str) -> Any:
        body = urllib.parse.urlencode({"query": sparql}).encode("utf-8")
        request = urllib.request.Request(
            self.endpoint,
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
        )
        try:
            return urllib.request.urlopen(request, timeout=TIMEOUT_S)
        except OSError as error:
            raise self._fail(error, self.endpoint) from error

    def query_to(self, sparql: str, result_format: str, output: IO[bytes]) -> None:
        with self._request(sparql, RESULT_FORMATS[result_format]) as response:
            shutil.copyfileobj(response, output)  # streamed, never held whole

    def construct(self, sparql: str) -> Graph:
        with self._request(sparql, "application/n-triples") as response:
            return Graph().parse(data=response.read().decode("utf-8"), format="nt")

    def graph_iris(self, under: Sequence[str] = ()) -> Iterator[str]:
        """Every named graph's IRI (only those starting with one of `under`, if given), in order.

        Pages of `GRAPH_PAGE` by keyset (after the last IRI seen), never OFFSET: Virtuoso cuts
        any answer at its ResultSetMaxRows, and sorts no more than that before an OFFSET.
        """
        chosen = " || ".join(f'STRSTARTS(STR(?g), "{_iri(prefix)}")' for prefix in under)
        after = ""
        while True:
            rows = list(
                self.select(
                    "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
                    f'FILTER (STR(?g) > "{after}"{f" && ({chosen})" if chosen else ""}) }} '
                    f"ORDER BY STR(?g) LIMIT {GRAPH_PAGE}"
                )
            )
            yield from (row["g"] for row in rows)
            if len(rows) < GRAPH_PAGE:
                return
            after = _iri(rows[-1]["g"])

    def graph_ntriples(self, graph_iri: str) -> bytes:
        """One named graph's triples as N-Triples (one request)."""
        query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{_iri(graph_iri)}> {{ ?s ?p ?o }} }}"
        with self._request(query, "application/n-triples") as response:
            return bytes(response.read())

    def dump_graphs(self, output: IO[bytes], rdf_format: str, graphs: Iterable[str]) -> None:
        """These graphs, one request each (memory bounded by the largest), as N-Quads, TriG or
        N-Triples (their union: what Turtle tools read)."""
        import pyoxigraph as ox

        for iri in graphs:
            triples = ox.parse(self.graph_ntriples(iri), ox.RdfFormat.N_TRIPLES)
            if rdf_format == "ntriples":
                ox.serialize(triples, output, ox.RdfFormat.N_TRIPLES)
                continue
            graph = ox.NamedNode(iri)
            quads = (ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)
            written = ox.RdfFormat.TRIG if rdf_format == "trig" else ox.RdfFormat.N_QUADS
            ox.serialize(quads, output, written)

    def dump(self, output: IO[bytes], rdf_format: str) -> None:
        """Graph by graph (memory stays bounded by the largest graph), as N-Quads or TriG."""
        if rdf_format not in ("nquads", "trig") or rdf_format not in RDF_FORMATS:
            raise QueryError(f"cannot dump as {rdf_format!r}", hint="use nquads or trig")
        self.dump_graphs(output, rdf_format, list(self.graph_iris()))
