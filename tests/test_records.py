"""Writing records over HTTP: tokens, validation first, atomic replacement, nothing lost.

Through Flask's test client over a real embedded store and real query workers; every refused
write is checked to leave the store byte-for-byte unchanged (the N-Quads of every graph).
"""

from __future__ import annotations

import io
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import SAMPLES, iri, sample
from flask import Flask
from flask.testing import FlaskClient

from coopgraph.server.app import create_app

TOKEN = "editor-token-0123456789abcdef"
OTHER = "reviewer-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
RABAT = "rabat-mantes-la-jolie"
SALE = "sale-woippy"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    app = create_app(
        {
            "STORE": str(tmp_path / "store"),
            "QUERY_WORKERS": 2,
            "TOKENS": f"editor:{TOKEN},reviewer:{OTHER}",
        }
    )
    client = app.test_client()
    response = client.put(
        f"/records/{RABAT}",
        data=sample(RABAT).encode(),
        headers={**AUTH, "Content-Type": "text/plain; charset=utf-8"},
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    yield app
    app.extensions["coopgraph.executor"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def quads(app: Flask) -> list[str]:
    """Every quad of the store, sorted (the writer is closed between requests)."""
    store = ox.Store.read_only(app.config["STORE"])
    return sorted(str(quad) for quad in store)


def _put(client: FlaskClient, identifier: str, text: str, **headers: str) -> tuple[int, str]:
    response = client.put(
        f"/records/{identifier}",
        data=text.encode(),
        headers={"Content-Type": "text/plain; charset=utf-8", **headers},
    )
    return response.status_code, response.get_data(as_text=True)


def _upload(text: str, name: str) -> dict[str, object]:
    return {"file": (io.BytesIO(text.encode()), name, "text/plain")}


def test_created_record_is_served_at_once_with_its_writer(client: FlaskClient) -> None:
    response = client.post("/records", data=_upload(sample(SALE), f"{SALE}.txt"), headers=AUTH)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.headers["Location"] == str(iri(f"id/partnership/{SALE}"))
    page = client.get(f"/id/partnership/{SALE}.ttl")
    assert page.status_code == 200
    graph = client.get(f"/graph/partnership/{SALE}.ttl").get_data(as_text=True)
    assert "id/agent/editor" in graph  # the token's name, in the record's provenance
    home = client.get("/").get_data(as_text=True)
    assert '<dd id="count-partnerships">2</dd>' in home


def test_creating_an_existing_record_is_409_and_changes_nothing(
    app: Flask, client: FlaskClient
) -> None:
    before = quads(app)
    time.sleep(1.1)  # a new second: a time of last write stamped by the refusal would show
    response = client.post("/records", data=_upload(sample(RABAT), f"{RABAT}.txt"), headers=AUTH)
    assert response.status_code == 409 and "PUT /records/" in response.get_data(as_text=True)
    assert quads(app) == before


def test_put_replaces_the_graph_whole(app: Flask, client: FlaskClient) -> None:
    changed = sample(RABAT).replace(
        "Année de début du partenariat\n2019", "Année de début du partenariat\n2018"
    )
    status, _ = _put(client, RABAT, changed, **AUTH)
    assert status == 200
    turtle = client.get(f"/id/partnership/{RABAT}.nt").get_data(as_text=True)
    assert '"2018"' in turtle and '"2019"^^<http://www.w3.org/2001/XMLSchema#gYear>' not in turtle


def test_a_record_claiming_another_id_is_409(app: Flask, client: FlaskClient) -> None:
    """A page names no id (the URL gives it one); RDF names its own, which must match."""
    sale = subprocess.run(
        [str(Path(sys.executable).parent / "coopgraph"), "convert", str(SAMPLES / f"{SALE}.txt")],
        capture_output=True,
        check=True,
    ).stdout
    before = quads(app)
    response = client.put(
        f"/records/{RABAT}", data=sale, headers={**AUTH, "Content-Type": "text/turtle"}
    )
    assert response.status_code == 409 and SALE in response.get_data(as_text=True)
    assert quads(app) == before


def test_a_violation_is_422_with_the_report_and_stores_nothing(
    app: Flask, client: FlaskClient
) -> None:
    before = quads(app)
    bad = sample(SALE).replace(
        "Année de début du partenariat\n", "Année de début du partenariat\n20x"
    )
    response = client.post("/records", data=_upload(bad, f"{SALE}.txt"), headers=AUTH)
    assert response.status_code == 422
    report = response.get_json()
    assert report["records"][0]["conforms"] is False
    assert quads(app) == before


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Bearer wrong-token-0123456789abcdef"}, 401),
        ({"Authorization": f"Basic {TOKEN}"}, 401),
    ],
)
def test_writes_need_a_valid_token_and_change_nothing(
    app: Flask, client: FlaskClient, headers: dict[str, str], status: int
) -> None:
    before = quads(app)
    assert _put(client, SALE, sample(SALE), **headers)[0] == status
    deleted = client.delete(f"/records/{RABAT}", headers=headers)
    assert deleted.status_code == status
    assert quads(app) == before
    # RFC 9110 / 6750: a 401 names the scheme it wants, and says when a bearer token was wrong
    challenge = deleted.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="coopgraph"')
    assert ('error="invalid_token"' in challenge) == headers.get("Authorization", "").startswith(
        "Bearer "
    )


