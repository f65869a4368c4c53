"""Queries sent to a remote SPARQL 1.1 store (Virtuoso, Oxigraph server, Fuseki), run as the
embedded store's workers run them: the same deadline, row cap and errors, a few at a time.

Each query is one SPARQL 1.1 Protocol request (POST form, the job's dataset as
`default-graph-uri` / `named-graph-uri`, the job's base IRI as a `BASE` before the query) on one
of `connections` kept-alive HTTP connections; no free connection within the deadline is
`ExecutorBusy`. The answer streams back as the store writes it, in the media type asked for
(a CONSTRUCT's N-Quads are its N-Triples and its TriG its Turtle, as a graph has no graph
names: Virtuoso writes neither). A capped SELECT or ASK asks the store for JSON, reads it only
up to the cap (server/results_json.py) and writes the wanted format itself, as the embedded
workers do; a store's own silent cap (Virtuoso's `X-SPARQL-MaxRows`) is announced the same
way. At the deadline the connection is closed: the store stops sending, and should stop
computing (give it its own timeout: `oxigraph serve --timeout-s`, Virtuoso's
MaxQueryExecutionTime).

The store can change behind the app's back (`coopgraph load --endpoint`, another server): every
`check_s` seconds a small query reads its state (`STATE_QUERY`), and `generation` moves on when
it changed, so that no kept answer outlives it by more than that. While the store does not tell
its state (stalled in a checkpoint, unreachable), every reading of `generation` is a new one:
nothing is kept or reused until it does again.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import logging
import queue
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator

from coopgraph.errors import (
    CoopgraphError,
    ExecutorBusy,
    NotAcceptable,
    QueryError,
    StoreError,
    StoreUnavailable,
)
from coopgraph.server.executor import CHUNK, Answer, Job, stopped_after
from coopgraph.server.results_json import first_solutions
from coopgraph.server.store.base import STATE_QUERY

JSON = "application/sparql-results+json"
#: What to ask a store for, for a media type we want: a graph has no graph names, so N-Triples
#: is the N-Quads and the TriG of a CONSTRUCT (and Virtuoso writes neither).
ASKED = {"application/n-quads": "application/n-triples", "application/trig": "text/turtle"}
#: What a store may answer for a media type we ask for: a part of the format is the format.
ACCEPTED = {
    JSON: (JSON, "application/json"),
    "text/turtle": ("text/turtle", "application/n-triples"),
}
#: What a failing store said, at most, in the error we raise.
MESSAGE_CHARS = 500
#: Intervals without a state from the store after which no kept answer is trusted.
STALE_LOOKS = 3

log = logging.getLogger(__name__)


def _accept(media_type: str) -> str:
    """The Accept header asking for `media_type`, or for what may stand in for it."""
    wanted, *others = _accepted(media_type)
    return ", ".join([wanted, *(f"{other};q=0.{9 - i}" for i, other in enumerate(others))])


def _accepted(media_type: str) -> tuple[str, ...]:
    """The media types a store's answer may have when asked for `media_type`."""
    return ACCEPTED.get(media_type, (media_type,))


class _Exchange:
    """One request on a pooled connection, and its answer read within the deadline."""

    def __init__(self, connection: http.client.HTTPConnection, deadline: float, url: str) -> None:
        self.connection = connection
        self.deadline = deadline
        self.url = url
        self.sock: socket.socket | None = None
        self.response: http.client.HTTPResponse | None = None
        self.complete = False  # the answer was read to its end: the connection can be reused

    def _remaining(self, timeout_s: float) -> float:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise stopped_after(timeout_s)
        return remaining

    def send(self, path: str, body: bytes, accept: str, timeout_s: float) -> None:
        """POST the form; a kept-alive connection the store had closed is opened again, once."""
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": accept,
            "User-Agent": "coopgraph",
        }
        for attempt in range(2):
            reused = self.connection.sock is not None
            self.connection.timeout = self._remaining(timeout_s)
            try:
                if reused:
                    self.connection.sock.settimeout(self.connection.timeout)
                self.connection.request("POST", path, body=body, headers=headers)
                self.sock = self.connection.sock
                self.response = self.connection.getresponse()
                return
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()
                if not reused or attempt:
                    raise

    def read(self, timeout_s: float) -> bytes:
        """The next bytes of the answer (b'' at its end), by the deadline."""
        assert self.response is not None
        if self.sock is not None:
            self.sock.settimeout(self._remaining(timeout_s))
        chunk = self.response.read1(CHUNK)
        if not chunk:
            self.complete = True
            self.response.close()  # http.client sends no other request before
        return chunk

    def chunks(self, timeout_s: float) -> Iterator[bytes]:
        """The answer's bytes until its end."""
        while chunk := self.read(timeout_s):
            yield chunk

    def failure(self, timeout_s: float) -> CoopgraphError:
        """The error a non-200 answer means, with what the store said."""
        assert self.response is not None
        status = self.response.status
        said = b""
        with contextlib.suppress(OSError, http.client.HTTPException, CoopgraphError):
            while len(said) < 4 * MESSAGE_CHARS and (chunk := self.read(timeout_s)):
                said += chunk
        text = " ".join(said.decode("utf-8", "replace").split())[:MESSAGE_CHARS]
        if status == 400:
            return QueryError(f"the store refused the query: {text or 'no reason given'}")
        if status == 406:
            return NotAcceptable(f"the store at {self.url} cannot write this media type: {text}")
        if status == 404:
            return StoreUnavailable(
                f"no SPARQL endpoint at {self.url} (HTTP 404)", hint="check COOPGRAPH_ENDPOINT"
            )
        return StoreError(
            f"the store at {self.url} answered HTTP {status}: {text or 'no reason given'}",
            hint="see its logs; try again shortly",
        )


