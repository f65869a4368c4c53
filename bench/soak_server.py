"""The store and the live server of the soak test (bench/soak.py).

The store is loaded (or copied) and read before the server starts: its BASE, what to read and
what to rewrite. `coopgraph serve` runs in its own session on a free loopback port, its output
in a log file (a pipe nobody reads would fill and block it). Stopping it terminates gunicorn,
waits, then kills any process of its tree that outlived it (a query worker orphaned by its
gunicorn worker), by pid. Memory is the resident memory of the whole tree, sampled from /proc.
Acknowledged writes are looked for through the running server, then in the store's files once
it has stopped.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

from bench.convert import default_coopgraph
from bench.peers import PeerFailed, wait_until_up
from bench.soak_mix import Call, Client, Targets
from bench.validate import descendants, identity, kill_survivors, tree_rss_kib

SAMPLE_EVERY_S = 2.0
COOP = "https://w3id.org/coopgraph/ontology#"
RECORD_GRAPHS = "graph/partnership/"
TYPES = ("coop:Partnership", "org:Organization", "coop:Funding", "org:Membership", "org:Post")


def stop(process: subprocess.Popen[bytes]) -> list[str]:
    """Stop the server and every process it started; the commands of those that had to be killed.

    A process of the tree still running 5 s after gunicorn exited is killed by its pid, once
    its start time shows the pid was not reused meanwhile.
    """
    family = {pid: identity(pid) for pid in descendants(process.pid)[1:]}
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
    return kill_survivors(family, 5)


@contextlib.contextmanager
def server(store: Path, port: int, base: str, token: str, log: Path) -> Iterator[int]:
    """`coopgraph serve` over the store until the block ends; yields its pid."""
    env = {**os.environ, "COOPGRAPH_TOKENS": f"soak:{token}", "COOPGRAPH_BASE": base}
    command = [str(default_coopgraph()), "serve", "--port", str(port), "--store", str(store)]
    with log.open("wb") as output:
        # Its own session: a Ctrl-C reaches the bench only, which then stops the server in order.
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
        try:
            try:
                wait_until_up(f"http://127.0.0.1:{port}/sparql", process, log, 60)
            except PeerFailed as error:
                raise SystemExit(f"bench.soak: the server {error}") from error
            yield process.pid
        finally:
            for outlived in stop(process):
                print(f"  outlived the server, killed: {outlived}", flush=True)


class Sampler(threading.Thread):
    """The resident memory of the server's process tree every SAMPLE_EVERY_S, and its pids."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.samples: list[tuple[float, int]] = []
        self.pids: set[int] = set()
        self.done = threading.Event()

    def run(self) -> None:
        while True:
            self.samples.append((time.monotonic(), tree_rss_kib(self.pid)))
            self.pids.update(descendants(self.pid))
            if self.done.wait(SAMPLE_EVERY_S):
                return


def load_store(pages: Path, store: Path, base: str) -> str:
    """`coopgraph load` the pages into the store under BASE; its summary line and seconds."""
    command = [str(default_coopgraph()), "load", str(pages), "--store", str(store)]
    started = time.perf_counter()
    done = subprocess.run(
        [*command, "--base", base, "--jobs", "2"], capture_output=True, text=True, check=False
    )
    if done.returncode not in (0, 1):  # 1: some record refused, the rest stored
        raise SystemExit(
            f"bench.soak: `coopgraph load` exited with {done.returncode}:\n{done.stderr[-2000:]}"
        )
    summary = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
    return f"{summary} in {time.perf_counter() - started:.0f} s"


def read_targets(store: Path, html_partnerships: bool, seed: int) -> tuple[Targets, int]:
    """The store's BASE, resources to read, records to write again; and its record count."""
    import pyoxigraph as ox

    query = f"""PREFIX coop: <{COOP}> PREFIX org: <http://www.w3.org/ns/org#>
SELECT ?g ?s ?type WHERE {{ GRAPH ?g {{ ?g coop:sourceHash ?h . ?s a ?type }}
  VALUES ?type {{ {" ".join(TYPES)} }} }}"""
    by_graph: dict[str, list[tuple[str, str]]] = {}
    opened = ox.Store.read_only(str(store))
    rows = opened.query(query)
    assert isinstance(rows, ox.QuerySolutions)
    for row in rows:
        by_graph.setdefault(row["g"].value, []).append((row["s"].value, row["type"].value))
    del opened
    if not by_graph:
        raise SystemExit(f"bench.soak: no record in the store at {store}")
    graphs = sorted(by_graph)
    base = graphs[0].split(RECORD_GRAPHS)[0]
    rng = random.Random(seed)
    rewritten = set(rng.sample(graphs, min(1000, len(graphs) // 5)))
    read = {(s, t) for g in graphs if g not in rewritten for s, t in by_graph[g]}
    resources = sorted({s for s, _ in read})
    pages = sorted({s for s, t in read if html_partnerships or not t.endswith("#Partnership")})
    ids = [g[len(base + RECORD_GRAPHS) :] for g in sorted(rewritten)]
    return Targets(base, resources, pages, ids), len(graphs)


def hash_query(graphs: Sequence[str]) -> str:
    """The source hashes of these record graphs."""
    values = " ".join(f"<{graph}>" for graph in graphs)
    return (
        f"SELECT ?g ?h WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?g <{COOP}sourceHash> ?h }} }}"
    )


def live_hashes(port: int, graphs: Sequence[str]) -> dict[str, set[str]]:
    """graph → its source hashes, asked of the running server 200 graphs at a time."""
    client, found = Client(port), dict[str, set[str]]()
    try:
        for first in range(0, len(graphs), 200):
            body = urllib.parse.urlencode({"query": hash_query(graphs[first : first + 200])})
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/sparql-results+json",
            }
            status, answer = client.send(Call("check", "POST", "/sparql", headers, body.encode()))
            if status != 200:
                raise SystemExit(f"bench.soak: the write check got {status}: {answer[:300]!r}")
            for row in json.loads(answer)["results"]["bindings"]:
                found.setdefault(row["g"]["value"], set()).add(row["h"]["value"])
    finally:
        client.close()
    return found


def disk_hashes(store: Path, graphs: Sequence[str]) -> dict[str, set[str]]:
    """graph → its source hashes, read from the store's files once the server has stopped."""
    import pyoxigraph as ox

    opened, found = ox.Store.read_only(str(store)), dict[str, set[str]]()
    for first in range(0, len(graphs), 200):
        rows = opened.query(hash_query(graphs[first : first + 200]))
        assert isinstance(rows, ox.QuerySolutions)
        for row in rows:
            found.setdefault(row["g"].value, set()).add(row["h"].value)
    del opened
    return found
