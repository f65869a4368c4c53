"""`coopgraph serve --endpoint`: the whole app over a remote SPARQL 1.1 store, live.

`oxigraph serve` on loopback (and Virtuoso, when COOPGRAPH_TEST_VIRTUOSO names one, as `.ci/run`
does) is loaded with the sample records by `coopgraph load --endpoint`, then served by a real
`coopgraph serve --endpoint` (gunicorn): queries, pages, linked data, dumps, writes, errors.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import SAMPLES, iri, sample
from rdflib import Graph
from rdflib.namespace import RDF, VOID
from servers import Endpoints, coopgraph_server, free_port, oxigraph_server, virtuoso_endpoints

from coopgraph.converters.to_rdf import ConversionOptions
from coopgraph.ontology import COOP, ONTOLOGY_IRI
from coopgraph.server.app import create_app
from coopgraph.server.store import RemoteStore, Store

TOKEN = "remote-writer-token-0123456789"
KINDS = ["oxigraph"] + (["virtuoso"] if virtuoso_endpoints() else [])
BASE = ConversionOptions().base
TITLES = (
    "PREFIX dct: <http://purl.org/dc/terms/> PREFIX coop: <https://w3id.org/coopgraph/ontology#> "
    "SELECT ?p ?title WHERE { ?p a coop:Partnership ; dct:title ?title } ORDER BY ?p"
)
COUNT = f"SELECT (COUNT(?p) AS ?n) WHERE {{ ?p a <{COOP.Partnership}> }}"
#: Rows the test server lets a SELECT have (COOPGRAPH_MAX_ROWS).
MAX_ROWS = 50


@dataclass(frozen=True)
class Served:
    """A remote store loaded with the samples, and `coopgraph serve` over it."""

    store: Endpoints
    sparql: str  # the server's /sparql

    @property
    def site(self) -> str:
        return self.sparql.removesuffix("/sparql")


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes


def fetch(url: str, method: str = "GET", data: bytes | None = None, **headers: str) -> Reply:
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return Reply(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, dict(error.headers), error.read())


def query(served: Served, text: str, accept: str) -> Reply:
    return fetch(f"{served.sparql}?{urllib.parse.urlencode({'query': text})}", Accept=accept)


def _clear(store: Store) -> None:
    for record in list(store.stored_records()):
        store.delete_graph(record.graph)
    store.delete_graph(f"{BASE}{Store.META_GRAPH_PATH}")


def _store_options(urls: Endpoints) -> list[str]:
    options = ["--endpoint", urls.query, "--update-endpoint", urls.update]
    return options + (["--graph-store", urls.graph_store] if urls.graph_store else [])


@contextmanager
def _remote_store(kind: str, factory: pytest.TempPathFactory) -> Iterator[Endpoints]:
    """A running remote store of this kind: a fresh `oxigraph serve`, or CI's Virtuoso."""
    if kind == "oxigraph":
        with oxigraph_server(factory.mktemp("oxigraph")) as urls:
            yield urls
        return
    urls = virtuoso_endpoints()
    assert urls is not None
    yield urls


def _coopgraph(*args: str) -> None:
    command = [str(Path(sys.executable).parent / "coopgraph"), *args]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module", params=KINDS)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    with _remote_store(request.param, tmp_path_factory) as urls:
        remote = RemoteStore(urls.query, urls.update, urls.graph_store)
        _clear(remote)
        _coopgraph("load", str(SAMPLES), *_store_options(urls))
        env = {
            "COOPGRAPH_TOKENS": f"tester:{TOKEN}",
            "COOPGRAPH_MAX_ROWS": str(MAX_ROWS),
            "COOPGRAPH_REMOTE_CHECK_S": "1",
            "COOPGRAPH_DUMPS": str(tmp_path_factory.mktemp("dumps")),
        }
        try:
            with coopgraph_server(None, env=env, args=_store_options(urls)) as url:
                yield Served(urls, url)
        finally:
            _clear(remote)


def test_select_as_json_and_csv(served: Served) -> None:
    reply = query(served, TITLES, "application/sparql-results+json")
    assert reply.status == 200, reply.body
    assert reply.headers["Content-Type"].startswith("application/sparql-results+json")
    rows = json.loads(reply.body)["results"]["bindings"]
    assert [row["p"]["value"] for row in rows] == [
        str(iri("id/partnership/rabat-mantes-la-jolie")),
        str(iri("id/partnership/sale-woippy")),
    ]
    assert reply.headers["Coopgraph-Truncated"] == "false"
    csv = query(served, TITLES, "text/csv")
    assert csv.status == 200 and csv.headers["Content-Type"].startswith("text/csv")
    lines = csv.body.decode().splitlines()
    assert lines[0] == "p,title" and len(lines) == 3


