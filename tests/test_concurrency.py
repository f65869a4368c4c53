"""8 writers and 8 readers for 20 s against a live `coopgraph serve` on loopback.

Every acknowledged write must be in the store afterwards; no reader may ever see a half-written
record (each record graph a reader sees has the full triple count of a record); the server
answers throughout (no 5xx, no connection error).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from conftest import sample
from servers import coopgraph_server

TOKEN = "concurrency-token-0123456789abcdef"
SECONDS = 20.0
WRITERS = READERS = 8
#: Triples in each record graph, by record: every graph a reader sees must have its full count.
PER_GRAPH = """SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g {
  ?s ?p ?o } ?g <http://xmlns.com/foaf/0.1/primaryTopic> ?topic } GROUP BY ?g"""


def _request(url: str, method: str = "GET", data: bytes | None = None, **headers: str) -> int:
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _counts(endpoint: str) -> dict[str, int]:
    url = endpoint + "?" + urllib.parse.urlencode({"query": PER_GRAPH})
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        rows = json.loads(response.read())["results"]["bindings"]
    return {row["g"]["value"]: int(row["n"]["value"]) for row in rows}


def test_writers_and_readers_at_once(tmp_path: Path) -> None:
    page = sample("sale-woippy").encode()
    env = {"COOPGRAPH_TOKENS": f"load:{TOKEN}"}
    with coopgraph_server(tmp_path / "store", env=env) as endpoint:
        site = endpoint.removesuffix("/sparql")
        first = _request(
            f"{site}/records/reference",
            "PUT",
            page,
            Authorization=f"Bearer {TOKEN}",
            **{"Content-Type": "text/plain; charset=utf-8"},
        )
        assert first == 201
        (full,) = _counts(endpoint).values()  # the triple count of one whole record
        deadline = time.monotonic() + SECONDS
        acknowledged: list[str] = []
        problems: list[str] = []
        reads = [0]
        lock = threading.Lock()

        def write(number: int) -> None:
            count = 0
            while time.monotonic() < deadline:
                identifier = f"w{number}-{count}"
                status = _request(
                    f"{site}/records/{identifier}",
                    "PUT",
                    page,
                    Authorization=f"Bearer {TOKEN}",
                    **{"Content-Type": "text/plain; charset=utf-8"},
                )
                with lock:
                    if status == 201:
                        acknowledged.append(identifier)
                    else:
                        problems.append(f"write {identifier}: {status}")
                count += 1

        def read() -> None:
            while time.monotonic() < deadline:
                try:
                    counts = _counts(endpoint)
                except (OSError, ValueError) as error:
                    with lock:
                        problems.append(f"read: {error}")
                    continue
                half = {graph: n for graph, n in counts.items() if n != full}
                with lock:
                    reads[0] += 1
                    if half:
                        problems.append(f"half-written graphs seen: {half}")

        threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
        threads += [threading.Thread(target=read) for _ in range(READERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        final = _counts(endpoint)
    assert not problems, "\n".join(problems[:20])
    stored = {graph.rsplit("/", 1)[1] for graph in final}
    assert set(acknowledged) <= stored, sorted(set(acknowledged) - stored)[:10]
    assert len(acknowledged) >= WRITERS and reads[0] >= READERS, (len(acknowledged), reads[0])
    print(f"{len(acknowledged)} writes and {reads[0]} reads in {SECONDS:.0f} s")
