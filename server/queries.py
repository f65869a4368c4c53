"""The server's own queries (pages, resource descriptions, dataset figures), run like any other.

They go through the same executor as `/sparql` (killable query workers over the embedded store,
or connections to a remote store: `remote()` decides), with the same deadline:
a page can be slow, never stuck; and through the same cache of answers, as pages repeat the
same queries. SELECT rows come back as rdflib terms, CONSTRUCT as a Graph.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from flask import current_app
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from coopgraph.server.cache import ResultCache
from coopgraph.server.executor import Answer, Executor, Job, QueryExecutor
from coopgraph.server.remote_executor import RemoteExecutor
from coopgraph.server.store import EmbeddedStore, RemoteStore, Store

Row = dict[str, Node]
_starting = threading.Lock()


def remote() -> RemoteStore | None:
    """The remote SPARQL 1.1 store the app serves (COOPGRAPH_ENDPOINT), else None: embedded.

    The one place that decides which store the app serves: queries, writes and dumps ask here.
    """
    endpoint = current_app.config.get("ENDPOINT")
    if not endpoint:
        return None
    update, graph_store = (
        current_app.config.get("UPDATE_ENDPOINT"),
        current_app.config.get("GRAPH_STORE"),
    )
    return RemoteStore(str(endpoint), update or None, graph_store or None)


def open_store() -> Store:
    """The store the app serves, opened for a write (the embedded one: read-write, locked)."""
    return remote() or EmbeddedStore(Path(current_app.config["STORE"]))


def _start() -> Executor:
    timeout_s = float(current_app.config["QUERY_TIMEOUT_S"])
    store = remote()
    if store is not None:
        pool = RemoteExecutor(
            store.endpoint,
            connections=int(current_app.config["REMOTE_CONNECTIONS"]),
            timeout_s=timeout_s,
            check_s=float(current_app.config["REMOTE_CHECK_S"]),
        )
        try:
            pool.check_union_default_graph()
        except BaseException:
            pool.close()
            raise
        return pool
    path = Path(current_app.config["STORE"])
    if current_app.config.get("TOKENS") and not (path / "CURRENT").exists():
        EmbeddedStore(path).close()  # writes are on: start from an empty store
    return QueryExecutor(
        path,
        workers=int(current_app.config["QUERY_WORKERS"]),
        timeout_s=timeout_s,
        memory_mb=int(current_app.config["QUERY_MEMORY_MB"]) or None,
    )


def executor() -> Executor:
    """What runs the app's queries, started on first use: query worker processes over the
    embedded store, or connections to the remote store (`remote()`)."""
    pool: Executor | None = current_app.extensions.get("coopgraph.executor")
    if pool is None:
        with _starting:  # the first requests come on several threads at once: one pool
            pool = current_app.extensions.get("coopgraph.executor")
            if pool is None:
                pool = _start()
                current_app.extensions["coopgraph.executor"] = pool
    return pool


def results() -> ResultCache:
    """The app's cache of answers (COOPGRAPH_RESULT_CACHE_MB; 0 turns it off)."""
    cache = current_app.extensions.get("coopgraph.results")
    if cache is None:
        megabytes = float(current_app.config["RESULT_CACHE_MB"])
        cache = ResultCache(executor(), int(megabytes * 2**20))
        current_app.extensions["coopgraph.results"] = cache
    return cache


def _answer(query: str, media_type: str) -> bytes:
    chunks, _ = results().run(Job(query, media_type))
    return b"".join(chunk for chunk in chunks if not isinstance(chunk, Answer))


def _term(binding: dict[str, str]) -> Node:
    value = binding["value"]
    if binding["type"] == "uri":
        return URIRef(value)
    if binding["type"] == "bnode":
        return BNode(value)
    language, datatype = binding.get("xml:lang"), binding.get("datatype")
    return Literal(value, lang=language, datatype=URIRef(datatype) if datatype else None)


def select(query: str) -> list[Row]:
    """The rows of a SELECT, each a dict of the bound variables."""
    data: Any = json.loads(_answer(query, "application/sparql-results+json"))
    return [
        {name: _term(binding) for name, binding in row.items()}
        for row in data["results"]["bindings"]
    ]


def ask(query: str) -> bool:
    """The answer of an ASK."""
    return bool(json.loads(_answer(query, "application/sparql-results+json"))["boolean"])


def construct(query: str) -> Graph:
    """The graph a CONSTRUCT (or DESCRIBE) builds."""
    graph = Graph(bind_namespaces="core")
    graph.parse(data=_answer(query, "application/n-triples"), format="nt")
    return graph
