"""Answers kept in memory: repeats are hits with the same bytes, writes are seen at once.

Through Flask's test client over a real embedded store, real query workers and real writes (as
tests/test_records.py does); the cache is looked at through the app's `ResultCache`.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import count_answer, sample
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from coopgraph.server.app import create_app
from coopgraph.server.cache import ResultCache
from coopgraph.server.executor import Answer, Job

TOKEN = "editor-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/plain; charset=utf-8"}
RABAT = "rabat-mantes-la-jolie"
SALE = "sale-woippy"
JSON = "application/sparql-results+json"
PARTNERSHIP = "<https://w3id.org/coopgraph/ontology#Partnership>"
COUNT = f"SELECT (COUNT(?p) AS ?n) WHERE {{ ?p a {PARTNERSHIP} }}"
# Pairs of triples: 4 MB of N-Triples, sent in many chunks.
BIG = (
    "CONSTRUCT { ?a <urn:x:near> ?l } "
    'WHERE { ?a ?b ?c . ?d ?e ?f BIND(CONCAT(STR(?c), " ", STR(?f)) AS ?l) } LIMIT 20000'
)
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def _app(path: Path, **config: Any) -> Flask:
    app = create_app(
        {
            "STORE": str(path / "store"),
            "QUERY_WORKERS": 2,
            "QUERY_TIMEOUT_S": 2,
            "TOKENS": f"editor:{TOKEN}",
            **config,
        }
    )
    created = app.test_client().put(f"/records/{RABAT}", data=sample(RABAT).encode(), headers=AUTH)
    assert created.status_code == 201, created.get_data(as_text=True)
    return app


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    app = _app(tmp_path)
    yield app
    app.extensions["coopgraph.executor"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def cache(app: Flask) -> ResultCache:
    """The app's cache of answers."""
    with app.app_context():
        from coopgraph.server.queries import results

        return results()


def query(client: FlaskClient, text: str, **parameters: str) -> TestResponse:
    """The answer, read whole (an answer is kept once its last byte has gone)."""
    headers = {"Accept": parameters.pop("accept")} if "accept" in parameters else {}
    response = client.get("/sparql", query_string={"query": text, **parameters}, headers=headers)
    response.get_data()
    return response


def without_cache_header(response: TestResponse) -> dict[str, str]:
    return {key: value for key, value in response.headers.items() if key != "Coopgraph-Cache"}


def test_a_repeat_is_a_hit_with_the_same_bytes_and_headers(client: FlaskClient) -> None:
    first = query(client, COUNT)
    again = query(client, COUNT)
    assert first.headers["Coopgraph-Cache"] == "miss" and again.headers["Coopgraph-Cache"] == "hit"
    assert again.data == first.data and count_answer(again) == 1
    assert without_cache_header(again) == without_cache_header(first)
    assert first.headers["Coopgraph-Truncated"] == "false"  # the announcement is kept too
    assert "Coopgraph-Cache" in again.headers["Access-Control-Expose-Headers"]


def test_what_changes_the_bytes_makes_another_entry(app: Flask, client: FlaskClient) -> None:
    assert query(client, COUNT).headers["Coopgraph-Cache"] == "miss"
    graph = f"{app.config['BASE']}graph/partnership/{RABAT}"
    variants = [
        {"accept": "text/csv"},
        {"format": "tsv"},
        {"format": "xml"},
        {"default-graph-uri": graph},
        {"named-graph-uri": graph},
        {"query": COUNT + " # the same query, other text"},
    ]
    for parameters in variants:
        text = parameters.pop("query", COUNT)
        first, again = query(client, text, **parameters), query(client, text, **parameters)
        assert (first.headers["Coopgraph-Cache"], again.headers["Coopgraph-Cache"]) == (
            "miss",
            "hit",
        ), parameters
        assert again.data == first.data and again.mimetype == first.mimetype
    assert query(client, COUNT, accept="text/csv").data == b"n\r\n1\r\n"
    assert len(cache(app)) == 1 + len(variants)


