"""Slow-loris clients against a live `coopgraph serve` (gunicorn) on loopback.

More slow connections than the server has threads, each sending a request's headers, or its
body, a byte a second: each gets a 408 (a 401 first if its token is wrong) and is closed once
COOPGRAPH_REQUEST_TIMEOUT_S has passed since a thread began reading it; a normal client is
answered meanwhile and right after; nothing is stored. The deadline is for reading requests
only: a large answer read slowly by its client is not cut.
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import select
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from conftest import sample
from servers import coopgraph_server

TOKEN = "slowloris-token-0123456789abcdef"
TIMEOUT_S = 2
THREADS = 8  # `coopgraph serve --threads`' default
SLOW = 12  # more than THREADS: the last four wait for a thread, then get their own deadline
#: The longest a slow connection may stay open from its first byte: a wait for a thread behind
#: the first THREADS ones (one deadline), its own deadline, and a margin for a loaded machine.
HELD_AT_MOST = 2 * TIMEOUT_S + 1.5
ALL_QUADS = "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
RECORD = "slow"  # the id every slow client tries to write


def _put_head(length: int, token: str = TOKEN) -> bytes:
    return (
        f"PUT /records/{RECORD} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


@dataclass
class SlowClient:
    """A raw connection sending the rest of its request a byte a second, and what it got."""

    sock: socket.socket
    rest: bytes
    opened: float
    answer: bytes = b""
    closed_after: float | None = None  # seconds from its first byte to the server closing it

    @classmethod
    def open(cls, port: int, sent: bytes, rest: bytes) -> SlowClient:
        """Connect and send `sent` at once; `rest` goes a byte at a time."""
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.sendall(sent)
        sock.setblocking(False)
        return cls(sock, rest, time.monotonic())

    def _closed(self) -> None:
        if self.closed_after is None:
            self.closed_after = time.monotonic() - self.opened

    def send_byte(self) -> None:
        """The next byte of the request, while the server keeps the connection."""
        if self.closed_after is None and self.rest:
            try:
                self.sock.send(self.rest[:1])
                self.rest = self.rest[1:]
            except OSError:  # the server closed it: a reset or a broken pipe
                self._closed()

    def receive(self) -> None:
        """What the server sent; an end of stream (or a reset) means it closed the connection."""
        try:
            data = self.sock.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        self.answer += data
        if not data:
            self._closed()


def _trickle(clients: list[SlowClient], seconds: float) -> None:
    """Send each open client's next byte every second; watch for the server closing them."""
    start = time.monotonic()
    next_byte = start + 1
    while time.monotonic() < start + seconds:
        open_ones = [client for client in clients if client.closed_after is None]
        if not open_ones:
            return
        wait = max(0.0, min(next_byte - time.monotonic(), 0.1))
        readable, _, _ = select.select([client.sock for client in open_ones], [], [], wait)
        for client in open_ones:
            if client.sock in readable:
                client.receive()
        if time.monotonic() >= next_byte:
            next_byte += 1
            for client in open_ones:
                client.send_byte()


def _get(url: str, accept: str = "application/sparql-results+json") -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _quads(endpoint: str) -> list[tuple[str, ...]]:
    status, body = _get(endpoint + "?" + urllib.parse.urlencode({"query": ALL_QUADS}))
    assert status == 200, body
    rows = json.loads(body)["results"]["bindings"]
    return sorted(tuple(row[name]["value"] for name in ("g", "s", "p", "o")) for row in rows)


def _put(site: str, identifier: str) -> int:
    request = urllib.request.Request(
        f"{site}/records/{identifier}",
        data=sample("sale-woippy").encode(),
        method="PUT",
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/plain; charset=utf-8"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live server with one record, a 2 s request deadline and a write token."""
    env = {"COOPGRAPH_TOKENS": f"load:{TOKEN}", "COOPGRAPH_REQUEST_TIMEOUT_S": str(TIMEOUT_S)}
    with coopgraph_server(tmp_path_factory.mktemp("slowloris") / "store", env=env) as url:
        assert _put(url.removesuffix("/sparql"), "reference") == 201
        yield url


def test_slow_clients_are_cut_off_while_others_are_served(endpoint: str) -> None:
    site = endpoint.removesuffix("/sparql")
    port = int(urllib.parse.urlsplit(endpoint).port or 80)
    before = _quads(endpoint)
    body = sample("sale-woippy").encode()[:1000]
    head, unknown = _put_head(len(body)), _put_head(len(body), "not-a-token-0123456789abcdef")
    # A third send their headers slowly, a third their body; the last third send their body
    # slowly with an unknown token: a 401 at once, then gunicorn drains their body, in time.
    kinds = [(head[:1], head[1:], b"408"), (head, body, b"408"), (unknown, body, b"401")]
    clients = [SlowClient.open(port, *kinds[n % 3][:2]) for n in range(SLOW)]
    watcher = threading.Thread(target=_trickle, args=(clients, HELD_AT_MOST + 3))
    watcher.start()
    try:
        time.sleep(0.2)
        started = time.monotonic()
        status, answer = _get(endpoint + "?query=ASK%7B%7D")
        meanwhile = time.monotonic() - started
    finally:
        watcher.join()
    try:
        started = time.monotonic()
        after_status, _ = _get(endpoint + "?query=ASK%7B%7D")
        after = time.monotonic() - started  # the slow sockets are still open on our side
    finally:
        for client in clients:
            client.sock.close()
    held = [client.closed_after for client in clients]
    print(
        f"slow connections held {min(h or 99 for h in held):.2f}-{max(h or 99 for h in held):.2f}"
        f" s; a normal query answered in {meanwhile:.2f} s meanwhile, {after:.2f} s after"
    )
    assert status == 200 and json.loads(answer)["boolean"] is True
    assert meanwhile < TIMEOUT_S + 1.5, "the normal client waited for more than one deadline"
    assert after_status == 200 and after < 1, "closing the slow connections stalls the server"
    for number, client in enumerate(clients):
        assert client.closed_after is not None, f"slow connection {number} is still open"
        assert client.closed_after < HELD_AT_MOST, (number, client.closed_after)
        status_line = b"HTTP/1.1 " + kinds[number % 3][2]
        assert client.answer.startswith(status_line), (number, client.answer[:300])
        if status_line.endswith(b"408"):
            assert b"COOPGRAPH_REQUEST_TIMEOUT_S" in client.answer, client.answer
    assert _quads(endpoint) == before
    assert _get(f"{site}/id/partnership/{RECORD}.ttl", "text/turtle")[0] == 404
    assert _put(site, RECORD) == 201  # the writer was never held by the slow writes


def test_a_large_answer_read_slowly_is_not_cut(endpoint: str) -> None:
    """The deadline is for reading requests: a client reading slowly still gets every row."""
    rows = 20_000  # about 7 MB of CSV: far more than the socket buffers hold
    query = f"SELECT * WHERE {{ ?a ?b ?c . ?d ?e ?f }} LIMIT {rows}"
    split = urllib.parse.urlsplit(endpoint)
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window
        sock.settimeout(30)
        sock.connect((split.hostname, split.port))
        target = f"{split.path}?{urllib.parse.urlencode({'query': query})}"
        sock.sendall(
            f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/csv\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        response = http.client.HTTPResponse(sock, method="GET")
        response.begin()
        assert response.status == 200
        first = response.read(4096)
        time.sleep(TIMEOUT_S + 1)  # the server is blocked writing the rest meanwhile
        text = (first + response.read()).decode()
    assert len(list(csv.reader(io.StringIO(text)))) == rows + 1  # the header and every row