def test_no_token_configured_means_writes_are_off(tmp_path: Path) -> None:
    app = create_app({"STORE": str(tmp_path / "store"), "QUERY_WORKERS": 1})
    try:
        status, body = _put(app.test_client(), SALE, sample(SALE), **AUTH)
        assert status == 403 and "writes are off" in body
    finally:
        pool = app.extensions.get("coopgraph.executor")
        if pool is not None:
            pool.close()


def test_delete_removes_the_record_and_then_404(app: Flask, client: FlaskClient) -> None:
    assert client.delete(f"/records/{RABAT}", headers=AUTH).status_code == 204
    assert client.get(f"/id/partnership/{RABAT}.ttl").status_code == 404
    assert client.delete(f"/records/{RABAT}", headers=AUTH).status_code == 404


def test_both_tokens_write_and_each_is_named(client: FlaskClient) -> None:
    status, _ = _put(client, SALE, sample(SALE), Authorization=f"Bearer {OTHER}")
    assert status == 201
    graph = client.get(f"/graph/partnership/{SALE}.ttl").get_data(as_text=True)
    assert "id/agent/reviewer" in graph


def test_a_page_without_id_cannot_be_created_by_post(app: Flask, client: FlaskClient) -> None:
    before = quads(app)
    response = client.post(
        "/records", data=sample(SALE).encode(), headers={**AUTH, "Content-Type": "text/plain"}
    )
    assert response.status_code == 422 and "PUT it at /records/" in response.get_data(as_text=True)
    assert quads(app) == before


def test_bad_ids_in_urls_are_refused(client: FlaskClient) -> None:
    assert client.delete("/records/..%2Fetc", headers=AUTH).status_code == 404
    assert _put(client, "a b", sample(SALE), **AUTH)[0] == 404


def test_samples_are_the_bundled_pages() -> None:
    assert {path.stem for path in SAMPLES.iterdir()} == {RABAT, SALE}


def test_openapi_describes_every_route_and_renders(app: Flask, client: FlaskClient) -> None:
    described = client.get("/openapi.json").get_json()
    assert described["openapi"].startswith("3.1")
    rules = {
        rule.rule.replace("<identifier>", "{id}").replace("<name>", "{name}")
        for rule in app.url_map.iter_rules()
    }
    for path in ("/sparql", "/validate", "/records", "/records/{id}", "/dumps/{name}"):
        assert path in described["paths"] and path in rules, path
    assert described["paths"]["/records/{id}"]["put"]["security"] == [{"bearer": []}]
    page = client.get("/openapi").get_data(as_text=True)
    assert "PUT /records/{id}" in page and "Authorization: Bearer" in page


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description/></rdf:RDF>"""


@pytest.mark.parametrize(
    ("body", "content_type", "status", "named"),
    [
        (b"x" * (5 * 1024 * 1024 + 10), "text/plain", 413, "limit"),
        (b"<a> <b> <c> .\n<c> <d> <e", "text/turtle", 400, "body:2"),
        (b"{ not json", "application/json", 400, "column"),
        (b"%PDF-1.4", "application/pdf", 415, "text/turtle"),
        (BILLION_LAUGHS.encode(), "application/rdf+xml", 415, "RDF/XML"),
        (
            b'{"@context": "http://127.0.0.1:9/ctx.jsonld", "@id": "x"}',
            "application/ld+json",
            400,
            "context",
        ),
        ("Titre\nCaf\u00e9".encode("latin-1"), "text/plain; charset=utf-8", 400, "UTF-8"),
        (
            b"<https://evil.example/x> a <https://w3id.org/coopgraph/ontology#Partnership> .",
            "text/turtle",
            422,
            "evil.example",
        ),
    ],
    ids=[
        "too-large",
        "bad-turtle",
        "bad-json",
        "media-type",
        "xml-entities",
        "remote-context",
        "bad-utf8",
        "foreign-iris",
    ],
)
def test_bad_input_to_a_write_is_refused_and_changes_nothing(
    app: Flask, client: FlaskClient, body: bytes, content_type: str, status: int, named: str
) -> None:
    before = quads(app)
    response = client.put(
        f"/records/{RABAT}", data=body, headers={**AUTH, "Content-Type": content_type}
    )
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert named.lower() in response.get_data(as_text=True).lower()
    assert quads(app) == before