def test_the_row_cap_is_part_of_the_key(app: Flask) -> None:
    every = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    with app.app_context():
        from coopgraph.server.queries import results

        for cap, truncated in ((1, True), (10**6, False), (1, True)):
            chunks, kept = results().run(Job(every, JSON, max_rows=cap))
            answer = next(chunks)
            assert isinstance(answer, Answer) and answer.truncated is truncated
            rows = json.loads(b"".join(c for c in chunks if isinstance(c, bytes)))
            assert (len(rows["results"]["bindings"]) == 1) is truncated
            # the third asks the first again
            assert (kept is not None) is (cap == 1 and len(results()) == 2)


def test_a_write_is_seen_by_the_next_query(app: Flask, client: FlaskClient) -> None:
    assert count_answer(query(client, COUNT)) == 1
    assert query(client, COUNT).headers["Coopgraph-Cache"] == "hit"
    home = client.get("/").get_data(as_text=True)  # the pages' own queries are kept too
    assert '<dd id="count-partnerships">1</dd>' in home
    stored = client.put(f"/records/{SALE}", data=sample(SALE).encode(), headers=AUTH)
    assert stored.status_code == 201
    after = query(client, COUNT)
    assert after.headers["Coopgraph-Cache"] == "miss" and count_answer(after) == 2
    assert '<dd id="count-partnerships">2</dd>' in client.get("/").get_data(as_text=True)
    assert client.delete(f"/records/{SALE}", headers=AUTH).status_code == 204
    assert count_answer(query(client, COUNT)) == 1


def test_an_answer_begun_before_a_write_is_not_kept_after_it(
    app: Flask, client: FlaskClient
) -> None:
    """The generation is taken when the query is asked: if a write comes before it runs, it
    runs on the new store, yet is not kept, as it might equally have run on the old one."""
    with app.app_context():
        from coopgraph.server.queries import results

        job = Job(COUNT, JSON)
        asked, _ = results().run(job)
        stored = client.put(f"/records/{SALE}", data=sample(SALE).encode(), headers=AUTH)
        assert stored.status_code == 201
        body = b"".join(chunk for chunk in asked if isinstance(chunk, bytes))
        assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == "2"
        assert results().lookup(job) is None


def test_a_query_running_across_a_write_is_never_served_after_it(
    app: Flask, client: FlaskClient
) -> None:
    """A query holding a worker while a write waits: its answer is the old store's, and must
    not be what a client gets once the write is acknowledged."""
    with app.app_context():
        from coopgraph.server.queries import results

        job = Job(COUNT + " # running", JSON)
        running, _ = results().run(job)
        first = next(running)  # a worker is now held by this query
        outcome: list[int] = []

        def write() -> None:
            response = app.test_client().put(
                f"/records/{SALE}", data=sample(SALE).encode(), headers=AUTH
            )
            outcome.append(response.status_code)

        writer = threading.Thread(target=write)
        writer.start()
        time.sleep(0.5)
        assert not outcome  # the write waits for the query's worker
        body = first + b"".join(chunk for chunk in running if isinstance(chunk, bytes))  # type: ignore[operator]
        writer.join(60)
        assert outcome == [201]
        assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == "1"
        assert results().lookup(job) is None
    after = query(client, COUNT + " # running")
    assert after.headers["Coopgraph-Cache"] == "miss" and count_answer(after) == 2


def test_an_answer_over_the_entry_limit_streams_whole_and_is_not_kept(tmp_path: Path) -> None:
    app = _app(tmp_path, RESULT_CACHE_MB=1)  # an entry may take 128 KiB
    try:
        client = app.test_client()
        first = query(client, BIG, format="ntriples")
        again = query(client, BIG, format="ntriples")
        assert len(first.data) > 1024 * 1024 and again.data == first.data
        assert again.headers["Coopgraph-Cache"] == "miss"
        assert len(cache(app)) == 0
        assert query(client, COUNT).headers["Coopgraph-Cache"] == "miss"
        assert query(client, COUNT).headers["Coopgraph-Cache"] == "hit"
    finally:
        app.extensions["coopgraph.executor"].close()


