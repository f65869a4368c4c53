"""The server's one writer: a record's graph replaced or deleted while the readers let go.

Writes are serialised (one lock), and each runs inside the executor's `exclusive()`. With the
embedded store, every query worker then holds no store (`QueryExecutor.exclusive`): the store is
opened read-write for the write alone, in one transaction, then closed; the workers then see the
new state. A `coopgraph load` running at the same moment holds the store's lock: the write fails
with StoreBusy (409) and changes nothing. With a remote store, each change is one request the
store applies whole (`RemoteStore.replace_graph` / `delete_graph`), and queries go on meanwhile.
Either way the executor's generation moves on after it, which retires the kept answers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from coopgraph.errors import QueryError, StoreError
from coopgraph.server.executor import Executor
from coopgraph.server.load import ensure_ontology
from coopgraph.server.store.base import Store

T = TypeVar("T")


class RecordWriter:
    """Stores and deletes records' graphs in the store the endpoint serves."""

    def __init__(self, open_store: Callable[[], Store], executor: Executor, base: str) -> None:
        self.open_store = open_store  # the store, opened for one write
        self.executor = executor
        self.base = base
        self._lock = threading.Lock()

    def _write(self, change: Callable[[Store], T], *, wrote: Callable[[T], bool]) -> T:
        """Run `change` in the store; if `wrote` says it changed something, record the time."""
        try:
            with self._lock, self.executor.exclusive(), self.open_store() as store:
                ensure_ontology(store)
                outcome = change(store)
                if wrote(outcome):  # a refused or empty change leaves the store as it was
                    store.stamp_last_load(self.base)
                return outcome
        except QueryError as error:
            # Our own update, refused: the store's set-up, not the client's request, is wrong.
            raise StoreError(
                f"the store refused the write: {error}",
                hint="check COOPGRAPH_UPDATE_ENDPOINT and that it allows SPARQL Update",
            ) from error

    def replace(self, graph_iri: str, ntriples: str, *, must_be_new: bool = False) -> bool:
        """Replace (or create) a record's graph in one transaction; True if it existed.

        With `must_be_new`, an existing graph is left alone and True is returned.
        """

        def change(store: Store) -> bool:
            existed = store.ask(f"ASK {{ GRAPH <{graph_iri}> {{ ?s ?p ?o }} }}")
            if not (existed and must_be_new):
                store.replace_graph(graph_iri, ntriples)
            return existed

        return self._write(change, wrote=lambda existed: not (existed and must_be_new))

    def delete(self, graph_iri: str) -> bool:
        """Delete a record's graph; True if there was one."""
        return self._write(lambda store: store.delete_graph(graph_iri), wrote=bool)
