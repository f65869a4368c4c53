"""The query worker process: the other end of `QueryExecutor`'s pipe (server/executor.py).

It opens the store read-only, runs one `Job` at a time, and sends the answer back in chunks
(`data`), the last one with the end (`end`); a capped SELECT first says whether rows were cut
(`answer`). `close` and `open` let go of the store around a write and see it afresh after.
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import threading
import time
from multiprocessing.connection import Connection
from typing import IO, Any, cast

import pyoxigraph as ox

from coopgraph.server.executor import CHUNK, Answer, Job

_XSD_STRING = ox.NamedNode("http://www.w3.org/2001/XMLSchema#string")


def _term_json(term: Any) -> dict[str, str]:
    """A term in the SPARQL 1.1 Query Results JSON format (run once a term: kept lean)."""
    kind = type(term)
    if kind is ox.NamedNode:
        return {"type": "uri", "value": term.value}
    if kind is ox.Literal:
        language = term.language
        if language:
            return {"type": "literal", "value": term.value, "xml:lang": language}
        datatype = term.datatype
        if datatype == _XSD_STRING:
            return {"type": "literal", "value": term.value}
        return {"type": "literal", "value": term.value, "datatype": datatype.value}
    if kind is ox.BlankNode:
        return {"type": "bnode", "value": term.value}
    return {"type": "literal", "value": str(term)}


def _capped(results: Any, max_rows: int) -> tuple[bytes, int, bool]:
    """At most `max_rows` solutions as SPARQL JSON results; and whether there were more."""
    variables = [variable.value for variable in results.variables]
    rows = list(itertools.islice(results, max_rows + 1))
    truncated = len(rows) > max_rows
    columns = list(enumerate(variables))
    bindings = []
    for row in rows[:max_rows]:
        binding = {}
        for at, name in columns:
            term = row[at]  # by position: a lookup by name costs more, per term
            if term is not None:
                binding[name] = _term_json(term)
        bindings.append(binding)
    document = {"head": {"vars": variables}, "results": {"bindings": bindings}}
    return json.dumps(document, ensure_ascii=False).encode("utf-8"), len(bindings), truncated


class _PipeWriter:
    """A binary file-like object that sends what pyoxigraph writes, in chunks.

    An answer smaller than a chunk crosses the pipe as one message, `end` with its `Answer`
    and bytes: one write and one wake-up of the caller, whatever the query.
    """

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.buffer = bytearray()
        self.answer: Answer | None = None  # sent ahead of the first bytes

    def write(self, data: bytes) -> int:
        self.buffer += data
        if len(self.buffer) >= CHUNK:
            self.flush()
        return len(data)

    def flush(self) -> None:
        if self.answer is not None:
            self.connection.send(("answer", self.answer))
            self.answer = None
        if self.buffer:
            self.connection.send(("data", bytes(self.buffer)))
            self.buffer.clear()

    def end(self) -> None:
        """The answer is complete: send what is left, and say so, in one message."""
        self.connection.send(("end", (self.answer, bytes(self.buffer))))
        self.answer = None
        self.buffer.clear()


#: Seconds between two looks at whether the server that started this worker is still there.
PARENT_CHECK_S = 1.0


def exit_with_parent() -> None:
    """End this process within `PARENT_CHECK_S` of the server's death, even mid-query.

    An idle worker ends when its pipe closes, but one running a query reads no pipe, and only
    the server would have stopped that query at its time limit: a server killed outright
    (SIGKILL, the OOM killer) left a runaway query burning a core for ever. pyoxigraph releases
    the GIL while it evaluates, so this thread runs alongside any query.
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_S)
        os._exit(1)  # no clean-up to wait for: the store is open read-only

    threading.Thread(target=watch, name="coopgraph-parent-watch", daemon=True).start()


def serve(path: str, connection: Connection, memory_bytes: int | None) -> None:
    """The worker's loop: open the store read-only, then answer jobs until the pipe closes."""
    import resource

    exit_with_parent()

    from coopgraph.server.store.embedded import (
        GRAPH_WRITERS,
        RESULT_WRITERS,
        has_merged_default_graph,
    )
    from coopgraph.server.store.joins import PatternSizes, count_of, run_planned

    if memory_bytes:
        # Heap and anonymous mappings: a query past it aborts this worker, not the server.
        resource.setrlimit(resource.RLIMIT_DATA, (memory_bytes, memory_bytes))

    def open_store() -> ox.Store | None:
        """The store, read-only, announced ready; None (and why, sent) when it cannot open."""
        try:
            opened = ox.Store.read_only(path)
        except OSError as error:
            connection.send(("unavailable", str(error)))
            return None
        connection.send(("ready", ""))
        return opened

    store = open_store()
    if store is None:
        return
    union = not has_merged_default_graph(store)  # an older store: pyoxigraph's union instead

    def count(sparql: str) -> int:  # reads `store` when called: `del store` lets its files go
        if store is None:
            raise ValueError("the store is closed")
        return count_of(store, sparql, union=union)

    sizes = PatternSizes(count)
    while True:
        try:
            job: Job | str = connection.recv()
        except EOFError:
            return
        if job == "close":  # a write is coming: let go of the store's files
            del store
            connection.send(("closed", ""))
            continue
        if job == "open":  # the write is done: see the store as it is now
            store = open_store()
            if store is None:
                return
            union = not has_merged_default_graph(store)
            sizes = PatternSizes(count)  # the write may have changed them
            continue
        assert isinstance(job, Job)
        try:
            options: dict[str, Any] = {"base_iri": job.base_iri}
            if job.default_graphs:
                options["default_graph"] = [ox.NamedNode(iri) for iri in job.default_graphs]
            else:
                options["use_default_graph_as_union"] = union
            if job.named_graphs:
                options["named_graphs"] = [ox.NamedNode(iri) for iri in job.named_graphs]
            if job.default_graphs or job.named_graphs:  # sizes are of the store's own dataset
                results = store.query(job.query, **options)
            else:
                results = run_planned(functools.partial(store.query, **options), job.query, sizes)
            pipe = _PipeWriter(connection)
            writer = cast(IO[bytes], pipe)
            if isinstance(results, ox.QueryTriples):
                rdf_format = GRAPH_WRITERS.get(job.media_type)
                if rdf_format is None:
                    raise LookupError(f"a graph cannot be written as {job.media_type}")
                results.serialize(writer, rdf_format)
            else:
                result_format = RESULT_WRITERS.get(job.media_type)
                if result_format is None:
                    raise LookupError(f"results cannot be written as {job.media_type}")
                if job.max_rows is not None and isinstance(results, ox.QuerySolutions):
                    data, rows, truncated = _capped(results, job.max_rows)
                    pipe.answer = Answer(truncated, rows)
                    if result_format == ox.QueryResultsFormat.JSON:
                        writer.write(data)
                    else:
                        capped = ox.parse_query_results(data, ox.QueryResultsFormat.JSON)
                        capped.serialize(writer, result_format)
                else:
                    results.serialize(writer, result_format)
            pipe.end()
        except (SyntaxError, ValueError, LookupError) as error:
            connection.send(("bad", str(error)))
        except OSError as error:
            connection.send(("unavailable", str(error)))
