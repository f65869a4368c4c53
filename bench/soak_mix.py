"""The soak test's mix of requests (bench/soak.py): what to ask, how to judge each answer.

Pure logic and a small HTTP client, no server management: the request kinds and their default
weights, the targets read from the store, the ledger of writes, and the verdict on one answer
(an announced timeout is told from any other 5xx by the server's own wording, coopgraph/errors.py
as raised by server/executor.py and server/serve.py).
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import itertools
import json
import math
import random
import threading
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.synthetic import synthetic_page
from coopgraph.converters.to_rdf import ConversionOptions

#: Default weights of the mix (per 100 requests). Reads dominate, as on a public endpoint; one
#: request in seven writes, which is far more than the Atlas will see, to stress the writer
#: (each write stops every query worker while it runs: server/writes.py).
DEFAULT_MIX = {
    "lookup": 30,  # SPARQL: every triple of one resource, by IRI
    "aggregate": 10,  # SPARQL: partnerships per country / per theme, funding per funder and year
    "deref_ttl": 20,  # GET /id/… with Accept: text/turtle
    "deref_html": 15,  # GET /id/… with Accept: text/html
    "validate": 10,  # POST /validate of a synthetic page
    "write_new": 8,  # PUT /records/{id} of a record the store does not hold (201)
    "write_again": 7,  # PUT /records/{id} of a record it holds, new content (200)
}
#: Kinds whose 2xx answer is JSON: an answer that does not parse was cut (a failure).
JSON_KINDS = frozenset({"lookup", "aggregate", "validate", "write_new", "write_again"})
WRITE_KINDS = frozenset({"write_new", "write_again"})

#: Seeds of the synthetic pages the soak sends (the store's own pages use seed 0).
NEW_SEED, AGAIN_SEED, VALIDATE_SEED = 101, 102, 103

#: How the server words a timeout it announces with a 503 (QueryTimeout, ExecutorBusy in
#: server/executor.py); a 408 (RequestTimedOut, server/serve.py) is one by its status alone.
ANNOUNCED_TIMEOUTS = (
    "the query was stopped after",
    "every query worker is busy after",
    "the query workers stayed busy",
)

_PREFIXES = """PREFIX coop: <https://w3id.org/coopgraph/ontology#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX schema: <http://schema.org/>
"""
#: The aggregates of the mix. The gallery's "Funding per funder and year" adds each funder's
#: label in an OPTIONAL with a LANG filter, which takes 15 s on 2,000 records: left out here.
AGGREGATES = (
    _PREFIXES + "SELECT ?country (COUNT(DISTINCT ?partnership) AS ?partnerships) WHERE { "
    "?partnership a coop:Partnership ; coop:foreignPartner ?partner . "
    "?partner dct:spatial ?country } GROUP BY ?country ORDER BY DESC(?partnerships)",
    _PREFIXES + "SELECT ?theme (COUNT(DISTINCT ?partnership) AS ?partnerships) WHERE { "
    "?partnership a coop:Partnership ; dct:subject ?theme } GROUP BY ?theme "
    "ORDER BY DESC(?partnerships)",
    _PREFIXES + "SELECT ?funder ?year (SUM(?amount) AS ?euros) WHERE { ?funding a coop:Funding ; "
    "schema:funder ?funder ; coop:year ?year ; coop:amountEUR ?amount } "
    "GROUP BY ?funder ?year ORDER BY ?year DESC(?euros)",
)


def parse_mix(text: str) -> dict[str, int]:
    """ "lookup=30,write_new=0" -> the default mix with those weights changed."""
    mix = dict(DEFAULT_MIX)
    for item in filter(None, (part.strip() for part in text.split(","))):
        kind, equals, weight = item.partition("=")
        if not equals or kind.strip() not in mix or not weight.strip().isdigit():
            raise argparse.ArgumentTypeError(
                f"{item!r}: expected KIND=WEIGHT with KIND one of {', '.join(DEFAULT_MIX)}"
            )
        mix[kind.strip()] = int(weight)
    if not any(mix.values()):
        raise argparse.ArgumentTypeError("every weight is 0: nothing to send")
    return mix


def is_announced_timeout(status: int, body: bytes) -> bool:
    """A 408, or a 503 whose text says a query or a write gave up in time (not a crash)."""
    if status == 408:
        return True
    text = body[:2000].decode("utf-8", "replace")
    return status == 503 and any(phrase in text for phrase in ANNOUNCED_TIMEOUTS)


def verdict(kind: str, status: int, body: bytes) -> str:
    """One answer: ok, refused (4xx), timeout (announced), 5xx, no answer or cut (a failure)."""
    if status == 0:
        return "no answer"
    if is_announced_timeout(status, body):
        return "timeout"
    if status >= 500:
        return "5xx"
    if status >= 400:
        return "refused"
    if kind in JSON_KINDS:
        try:
            json.loads(body)
        except ValueError:
            return "cut"
    return "ok"


FAILURES = frozenset({"5xx", "no answer", "cut"})


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (share 0.95 for p95); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass(frozen=True)
class Targets:
    """What the requests name, read from the store before the server starts."""

    base: str
    resources: list[str]  # IRIs for lookups and Turtle dereferences
    pages: list[str]  # IRIs for HTML dereferences
    rewritable: list[str]  # ids of stored records the soak writes again (never read)


@dataclass(frozen=True)
class Write:
    """One PUT: the record, and what its graph must hold once it is acknowledged."""

    identifier: str
    graph_iri: str
    sha256: str


@dataclass(frozen=True)
class Call:
    """One request of the mix."""

    kind: str
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None = None
    write: Write | None = None


@dataclass(frozen=True)
class Outcome:
    """One answer: its kind, status (0: none), seconds, when it ended, and its verdict."""

    kind: str
    status: int
    seconds: float
    ended: float
    verdict: str


@dataclass
class Ledger:
    """Writes in flight and acknowledged: what the store must hold at the end.

    Two writes of one record never run at once, so the last acknowledged write of a record is
    the one the store must show. A write without an answer leaves its record unknown.
    """

    base: str
    tag: str
    rewritable: list[str]
    expected: dict[str, Write] = field(default_factory=dict)
    unknown: set[str] = field(default_factory=set)
    acknowledged: int = 0
    _busy: set[str] = field(default_factory=set)
    _numbers: itertools.count[int] = field(default_factory=itertools.count)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _take(self, identifier: str, page: str) -> Write:
        data = page.encode("utf-8")
        graph = str(ConversionOptions(base=self.base).graph_iri(identifier))
        self._busy.add(identifier)
        return Write(identifier, graph, hashlib.sha256(data).hexdigest())

    def new(self) -> tuple[Write, bytes]:
        """A record no store holds: an id of this run, a page of another seed."""
        with self._lock:
            number = next(self._numbers)
            page = synthetic_page(number, NEW_SEED)
            return self._take(f"soak-{self.tag}-{number:06d}", page), page.encode("utf-8")

    def again(self, rng: random.Random) -> tuple[Write, bytes] | None:
        """A stored record no other client is writing, with new content; None if none is free."""
        with self._lock:
            drawn = rng.sample(self.rewritable, min(8, len(self.rewritable)))
            free = [identifier for identifier in drawn if identifier not in self._busy]
            if not free:
                return None
            page = synthetic_page(rng.randrange(10_000), AGAIN_SEED)
            return self._take(free[0], page), page.encode("utf-8")

    def settle(self, write: Write, status: int) -> None:
        """The answer to a write: acknowledged (2xx), refused, or unknown (no answer)."""
        with self._lock:
            self._busy.discard(write.identifier)
            if 200 <= status < 300:
                if write.identifier not in self.expected and write.identifier.startswith("soak-"):
                    self.rewritable.append(write.identifier)
                self.expected[write.identifier] = write
                self.unknown.discard(write.identifier)
                self.acknowledged += 1
            elif status == 0:
                self.unknown.add(write.identifier)


class Mix:
    """Draws the requests of the mix: kind by weight, then its target."""

    def __init__(
        self, weights: dict[str, int], targets: Targets, ledger: Ledger, token: str
    ) -> None:
        self.kinds = [kind for kind, weight in weights.items() if weight]
        self.weights = [weights[kind] for kind in self.kinds]
        self.targets = targets
        self.ledger = ledger
        self.token = token
        self.pages = [synthetic_page(i, VALIDATE_SEED).encode("utf-8") for i in range(200)]

    def _path(self, iri: str) -> str:
        return "/" + iri[len(self.targets.base) :]

    def draw(self, rng: random.Random) -> Call:
        """The next request of one client."""
        while True:
            kind = rng.choices(self.kinds, self.weights)[0]
            call = self.call(kind, rng)
            if call is not None:
                return call

    def call(self, kind: str, rng: random.Random) -> Call | None:
        """A request of this kind (None: no record free to write again just now)."""
        sparql = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/sparql-results+json",
        }
        if kind in ("lookup", "aggregate"):
            if kind == "lookup":
                query = f"SELECT ?p ?o WHERE {{ <{rng.choice(self.targets.resources)}> ?p ?o }}"
            else:
                query = rng.choice(AGGREGATES)
            body = urllib.parse.urlencode({"query": query}).encode()
            return Call(kind, "POST", "/sparql", sparql, body)
        if kind == "deref_ttl":
            path = self._path(rng.choice(self.targets.resources))
            return Call(kind, "GET", path, {"Accept": "text/turtle"})
        if kind == "deref_html":
            path = self._path(rng.choice(self.targets.pages))
            return Call(kind, "GET", path, {"Accept": "text/html"})
        page_headers = {"Content-Type": "text/plain; charset=utf-8", "Accept": "application/json"}
        if kind == "validate":
            return Call(kind, "POST", "/validate", page_headers, rng.choice(self.pages))
        drawn = self.ledger.new() if kind == "write_new" else self.ledger.again(rng)
        if drawn is None:
            return None
        write, body = drawn
        headers = {**page_headers, "Authorization": f"Bearer {self.token}"}
        return Call(kind, "PUT", f"/records/{write.identifier}", headers, body, write)


class Client:
    """One keep-alive connection to the server; a lost connection is opened again."""

    def __init__(self, port: int, timeout_s: float = 120.0) -> None:
        self.port = port
        self.timeout_s = timeout_s
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout_s)

    def send(self, call: Call) -> tuple[int, bytes]:
        """(status, body); (0, the error) when no whole answer came."""
        try:
            self.connection.request(call.method, call.path, call.body, call.headers)
            response = self.connection.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException) as error:
            self.connection.close()
            self.connection = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=self.timeout_s
            )
            return 0, repr(error).encode()

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()


def closed_loop(
    mix: Mix, port: int, clients: int, seconds: float, seed: int, outcomes: list[Outcome]
) -> None:
    """`clients` clients, each sending its next request as soon as the last is answered."""
    deadline = time.monotonic() + seconds

    def run(index: int) -> None:
        rng = random.Random(f"{seed}-{index}")
        client = Client(port)
        try:
            while time.monotonic() < deadline:
                call = mix.draw(rng)
                started = time.perf_counter()
                status, body = client.send(call)
                elapsed = time.perf_counter() - started
                if call.write is not None:
                    mix.ledger.settle(call.write, status)
                judged = verdict(call.kind, status, body)
                outcomes.append(Outcome(call.kind, status, elapsed, time.monotonic(), judged))
        finally:
            client.close()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
