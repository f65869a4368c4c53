"""The remote executor against a scripted SPARQL endpoint: deadline, pool, caps, errors.

A tiny HTTP/1.1 server on loopback answers each query as the test says (status, headers, body,
delay), so that what real stores do only sometimes (a slow answer, a silent cap, a 500, a
kept-alive connection closed) happens on purpose. tests/test_serve_remote.py runs the app over
real stores.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from coopgraph.errors import (
    ExecutorBusy,
    NotAcceptable,
    QueryError,
    QueryTimeout,
    StoreError,
    StoreUnavailable,
)
from coopgraph.server.executor import Answer, Job
from coopgraph.server.remote_executor import RemoteExecutor
from coopgraph.server.results_json import first_solutions

JSON = "application/sparql-results+json"


@dataclass
class Reply:
    """What the scripted endpoint answers."""

    body: bytes = b""
    status: int = 200
    media_type: str = JSON
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    close: bool = False  # close the connection after answering


@dataclass
class Script:
    answer: Callable[[dict[str, list[str]], str], Reply]
    requests: list[tuple[dict[str, list[str]], str]] = field(default_factory=list)
    connections: int = 0  # opened by clients


def solutions(count: int) -> bytes:
    rows = [{"n": {"type": "literal", "value": str(n)}} for n in range(count)]
    return json.dumps({"head": {"vars": ["n"]}, "results": {"bindings": rows}}).encode()


@pytest.fixture
def endpoint() -> Iterator[tuple[str, Script]]:
    script = Script(lambda form, accept: Reply(solutions(1)))

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            script.connections += 1

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            form = urllib.parse.parse_qs(self.rfile.read(length).decode())
            accept = self.headers.get("Accept", "")
            script.requests.append((form, accept))
            reply = script.answer(form, accept)
            time.sleep(reply.delay_s)
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.media_type)
                self.send_header("Content-Length", str(len(reply.body)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if reply.close:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                self.wfile.write(reply.body)
            except OSError:
                pass  # the client gave up (a deadline): nothing to do

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sparql", script
    server.shutdown()
    server.server_close()


def run(executor: RemoteExecutor, job: Job) -> tuple[list[Answer], bytes]:
    answers, data = [], b""
    for chunk in executor.run(job):
        if isinstance(chunk, Answer):
            answers.append(chunk)
        else:
            data += chunk
    return answers, data


def test_the_query_goes_by_the_protocol_with_its_dataset(endpoint: tuple[str, Script]) -> None:
    url, script = endpoint
    executor = RemoteExecutor(url)
    job = Job("SELECT * { ?s ?p <x> }", JSON, ("urn:g1",), ("urn:g2",), "http://here/sparql", 10)
    answers, data = run(executor, job)
    assert answers == [Answer(False, 1, None)]
    assert json.loads(data)["results"]["bindings"] == [{"n": {"type": "literal", "value": "0"}}]
    ((form, accept),) = script.requests
    assert form["query"] == ["BASE <http://here/sparql> SELECT * { ?s ?p <x> }"]
    assert form["default-graph-uri"] == ["urn:g1"] and form["named-graph-uri"] == ["urn:g2"]
    assert accept.startswith(f"{JSON},")  # or plain JSON, which some stores say


def test_the_cap_cuts_and_says_so_in_any_format(endpoint: tuple[str, Script]) -> None:
    url, script = endpoint
    script.answer = lambda form, accept: Reply(solutions(500))
    answers, data = run(RemoteExecutor(url), Job("SELECT ?n {}", "text/csv", max_rows=3))
    assert answers == [Answer(True, 3, None)]
    assert data.decode().splitlines() == ["n", "0", "1", "2"]


def test_a_stores_own_silent_cap_is_announced(endpoint: tuple[str, Script]) -> None:
    url, script = endpoint
    script.answer = lambda form, accept: Reply(
        b"n\r\n0\r\n" if accept == "text/csv" else solutions(4),
        media_type=accept.split(",")[0],
        headers={"X-SPARQL-MaxRows": "4"},
    )
    answers, _ = run(RemoteExecutor(url), Job("SELECT ?n {}", JSON, max_rows=10))
    assert answers == [Answer(True, 4, 4)]  # cut at 4 by the store, not at our 10
    uncapped, data = run(RemoteExecutor(url), Job("SELECT ?n {}", "text/csv"))
    assert uncapped == [Answer(True, None, 4)] and data == b"n\r\n0\r\n"  # as the store wrote


def test_ntriples_stands_in_for_nquads(endpoint: tuple[str, Script]) -> None:
    url, script = endpoint
    script.answer = lambda form, accept: Reply(b"<a:s> <a:p> <a:o> .\n", media_type=accept)
    _, data = run(RemoteExecutor(url), Job("CONSTRUCT {} {}", "application/n-quads", max_rows=5))
    assert data == b"<a:s> <a:p> <a:o> .\n"
    assert script.requests[0][1] == "application/n-triples"


def test_connections_are_kept_alive_and_reopened_when_the_store_closed_them(
    endpoint: tuple[str, Script],
) -> None:
    url, script = endpoint
    executor = RemoteExecutor(url, connections=1)
    for _ in range(5):
        run(executor, Job("SELECT ?n {}", JSON, max_rows=10))
    assert script.connections == 1
    script.answer = lambda form, accept: Reply(solutions(1), close=True)
    for _ in range(3):
        assert run(executor, Job("SELECT ?n {}", JSON, max_rows=10))[0] == [Answer(False, 1)]
    assert script.connections == 3  # the first, then one a closed answer


def test_the_deadline_stops_a_slow_store(endpoint: tuple[str, Script]) -> None:
    url, script = endpoint
    script.answer = lambda form, accept: Reply(solutions(1), delay_s=3)
    executor = RemoteExecutor(url, timeout_s=0.5, connections=1)
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        run(executor, Job("SELECT ?n {}", JSON, max_rows=10))
    assert time.monotonic() - started < 1.5
    script.answer = lambda form, accept: Reply(solutions(2))
    assert run(executor, Job("SELECT ?n {}", JSON, max_rows=10))[0] == [Answer(False, 2)]


def test_no_free_connection_in_time_is_busy(endpoint: tuple[str, Script]) -> None:
    url, script = endpoint
    script.answer = lambda form, accept: Reply(solutions(20_000))  # more than one chunk
    executor = RemoteExecutor(url, timeout_s=0.5, connections=1)
    reading = executor.run(Job("SELECT ?n {}", JSON))
    next(reading)  # a client reading slowly holds the one connection
    started = time.monotonic()
    with pytest.raises(ExecutorBusy):
        run(executor, Job("SELECT ?n {}", JSON))
    assert 0.4 < time.monotonic() - started < 1.0
    reading.close()  # the client went away: its connection serves again
    assert run(executor, Job("SELECT ?n {}", JSON, max_rows=1))[0] == [Answer(True, 1)]


@pytest.mark.parametrize(
    ("reply", "error", "status"),
    [
        (Reply(b"Parse error at 1:10", 400, "text/plain"), QueryError, 400),
        (Reply(b"Virtuoso 37000 Error SQ156", 500, "text/plain"), StoreError, 503),
        (Reply(b"not here", 404, "text/html"), StoreUnavailable, 503),
        (Reply(b"cannot write it", 406, "text/plain"), NotAcceptable, 406),
        (Reply(b"<html>a login page</html>", 200, "text/html"), StoreError, 503),
        (Reply(b"Virtuoso error", 200, JSON), StoreError, 503),
    ],
)
def test_what_a_store_says_becomes_our_error(
    endpoint: tuple[str, Script], reply: Reply, error: type[Exception], status: int
) -> None:
    url, script = endpoint
    script.answer = lambda form, accept: reply
    with pytest.raises(error) as raised:
        run(RemoteExecutor(url), Job("SELECT ?n {}", JSON, max_rows=10))
    assert raised.value.status == status  # type: ignore[attr-defined]
    if reply.status in (400, 500):
        assert reply.body.decode() in str(raised.value)  # what the store said


def test_an_unreachable_store_is_unavailable() -> None:
    from servers import free_port

    url = f"http://127.0.0.1:{free_port()}/sparql"
    with pytest.raises(StoreUnavailable, match="cannot reach the SPARQL store"):
        run(RemoteExecutor(url), Job("ASK {}", JSON))


def test_writes_and_changes_seen_move_the_generation(endpoint: tuple[str, Script]) -> None:
    url, script = endpoint
    state = {"graphs": "2"}
    script.answer = lambda form, accept: Reply(
        json.dumps(
            {
                "head": {"vars": ["graphs"]},
                "results": {"bindings": [{"graphs": {"value": state["graphs"], "type": "uri"}}]},
            }
        ).encode()
    )
    executor = RemoteExecutor(url, check_s=0.1)
    with executor.exclusive():
        pass
    assert executor.generation == 1
    time.sleep(0.35)
    assert executor.generation == 1  # the store did not change
    state["graphs"] = "3"  # a load beside the server
    deadline = time.monotonic() + 3
    while executor.generation == 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert executor.generation == 2
    executor.close()


def test_a_store_that_does_not_tell_its_state_lets_no_answer_be_kept(
    endpoint: tuple[str, Script],
) -> None:
    """A stalled store (a checkpoint) may hide a change: each reading is a new generation."""
    url, script = endpoint
    stalled = threading.Event()
    script.answer = lambda form, accept: Reply(
        solutions(1), delay_s=2.0 if stalled.is_set() else 0.0
    )
    executor = RemoteExecutor(url, check_s=0.1)
    time.sleep(0.35)
    steady = executor.generation
    assert executor.generation == steady  # the store tells its state: answers may be kept
    stalled.set()
    time.sleep(0.6)  # more than STALE_LOOKS intervals without a state
    first = executor.generation
    assert executor.generation != first
    stalled.clear()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:  # told again: the generation settles
        settled = executor.generation
        time.sleep(0.15)
        if executor.generation == settled:
            break
    else:
        pytest.fail("the generation never settled once the store told its state again")
    executor.close()


def test_json_results_are_read_only_up_to_the_cap() -> None:
    served: list[int] = []

    def chunks() -> Iterator[bytes]:
        data = solutions(100_000)
        for start in range(0, len(data), 1000):
            served.append(start)
            yield data[start : start + 1000]

    found = first_solutions(chunks(), 5)
    assert found.more and len(found.bindings) == 5 and found.variables == ["n"]
    assert len(served) == 1  # the rest was never read


def test_virtuoso_terms_are_normalised() -> None:
    document = (
        b'{ "head": { "link": [], "vars": ["x", "b", "c"] }, "results": { "distinct": false, '
        b'"bindings": [ { "x": { "type": "typed-literal", "datatype": '
        b'"http://www.w3.org/2001/XMLSchema#integer", "value": "1" }\t, "b": { "type": "bnode", '
        b'"value": "nodeID://b10001" }, "c": { "type": "bnode", '
        b'"value": "nodeID://b10001" } } ] } }'
    )
    found = first_solutions(iter([document[i : i + 7] for i in range(0, len(document), 7)]), 9)
    (row,) = found.bindings
    assert row["x"] == {
        "type": "literal",
        "value": "1",
        "datatype": "http://www.w3.org/2001/XMLSchema#integer",
    }
    assert row["b"] == row["c"] == {"type": "bnode", "value": "b0"}
    assert not found.more
