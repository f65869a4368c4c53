"""Queries in killable worker processes: answers, bad queries, deadlines, other clients served."""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import SAMPLES
from rdflib import Graph

from bench.validate import descendants, identity, kill_survivors
from coopgraph.converters.to_rdf import ConversionOptions
from coopgraph.errors import QueryError, QueryTimeout, QueryTooLarge
from coopgraph.server.executor import CHUNK, Answer, Job, QueryExecutor
from coopgraph.server.load import load_paths
from coopgraph.server.query_worker import _PipeWriter
from coopgraph.server.store import EmbeddedStore
from coopgraph.server.store.embedded import has_merged_default_graph

JSON = "application/sparql-results+json"
PARTNERSHIPS = (
    "SELECT ?p WHERE { ?p a <https://w3id.org/coopgraph/ontology#Partnership> } ORDER BY ?p"
)
# Four-way cross product of every triple: billions of rows, far beyond any deadline here.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("executor") / "store"
    with EmbeddedStore(path) as store:
        load_paths(sorted(SAMPLES.iterdir()), store, ConversionOptions(), jobs=1)
    return path


@pytest.fixture(scope="module")
def executor(store_path: Path) -> Iterator[QueryExecutor]:
    pool = QueryExecutor(store_path, workers=2, timeout_s=2.0)
    yield pool
    pool.close()


def _json(executor: QueryExecutor, query: str, **dataset: tuple[str, ...]) -> dict[str, object]:
    return json.loads(b"".join(executor.run(Job(query, JSON, **dataset))))  # type: ignore[no-any-return]


def test_select_answers_from_the_union_of_record_graphs(executor: QueryExecutor) -> None:
    rows = _json(executor, PARTNERSHIPS)["results"]["bindings"]  # type: ignore[index]
    assert [r["p"]["value"].rsplit("/", 1)[1] for r in rows] == [
        "rabat-mantes-la-jolie",
        "sale-woippy",
    ]


def test_default_graph_uri_restricts_the_dataset(executor: QueryExecutor) -> None:
    graph = "http://localhost:5000/graph/partnership/sale-woippy"
    rows = _json(executor, PARTNERSHIPS, default_graphs=(graph,))["results"]["bindings"]  # type: ignore[index]
    assert [r["p"]["value"].rsplit("/", 1)[1] for r in rows] == ["sale-woippy"]


def test_construct_streams_turtle(executor: QueryExecutor) -> None:
    body = b"".join(executor.run(Job("CONSTRUCT WHERE { ?s a ?o }", "text/turtle")))
    assert len(Graph().parse(data=body.decode(), format="turtle")) > 10


def test_bad_query_raises_before_any_byte_and_keeps_the_worker(executor: QueryExecutor) -> None:
    with pytest.raises(QueryError):
        next(iter(executor.run(Job("SELEC nothing", JSON))))
    assert _json(executor, "ASK { ?s ?p ?o }")["boolean"] is True


def test_runaway_query_is_stopped_and_the_pool_recovers(executor: QueryExecutor) -> None:
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match="stopped after 2 s"):
        b"".join(executor.run(Job(RUNAWAY, JSON)))
    assert time.monotonic() - started < 15  # the deadline, plus starting a new worker
    assert _json(executor, "ASK { ?s ?p ?o }")["boolean"] is True


#: A server: one worker, a deadline far away, the runaway query; it prints its pid when ready.
RUNAWAY_SERVER = f"""
import os, sys
from pathlib import Path
from coopgraph.server.executor import Job, QueryExecutor
pool = QueryExecutor(Path(sys.argv[1]), workers=1, timeout_s=600)
print(os.getpid(), flush=True)
b"".join(pool.run(Job({RUNAWAY!r}, {JSON!r})))
"""