def test_the_row_cap_is_announced(served: Served) -> None:
    reply = query(served, "SELECT ?s ?p ?o WHERE { ?s ?p ?o }", "text/tab-separated-values")
    assert reply.status == 200, reply.body
    assert reply.headers["Coopgraph-Truncated"] == "true"
    assert reply.headers["Coopgraph-Row-Limit"] == str(MAX_ROWS)
    assert len(reply.body.decode().splitlines()) == MAX_ROWS + 1  # and the header line


def test_construct_as_turtle(served: Served) -> None:
    text = f"CONSTRUCT {{ ?p a <{COOP.Partnership}> }} WHERE {{ ?p a <{COOP.Partnership}> }}"
    reply = query(served, text, "text/turtle")
    assert reply.status == 200, reply.body
    assert reply.headers["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=reply.body, format="turtle")
    assert set(graph.subjects(RDF.type, COOP.Partnership)) == {
        iri("id/partnership/rabat-mantes-la-jolie"),
        iri("id/partnership/sale-woippy"),
    }
    quads = query(served, text, "application/n-quads")  # Virtuoso writes no N-Quads: N-Triples
    assert quads.status == 200 and len(list(ox.parse(quads.body, ox.RdfFormat.N_QUADS))) == 2


def test_a_partnership_dereferences_as_turtle_and_html(served: Served) -> None:
    url = f"{served.site}/id/partnership/sale-woippy"
    turtle = fetch(url, Accept="text/turtle")
    assert turtle.status == 200, turtle.body
    graph = Graph().parse(data=turtle.body, format="turtle")
    assert (iri("id/partnership/sale-woippy"), RDF.type, COOP.Partnership) in graph
    page = fetch(url, Accept="text/html")
    assert page.status == 200, page.body
    assert b"Woippy" in page.body and page.headers["Content-Type"].startswith("text/html")


def test_the_home_page_and_the_dataset_description(served: Served) -> None:
    home = fetch(f"{served.site}/", Accept="text/html")
    assert home.status == 200, home.body
    assert b"<html" in home.body
    description = fetch(f"{served.site}/dataset", Accept="text/turtle")
    assert description.status == 200, description.body
    figures = Graph().parse(data=description.body, format="turtle")
    # the dataset's figure (its partitions' are smaller): the two records' triples
    assert max(int(value) for value in figures.objects(None, VOID.triples)) > 100


def test_dumps_hold_coopgraph_graphs_only(served: Served) -> None:
    reply = fetch(f"{served.site}/dumps/atlas.nq.gz")
    assert reply.status == 200, reply.body
    quads = list(ox.parse(gzip.decompress(reply.body), ox.RdfFormat.N_QUADS))
    graphs = {quad.graph_name.value for quad in quads}  # type: ignore[union-attr]
    assert graphs == {
        f"{BASE}graph/coopgraph",
        f"{BASE}graph/partnership/rabat-mantes-la-jolie",
        f"{BASE}graph/partnership/sale-woippy",
        str(ONTOLOGY_IRI),
    }  # none of Virtuoso's own
    union = fetch(f"{served.site}/dumps/atlas.ttl.gz")
    assert union.status == 200
    triples = Graph().parse(data=gzip.decompress(union.body), format="turtle")
    assert len(triples) == len({(q.subject, q.predicate, q.object) for q in quads})


def kept_within(ask: Callable[[], Reply], seconds: float = 10) -> bool:
    """Whether an answer is kept within `seconds`: none is while the store has not told its
    state lately (a stalled store, which CI's shared machines see)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ask().headers["Coopgraph-Cache"] == "hit":
            return True
        time.sleep(0.2)
    return False


def test_a_write_is_seen_by_the_next_query_not_a_kept_answer(served: Served) -> None:
    count = COUNT

    def partnerships() -> tuple[int, str]:
        reply = query(served, count, "text/csv")
        assert reply.status == 200, reply.body
        return int(reply.body.decode().splitlines()[1]), reply.headers["Coopgraph-Cache"]

    assert kept_within(lambda: query(served, count, "text/csv"))
    assert partnerships() == (2, "hit")
    put = fetch(
        f"{served.site}/records/remote-copy",
        "PUT",
        sample("sale-woippy").encode(),
        Authorization=f"Bearer {TOKEN}",
        **{"Content-Type": "text/plain; charset=utf-8"},
    )
    assert put.status == 201, put.body
    assert partnerships() == (3, "miss")
    titles = json.loads(query(served, TITLES, "application/sparql-results+json").body)
    assert str(iri("id/partnership/remote-copy")) in {
        row["p"]["value"] for row in titles["results"]["bindings"]
    }
    deleted = fetch(f"{served.site}/records/remote-copy", "DELETE", Authorization=f"Bearer {TOKEN}")
    assert deleted.status == 204, deleted.body
    assert partnerships() == (2, "miss")


def test_a_load_beside_the_server_retires_kept_answers(served: Served, tmp_path: Path) -> None:
    """`coopgraph load --endpoint` while serving: seen within COOPGRAPH_REMOTE_CHECK_S (1 s)."""
    count = COUNT

    def partnerships_within(expected: int, seconds: float = 10) -> None:
        deadline = time.monotonic() + seconds
        while True:
            reply = query(served, count, "text/csv")
            if reply.body.decode().splitlines()[1] == str(expected):
                return
            if time.monotonic() >= deadline:
                break
            time.sleep(0.2)
        pytest.fail(
            f"still not {expected} partnerships after {seconds} s: last answer "
            f"{reply.body.decode()!r}, Coopgraph-Cache: {reply.headers['Coopgraph-Cache']}"
            " (hit: a stale kept answer; miss: the store itself)"
        )

    assert kept_within(lambda: query(served, count, "text/csv"))
    (tmp_path / "outside.txt").write_text(sample("sale-woippy"), encoding="utf-8")
    _coopgraph("load", str(tmp_path / "outside.txt"), *_store_options(served.store))
    try:
        partnerships_within(3)
    finally:
        _coopgraph("delete", "outside", *_store_options(served.store))
    partnerships_within(2)


def test_a_write_the_store_refuses_is_a_503_not_the_clients_fault(served: Served) -> None:
    if served.store.update == served.store.query:
        pytest.skip("this store takes updates at its query URL")
    app = create_app(  # the update endpoint mistaken for the query endpoint
        {"ENDPOINT": served.store.query, "TOKENS": f"tester:{TOKEN}", "REMOTE_CHECK_S": 0}
    )
    try:
        reply = app.test_client().put(
            "/records/refused",
            data=sample("sale-woippy").encode(),
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/plain"},
        )
    finally:
        app.extensions["coopgraph.executor"].close()
    assert reply.status_code == 503
    assert b"COOPGRAPH_UPDATE_ENDPOINT" in reply.data
    assert query(served, COUNT, "text/csv").body.decode().splitlines()[1] == "2"


def test_refusals_happen_before_the_store(served: Served) -> None:
    service = query(served, "SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }", "*/*")
    assert service.status == 400 and b"SERVICE" in service.body
    update = fetch(
        served.sparql,
        "POST",
        b"INSERT DATA { <urn:a> <urn:b> <urn:c> }",
        **{"Content-Type": "application/sparql-update"},
    )
    assert update.status == 403


def test_a_query_the_store_rejects_is_a_400(served: Served) -> None:
    reply = query(served, "SELECT * WHERE { ?s ?p }", "application/sparql-results+json")
    assert reply.status == 400, reply.body
    assert reply.body.startswith(b"the store refused the query")
    assert b"Traceback" not in reply.body


def test_an_unreachable_store_is_a_503_that_says_so() -> None:
    nowhere = f"http://127.0.0.1:{free_port()}/query"
    with coopgraph_server(None, args=["--endpoint", nowhere]) as url:
        reply = query(Served(Endpoints(nowhere, nowhere, None), url), "ASK {}", "*/*")
        assert reply.status == 503
        assert f"cannot reach the SPARQL store at {nowhere}".encode() in reply.body
        home = fetch(url.removesuffix("/sparql") + "/")
        assert home.status == 503 and b"cannot reach" in home.body


def test_a_store_whose_default_graph_is_not_the_union_is_refused(tmp_path: Path) -> None:
    with oxigraph_server(tmp_path / "oxigraph", union_default_graph=False) as urls:
        _coopgraph("load", str(SAMPLES / "sale-woippy.txt"), *_store_options(urls))
        with coopgraph_server(None, args=_store_options(urls)) as url:
            reply = query(Served(urls, url), TITLES, "text/csv")
    assert reply.status == 503
    assert b"--union-default-graph" in reply.body