class RemoteExecutor:
    """A pool of `connections` HTTP connections to one SPARQL 1.1 query endpoint."""

    def __init__(
        self,
        endpoint: str,
        *,
        connections: int = 8,
        timeout_s: float = 30.0,
        check_s: float = 0,
    ) -> None:
        url = urllib.parse.urlsplit(endpoint)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise StoreUnavailable(
                f"{endpoint!r} is not the http(s) URL of a SPARQL endpoint",
                hint="set COOPGRAPH_ENDPOINT (coopgraph serve --endpoint) to the query URL",
            )
        self.endpoint = endpoint
        self.timeout_s = timeout_s
        self._url = url
        self._path = (url.path or "/") + (f"?{url.query}" if url.query else "")
        self._generation = 0
        self._lock = threading.Lock()
        self._check_s = check_s
        self._told_at = time.monotonic()  # when the store last told its state
        self._idle: queue.LifoQueue[http.client.HTTPConnection] = queue.LifoQueue()
        for _ in range(connections):
            self._idle.put(self._connection())
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        if check_s > 0:
            self._watcher = threading.Thread(
                target=self._watch, args=(check_s,), name="coopgraph-store-watch", daemon=True
            )
            self._watcher.start()

    def _connection(self) -> http.client.HTTPConnection:
        https = self._url.scheme == "https"
        kind = http.client.HTTPSConnection if https else http.client.HTTPConnection
        return kind(self._url.hostname or "", self._url.port, timeout=self.timeout_s)

    @property
    def generation(self) -> int:
        """Which state of the store answers come from: one more after each write or change seen,
        and one more at each reading while the store has not told its state for `STALE_LOOKS`
        intervals (a change may be hiding there)."""
        if self._check_s > 0 and time.monotonic() - self._told_at > STALE_LOOKS * self._check_s:
            self._next_generation()
        return self._generation

    def _next_generation(self) -> None:
        with self._lock:
            self._generation += 1

    def _body(self, job: Job) -> bytes:
        text = f"BASE <{job.base_iri}> {job.query}" if job.base_iri else job.query
        fields = [("query", text)]
        fields += [("default-graph-uri", iri) for iri in job.default_graphs]
        fields += [("named-graph-uri", iri) for iri in job.named_graphs]
        return urllib.parse.urlencode(fields).encode("utf-8")

    def run(self, job: Job) -> Iterator[bytes | Answer]:
        """The answer's bytes, streamed; raises before the first chunk for a bad query.

        A capped SELECT (or a store that cut the answer itself) first yields an `Answer`.
        """
        deadline = time.monotonic() + self.timeout_s
        try:
            connection = self._idle.get(timeout=self.timeout_s)
        except queue.Empty as error:
            raise ExecutorBusy(
                f"every connection to the store is busy after {self.timeout_s:.0f} s",
                hint="try again shortly",
            ) from error
        exchange = _Exchange(connection, deadline, self.endpoint)
        done = False
        try:
            yield from self._exchange(exchange, job)
            done = True
        except TimeoutError as error:
            raise stopped_after(self.timeout_s) from error
        except (OSError, http.client.HTTPException) as error:
            raise StoreUnavailable(
                f"cannot reach the SPARQL store at {self.endpoint}: {error}",
                hint="check that it is running and COOPGRAPH_ENDPOINT",
            ) from error
        finally:
            if not (done and exchange.complete):
                connection.close()  # an answer left unread: the next query opens a new one
            self._idle.put(connection)

    def _exchange(self, exchange: _Exchange, job: Job) -> Iterator[bytes | Answer]:
        from coopgraph.server.store.embedded import RESULT_WRITERS

        cap = job.max_rows is not None and job.media_type in RESULT_WRITERS
        asked = JSON if cap else ASKED.get(job.media_type, job.media_type)
        exchange.send(self._path, self._body(job), _accept(asked), self.timeout_s)
        response = exchange.response
        assert response is not None
        if response.status != 200:
            raise exchange.failure(self.timeout_s)
        media_type = (response.getheader("Content-Type") or "").split(";")[0].strip().lower()
        if media_type not in _accepted(asked):
            raise StoreError(
                f"the store at {self.endpoint} answered {media_type or 'no media type'} "
                f"when asked for {asked}",
                hint="it may not be a SPARQL 1.1 endpoint: check COOPGRAPH_ENDPOINT",
            )
        store_cap = response.getheader("X-SPARQL-MaxRows")  # Virtuoso's ResultSetMaxRows
        if cap:
            assert job.max_rows is not None
            yield from self._capped(exchange, job, job.max_rows, store_cap)
            return
        if store_cap and store_cap.isdigit():
            yield Answer(True, None, int(store_cap))
        yield from exchange.chunks(self.timeout_s)

    def _capped(
        self, exchange: _Exchange, job: Job, max_rows: int, store_cap: str | None
    ) -> Iterator[bytes | Answer]:
        """At most `max_rows` solutions, written as the job wants: the embedded workers' way."""
        import pyoxigraph as ox

        from coopgraph.server.store.embedded import RESULT_WRITERS

        chunks = exchange.chunks(self.timeout_s)
        try:
            found = first_solutions(chunks, max_rows)
        except ValueError as error:
            raise StoreError(
                f"the store at {self.endpoint} sent results that are not SPARQL JSON: {error}"
            ) from error
        if not found.more:
            for _ in chunks:  # what follows the document (a newline): the connection is reused
                pass
        data = found.to_json()
        if found.boolean is None:
            cut_by_store = bool(store_cap and store_cap.isdigit() and not found.more)
            limit = int(store_cap) if cut_by_store and store_cap else None
            yield Answer(found.more or cut_by_store, len(found.bindings), limit)
        if job.media_type == JSON:
            yield data
            return
        output = io.BytesIO()
        ox.parse_query_results(data, ox.QueryResultsFormat.JSON).serialize(
            output, RESULT_WRITERS[job.media_type]
        )
        yield output.getvalue()

    def _small_answer(self, query: str) -> bytes:
        """The JSON answer to one of the app's own queries (an ASK, one row)."""
        chunks = self.run(Job(query, JSON, max_rows=1))
        return b"".join(chunk for chunk in chunks if isinstance(chunk, bytes))

    def ask(self, query: str) -> bool:
        """The answer of an ASK (for the app's own checks)."""
        return json.loads(self._small_answer(query)).get("boolean") is True

    def check_union_default_graph(self) -> None:
        """StoreError when records are in named graphs but not in the default graph.

        The app's queries read the default graph as the union of the record graphs: Virtuoso's
        is (with its own system graphs), `oxigraph serve`'s only with --union-default-graph.
        """
        topic = "<http://xmlns.com/foaf/0.1/primaryTopic>"
        if self.ask(f"ASK {{ GRAPH ?g {{ ?g {topic} ?record }} }}") and not self.ask(
            f"ASK {{ ?g {topic} ?record }}"
        ):
            raise StoreError(
                f"the default graph of the store at {self.endpoint} is not the union of its "
                "named graphs: queries would find no record",
                hint="start oxigraph serve with --union-default-graph (Fuseki: "
                "tdb2:unionDefaultGraph true)",
            )

    def _watch(self, every_s: float) -> None:
        """Move to a new generation whenever the store's state changes (see `STATE_QUERY`)."""
        last = self._state()  # at once: a change made before the first interval counts too
        while not self._stop.wait(every_s):
            state = self._state()
            if state is not None and state != last:
                self._next_generation()  # a change, or the first state after the store said none
            last = state

    def _state(self) -> bytes | None:
        """The answer of `STATE_QUERY`, or None when the store cannot say now."""
        asked_at = time.monotonic()
        try:
            state = self._small_answer(STATE_QUERY)
        except CoopgraphError:
            return None  # unreachable or busy: the queries say so; look again later
        except Exception:  # the watcher must outlive anything a store answers
            log.exception("reading the state of the store at %s failed", self.endpoint)
            return None
        self._told_at = asked_at
        return state

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """Around a write: the store applies each write request whole, so queries go on; after
        it, a new generation (kept answers retire, as with the embedded store)."""
        try:
            yield
        finally:
            self._next_generation()

    def close(self) -> None:
        """Stop watching the store and close the idle connections."""
        self._stop.set()
        while True:
            try:
                connection = self._idle.get_nowait()
            except queue.Empty:
                return
            connection.close()
