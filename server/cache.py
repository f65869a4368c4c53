"""Answers kept in memory: a repeated query is answered without running it again.

Dashboards and harvesters send the same queries over and over. The key is the whole `Job` (query
text, media type, dataset, base IRI, row cap: everything that decides the answer's bytes) within
the executor's `generation`, the state of the store its workers serve; every write through the
server moves to a new generation (`QueryExecutor.exclusive`) before it is acknowledged, so an
answer is never served after a write it predates. An answer is kept only if it completed (no
timeout, error or client gone) and is small enough, and only if no write happened between its
start and its end. It streams to its first client as it comes; the copy is taken on the way.

Bounded in bytes (an entry's answer and key), least recently used first out; one lock, as
gunicorn's threads share it.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

from coopgraph.server.executor import Answer, Executor, Job

#: A kept answer may take at most this share of the whole cache.
ENTRY_SHARE = 8
#: Bytes an entry costs besides its answer and its key's strings (dict slot, objects): a guess
#: on the high side, so that many tiny answers cannot outgrow the bound.
ENTRY_OVERHEAD = 512


@dataclass(frozen=True)
class Cached:
    """A complete answer: its bytes, and the `Answer` (truncation) a capped SELECT announced."""

    body: bytes
    answer: Answer | None = None
    weight: int = 0  # what keeping it costs, key included (`_weight`)


def _weight(job: Job, body: bytes) -> int:
    """Bytes an entry holds: its answer, and its key (a query may be far longer than its answer)."""
    graphs = sum(len(iri) for iri in (*job.default_graphs, *job.named_graphs))
    strings = sys.getsizeof(job.query) + sys.getsizeof(job.media_type) + len(job.base_iri or "")
    return ENTRY_OVERHEAD + len(body) + strings + graphs


class ResultCache:
    """The answers of one executor's queries, up to `max_bytes` in all."""

    def __init__(self, executor: Executor, max_bytes: int, entry_bytes: int | None = None) -> None:
        self.executor = executor
        self.max_bytes = max_bytes
        self.entry_bytes = max_bytes // ENTRY_SHARE if entry_bytes is None else entry_bytes
        self.size = 0  # the weight of every kept answer
        self._entries: OrderedDict[Job, Cached] = OrderedDict()
        self._generation = executor.generation
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def _current(self, generation: int) -> None:
        """Drop every answer of an older state of the store (called with the lock held)."""
        if generation != self._generation:
            self._entries.clear()
            self.size = 0
            self._generation = generation

    def lookup(self, job: Job) -> Cached | None:
        """The kept answer to `job` in the store's current state, if there is one."""
        with self._lock:
            self._current(self.executor.generation)
            found = self._entries.get(job)
            if found is not None:
                self._entries.move_to_end(job)
            return found

    def _keep(self, job: Job, generation: int, body: bytes, answer: Answer | None) -> None:
        cached = Cached(body, answer, _weight(job, body))
        if cached.weight > self.entry_bytes:
            return
        with self._lock:
            if generation != self.executor.generation:
                return  # a write happened while it ran: it may show the store before it
            self._current(generation)
            previous = self._entries.pop(job, None)
            if previous is not None:
                self.size -= previous.weight
            self._entries[job] = cached
            self.size += cached.weight
            while self.size > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self.size -= evicted.weight

    def _recorded(self, job: Job, generation: int) -> Iterator[bytes | Answer]:
        """The executor's chunks, passed on as they come, kept if the answer completes whole."""
        chunks = self.executor.run(job)
        kept: list[bytes] | None = []
        size, answer = 0, None
        try:
            for chunk in chunks:
                if isinstance(chunk, Answer):
                    answer = chunk
                elif kept is not None:
                    size += len(chunk)
                    if size <= self.entry_bytes:
                        kept.append(chunk)
                    else:
                        kept = None  # too big to keep: it still streams on whole
                yield chunk
        finally:
            # A client gone away closes this generator at its `yield`: the worker's query is
            # abandoned (the executor's own clean-up runs now) and nothing is kept.
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        if kept is not None:
            self._keep(job, generation, b"".join(kept), answer)

    def run(self, job: Job) -> tuple[Iterator[bytes | Answer], Cached | None]:
        """The answer's chunks as `Executor.run` gives them, and the kept answer they come
        from (None: the executor runs the query)."""
        if self.max_bytes <= 0:
            return self.executor.run(job), None
        found = self.lookup(job)
        if found is not None:
            return _replay(found), found
        return self._recorded(job, self.executor.generation), None


def _replay(cached: Cached) -> Iterator[bytes | Answer]:
    if cached.answer is not None:
        yield cached.answer
    yield cached.body