def test_a_client_gone_midway_leaves_nothing_kept(app: Flask, client: FlaskClient) -> None:
    response = client.get(
        "/sparql", query_string={"query": BIG, "format": "ntriples"}, buffered=False
    )
    assert response.headers["Coopgraph-Cache"] == "miss"
    stream = iter(response.response)
    assert next(stream)
    response.close()  # what the server does when the client hangs up
    assert len(cache(app)) == 0
    assert count_answer(query(client, COUNT)) == 1  # the abandoned worker was replaced


def test_failed_and_timed_out_queries_are_not_kept(app: Flask, client: FlaskClient) -> None:
    assert query(client, "SELEC nothing").status_code == 400
    timed_out = query(client, RUNAWAY)
    assert timed_out.status_code == 503 and "stopped after 2 s" in timed_out.get_data(as_text=True)
    assert len(cache(app)) == 0
    assert query(client, "SELEC nothing").status_code == 400


def _first(rows: int) -> str:
    return f"SELECT ?p WHERE {{ ?s ?p ?o }} LIMIT {rows}"


def test_eviction_keeps_the_total_under_the_bound(tmp_path: Path) -> None:
    app = _app(tmp_path, RESULT_CACHE_MB=0.02)
    try:
        client, kept = app.test_client(), cache(app)
        assert (kept.max_bytes, kept.entry_bytes) == (20_971, 2_621)
        sizes = []
        for rows in range(1, 41):
            sizes.append(len(query(client, _first(rows)).data))
            assert kept.size <= kept.max_bytes
            assert kept.size == sum(entry.weight for entry in kept._entries.values())
        small = sum(size + 700 <= kept.entry_bytes for size in sizes)  # a key weighs ~700 bytes
        assert small > 10 and len(kept) < small  # some were evicted
        assert query(client, _first(1)).headers["Coopgraph-Cache"] == "miss"  # the oldest went
        assert query(client, _first(3)).headers["Coopgraph-Cache"] == "miss"
        for rows in range(4, 12):  # the least recently used goes, not the one just asked
            query(client, _first(3))
            query(client, _first(rows))
        assert query(client, _first(3)).headers["Coopgraph-Cache"] == "hit"
    finally:
        app.extensions["coopgraph.executor"].close()


def test_zero_turns_the_cache_off(tmp_path: Path) -> None:
    app = _app(tmp_path, RESULT_CACHE_MB=0)
    try:
        client = app.test_client()
        first, again = query(client, COUNT), query(client, COUNT)
        assert again.data == first.data
        assert again.headers["Coopgraph-Cache"] == "miss"
        assert len(cache(app)) == 0
    finally:
        app.extensions["coopgraph.executor"].close()


def test_the_size_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("COOPGRAPH_RESULT_CACHE_MB", "0.5")
    app = create_app({"STORE": str(tmp_path / "store")})
    assert app.config["RESULT_CACHE_MB"] == 0.5
    monkeypatch.delenv("COOPGRAPH_RESULT_CACHE_MB")
    assert create_app({"STORE": str(tmp_path / "store")}).config["RESULT_CACHE_MB"] == 64


def test_a_small_answer_is_sent_whole_with_its_length_and_a_large_one_streams(
    client: FlaskClient,
) -> None:
    small = client.get("/sparql", query_string={"query": COUNT}, buffered=False)
    assert int(small.headers["Content-Length"]) == len(small.get_data())
    assert count_answer(small) == 1
    large = client.get("/sparql", query_string={"query": BIG, "format": "ntriples"}, buffered=False)
    assert "Content-Length" not in large.headers  # chunked: sent as it comes
    assert len(large.get_data()) > 1024 * 1024