def test_a_worker_mid_query_ends_when_its_server_is_killed(store_path: Path) -> None:
    """A server killed outright (SIGKILL: no clean-up) leaves no worker running its query."""
    command = [sys.executable, "-c", RUNAWAY_SERVER, str(store_path)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as server:
        try:
            assert server.stdout is not None
            assert int(server.stdout.readline()) == server.pid
            time.sleep(1.5)  # the query is under way
            # the query worker, the resource tracker
            workers = {pid: identity(pid) for pid in descendants(server.pid)[1:]}
            assert workers and all(workers.values())
        finally:
            server.kill()
        # those still running after 10 s are killed: a failing run leaves no runaway query
        assert kill_survivors(workers, 10) == []


def test_other_clients_are_served_while_a_query_runs(executor: QueryExecutor) -> None:
    outcome: list[str] = []

    def runaway() -> None:
        try:
            b"".join(executor.run(Job(RUNAWAY, JSON)))
        except QueryTimeout:
            outcome.append("stopped")

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    assert _json(executor, "ASK { ?s ?p ?o }")["boolean"] is True
    assert time.monotonic() - started < 1.5
    thread.join()
    assert outcome == ["stopped"]


def test_a_query_past_the_memory_cap_stops_its_worker_only(store_path: Path) -> None:
    pool = QueryExecutor(store_path, workers=1, timeout_s=60, memory_mb=400)
    try:
        sort_everything = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?d ?g"
        with pytest.raises(QueryTooLarge, match="more than the 400 MiB"):
            b"".join(pool.run(Job(sort_everything, JSON)))
        assert _json(pool, "ASK { ?s ?p ?o }")["boolean"] is True
    finally:
        pool.close()


STAR = (
    "PREFIX coop: <https://w3id.org/coopgraph/ontology#>\n"
    "SELECT ?theme (COUNT(?p) AS ?n) WHERE { ?p a coop:Partnership ;\n"
    "  <http://purl.org/dc/terms/subject> ?theme } GROUP BY ?theme"
)


def test_star_joins_answer_the_same_and_report_errors_where_the_user_wrote_them(
    executor: QueryExecutor, store_path: Path
) -> None:
    rows = _json(executor, STAR)["results"]["bindings"]  # type: ignore[index]
    plain = ox.Store.read_only(str(store_path))  # pyoxigraph, the query as written
    union = not has_merged_default_graph(plain)
    as_written = plain.query(STAR, use_default_graph_as_union=union)
    assert sorted((r["theme"]["value"], int(r["n"]["value"])) for r in rows) == sorted(
        (row["theme"].value, int(row["n"].value))  # type: ignore[index]
        for row in as_written  # type: ignore[union-attr]
    )
    assert len(rows) > 1
    broken = STAR + "\nORDER BY ?theme LIMT 3"  # a typo on line 4, after the star group
    with pytest.raises(QueryError) as raised:
        next(iter(executor.run(Job(broken, JSON))))
    with (
        EmbeddedStore(store_path, read_only=True) as store,
        pytest.raises(QueryError) as as_written_error,
    ):
        list(store.select(broken))
    assert "error at 4:23" in str(raised.value)  # not where the rewritten text has it
    assert "error at 4:23" in str(as_written_error.value)


def test_a_small_answer_comes_as_its_answer_and_one_piece_and_a_large_one_in_chunks(
    executor: QueryExecutor,
) -> None:
    small = list(executor.run(Job(PARTNERSHIPS, JSON, max_rows=10)))
    assert [type(part) for part in small] == [Answer, bytes]
    assert small[0] == Answer(truncated=False, rows=2)
    big = "CONSTRUCT { ?s ?p ?o . ?o ?p ?s } WHERE { ?s ?p ?o }"
    parts = list(executor.run(Job(big, "application/n-triples")))
    assert len(parts) > 1 and all(len(part) >= CHUNK for part in parts[:-1])
    triples = Graph().parse(data=b"".join(parts).decode(), format="nt")
    assert len(triples) > 2 * CHUNK // 200


def test_a_capped_answer_writes_every_kind_of_term_as_the_uncapped_one(
    executor: QueryExecutor,
) -> None:
    query = """SELECT ?iri ?french ?number ?plain ?unbound ?node WHERE {
      VALUES (?iri ?french ?number ?plain ?unbound) {
        (<urn:x:a> "texte"@fr 3 "mot" UNDEF) (<urn:x:b> "t"@fr-CA 2.5 "" UNDEF) }
      BIND(BNODE() AS ?node) } ORDER BY ?iri"""
    parts = list(executor.run(Job(query, JSON, max_rows=5)))
    assert parts[0] == Answer(truncated=False, rows=2)
    capped = json.loads(b"".join(part for part in parts if isinstance(part, bytes)))
    whole = _json(executor, query)
    nodes = [row.pop("node") for row in capped["results"]["bindings"]]
    assert {node["type"] for node in nodes} == {"bnode"}
    for row in whole["results"]["bindings"]:  # type: ignore[index]
        del row["node"]
    assert capped == whole
    assert capped["results"]["bindings"][0]["number"] == {
        "type": "literal",
        "value": "3",
        "datatype": "http://www.w3.org/2001/XMLSchema#integer",
    }


def test_a_small_answer_crosses_the_pipe_as_one_message_and_a_large_one_in_chunks() -> None:
    worker_end, caller_end = multiprocessing.Pipe()
    small = _PipeWriter(worker_end)
    small.answer = Answer(truncated=False, rows=1)
    small.write(b"row")
    small.end()
    assert caller_end.recv() == ("end", (Answer(truncated=False, rows=1), b"row"))
    assert not caller_end.poll(0.1)  # nothing more: one message in all
    large = _PipeWriter(worker_end)
    large.answer = Answer(truncated=True, rows=9)
    large.write(b"x" * (CHUNK + 1))
    large.write(b"tail")
    large.end()
    received = []
    while caller_end.poll(0.1):
        received.append(caller_end.recv())
    assert received == [
        ("answer", Answer(truncated=True, rows=9)),
        ("data", b"x" * (CHUNK + 1)),
        ("end", (None, b"tail")),
    ]
