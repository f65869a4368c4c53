"""/sparql through Flask's test client, over a real store and real query workers."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SAMPLES
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, URIRef

from coopgraph.converters.to_rdf import ConversionOptions
from coopgraph.server.app import create_app
from coopgraph.server.description import SD
from coopgraph.server.load import load_paths
from coopgraph.server.store import EmbeddedStore

PARTNERSHIPS = (
    "SELECT ?p WHERE { ?p a <https://w3id.org/coopgraph/ontology#Partnership> } ORDER BY ?p"
)
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    path = tmp_path_factory.mktemp("server") / "store"
    with EmbeddedStore(path) as store:
        load_paths(sorted(SAMPLES.iterdir()), store, ConversionOptions(), jobs=1)
    app = create_app({"STORE": str(path), "QUERY_TIMEOUT_S": 2, "QUERY_WORKERS": 2})
    yield app
    pool = app.extensions.get("coopgraph.executor")
    if pool is not None:
        pool.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _names(body: bytes) -> list[str]:
    rows = json.loads(body)["results"]["bindings"]
    return [row["p"]["value"].rsplit("/", 1)[1] for row in rows]


def test_get_query_json(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": PARTNERSHIPS})
    assert response.status_code == 200
    assert response.mimetype == "application/sparql-results+json"
    assert response.headers["Vary"] == "Accept"
    assert _names(response.data) == ["rabat-mantes-la-jolie", "sale-woippy"]


def test_post_form_with_accept_csv(client: FlaskClient) -> None:
    response = client.post("/sparql", data={"query": PARTNERSHIPS}, headers={"Accept": "text/csv"})
    assert response.mimetype == "text/csv"
    assert len(list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))) == 2


def test_post_direct_with_default_graph(client: FlaskClient) -> None:
    graph = "http://localhost:5000/graph/partnership/sale-woippy"
    response = client.post(
        f"/sparql?default-graph-uri={graph}",
        data=PARTNERSHIPS,
        content_type="application/sparql-query",
    )
    assert _names(response.data) == ["sale-woippy"]


def test_construct_negotiates_rdf(client: FlaskClient) -> None:
    response = client.get(
        "/sparql",
        query_string={"query": "CONSTRUCT WHERE { ?s a ?o }"},
        headers={"Accept": "application/n-triples;q=0.5, text/turtle"},
    )
    assert response.mimetype == "text/turtle"
    assert len(Graph().parse(data=response.get_data(as_text=True), format="turtle")) > 10


@pytest.mark.parametrize(
    ("request_args", "status"),
    [
        ({"method": "GET", "query_string": {"query": "ASK {"}}, 400),
        ({"method": "GET", "query_string": "query=ASK%7B%7D&query=ASK%7B%7D"}, 400),
        ({"method": "POST", "data": "ASK {}", "content_type": "text/plain"}, 415),
        ({"method": "PUT", "query_string": {"query": "ASK {}"}}, 405),
        (
            {
                "method": "GET",
                "query_string": {"query": "ASK {}"},
                "headers": {"Accept": "image/png"},
            },
            406,
        ),
        ({"method": "POST", "data": {"update": "CLEAR ALL"}}, 403),
    ],
    ids=["syntax", "two-queries", "media-type", "method", "not-acceptable", "update"],
)
def test_protocol_errors_and_read_only(
    client: FlaskClient, request_args: dict[str, object], status: int
) -> None:
    response = client.open("/sparql", **request_args)  # type: ignore[arg-type]
    assert response.status_code == status, response.data
    assert response.get_data(as_text=True).strip()
    assert _names(client.get("/sparql", query_string={"query": PARTNERSHIPS}).data) == [
        "rabat-mantes-la-jolie",
        "sale-woippy",
    ]


def test_a_method_refused_names_the_allowed_ones(client: FlaskClient) -> None:
    for method in ("PUT", "DELETE", "PATCH"):
        response = client.open("/sparql", method=method, query_string={"query": "ASK {}"})
        assert response.status_code == 405
        assert response.headers["Allow"] == "GET, HEAD, POST"
    update = client.get("/sparql", query_string={"update": "CLEAR ALL"})
    assert update.status_code == 405 and update.headers["Allow"] == "GET, HEAD, POST"


def test_head_answers_what_get_would_without_a_body(client: FlaskClient) -> None:
    description = client.head("/sparql", headers={"Accept": "text/turtle"})
    assert description.status_code == 200
    assert description.mimetype == "text/turtle" and description.data == b""
    get = client.get("/sparql", query_string={"query": PARTNERSHIPS})
    head = client.head("/sparql", query_string={"query": PARTNERSHIPS})
    assert head.status_code == 200 and head.data == b""
    assert head.mimetype == get.mimetype == "application/sparql-results+json"
    assert head.headers["Content-Length"] == get.headers["Content-Length"]
    assert client.head("/sparql", query_string={"query": "ASK {"}).status_code == 400
    # a long answer, streamed in chunks, is dropped unsent: the workers are free for the next
    many = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    for _ in range(4):
        assert client.head("/sparql", query_string={"query": many}).status_code == 200
    assert _names(client.get("/sparql", query_string={"query": PARTNERSHIPS}).data) == [
        "rabat-mantes-la-jolie",
        "sale-woippy",
    ]


def test_service_is_refused_and_no_connection_leaves(client: FlaskClient) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(2)
    port = listener.getsockname()[1]
    connections: list[object] = []

    def watch() -> None:
        with contextlib.suppress(OSError):  # the 2 s timeout: nobody connected, as it should
            connections.append(listener.accept())

    watcher = threading.Thread(target=watch)
    watcher.start()
    query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
    response = client.get("/sparql", query_string={"query": query})
    watcher.join()
    listener.close()
    assert response.status_code == 400
    assert "SERVICE" in response.get_data(as_text=True)
    assert connections == []


def test_service_description_is_absolute_behind_a_proxy(client: FlaskClient) -> None:
    response = client.get(
        "/sparql",
        headers={
            "Accept": "text/turtle",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "atlas.example.org",
            "X-Forwarded-Prefix": "/coop",
        },
    )
    assert response.mimetype == "text/turtle"
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    assert (None, SD.endpoint, URIRef("https://atlas.example.org/coop/sparql")) in graph


def test_cors_for_any_origin_without_credentials(client: FlaskClient) -> None:
    response = client.get(
        "/sparql",
        query_string={"query": "ASK {}"},
        headers={"Origin": "https://notebook.example.org"},
    )
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    preflight = client.options(
        "/sparql", headers={"Origin": "https://x.example", "Access-Control-Request-Method": "POST"}
    )
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]


def test_runaway_query_gets_503_and_the_endpoint_keeps_answering(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": RUNAWAY})
    assert response.status_code == 503
    assert "stopped after 2 s" in response.get_data(as_text=True)
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COOPGRAPH_QUERY_TIMEOUT_S", "7")
    monkeypatch.setenv("COOPGRAPH_STORE", str(tmp_path))
    app = create_app()
    assert app.config["QUERY_TIMEOUT_S"] == 7 and app.config["STORE"] == str(tmp_path)


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_browsers_get_the_editor_bundled_offline(client: FlaskClient) -> None:
    response = client.get("/sparql", headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "Partnerships per country" in page and "PREFIX coop:" in page
    assert '"http://localhost/sparql"' in page  # the editor queries this very endpoint
    linked = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert linked and all(link.startswith("/static/") for link in linked), linked
    for link in linked:
        assert client.get(link).status_code == 200


def test_a_link_to_a_query_opens_the_editor_on_it_for_browsers(client: FlaskClient) -> None:
    query = "SELECT ?s WHERE { ?s a <https://w3id.org/coopgraph/ontology#Partnership> }"
    page = client.get("/sparql", query_string={"query": query}, headers={"Accept": BROWSER_ACCEPT})
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert "ontology#Partnership" in text and ".query();" in text  # tojson escapes < and >
    # a program asking the same URL gets results, as before
    results = client.get("/sparql", query_string={"query": query})
    assert results.mimetype == "application/sparql-results+json"


@pytest.mark.parametrize("accept", [None, "*/*", "text/turtle"])
def test_sparql_clients_still_get_the_service_description(
    client: FlaskClient, accept: str | None
) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql", headers=headers)
    assert response.mimetype != "text/html"
    assert "sparql-service-description" in response.get_data(as_text=True)


@pytest.fixture(scope="module")
def capped(app: Flask) -> Iterator[FlaskClient]:
    small = create_app({**app.config, "MAX_ROWS": 1})
    yield small.test_client()
    pool = small.extensions.get("coopgraph.executor")
    if pool is not None:
        pool.close()


def test_row_cap_is_announced_never_silent(capped: FlaskClient, client: FlaskClient) -> None:
    cut = capped.get("/sparql", query_string={"query": PARTNERSHIPS})
    assert cut.headers["Coopgraph-Truncated"] == "true"
    assert cut.headers["Coopgraph-Row-Limit"] == "1"
    assert _names(cut.data) == ["rabat-mantes-la-jolie"]
    as_csv = capped.get("/sparql", query_string={"query": PARTNERSHIPS, "format": "csv"})
    assert len(list(csv.DictReader(io.StringIO(as_csv.get_data(as_text=True))))) == 1
    assert as_csv.headers["Coopgraph-Truncated"] == "true"
    whole = client.get("/sparql", query_string={"query": PARTNERSHIPS})
    assert whole.headers["Coopgraph-Truncated"] == "false"
    assert "Coopgraph-Truncated" in whole.headers["Access-Control-Expose-Headers"]
    ask = capped.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    assert "Coopgraph-Truncated" not in ask.headers and json.loads(ask.data)["boolean"] is True
