"""Queries run where they can be stopped: a pool of worker processes over the embedded store.

`Executor` is what the app asks of whatever runs its queries: this pool, or a pool of connections
to a remote SPARQL 1.1 store (server/remote_executor.py); `queries.executor()` chooses.

pyoxigraph cannot cancel a query in-process. Each worker process opens the store read-only
and runs one query at a time; results stream back over a pipe in chunks. A query still running
at its deadline has its worker killed (its CPU and memory freed at once) and replaced, and the
caller gets `QueryTimeout`; the other workers keep serving meanwhile.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Protocol

from coopgraph.errors import (
    ExecutorBusy,
    QueryError,
    QueryTimeout,
    QueryTooLarge,
    StoreUnavailable,
)

#: Bytes a worker sends at a time; the caller streams them on as they come.
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Job:
    """One query for a worker: the text, its dataset, and the media type of the answer."""

    query: str
    media_type: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    base_iri: str | None = None  # relative IRIs in the query resolve against it
    max_rows: int | None = None  # SELECT answers stop there, and say so


@dataclass(frozen=True)
class Answer:
    """What the caller learns before the first byte: whether the rows were cut at the cap."""

    truncated: bool = False
    rows: int | None = None
    limit: int | None = None  # the cap that cut it, when not the job's own (a remote store's)


def stopped_after(timeout_s: float) -> QueryTimeout:
    """The error of a query past its deadline, whatever ran it."""
    return QueryTimeout(
        f"the query was stopped after {timeout_s:.0f} s",
        hint="narrow it (LIMIT, more specific patterns) or run it on a dump",
    )


class Executor(Protocol):
    """Runs the app's queries: streams each answer, within a deadline, a few at a time."""

    timeout_s: float

    @property
    def generation(self) -> int:
        """Which state of the store answers come from: it changes after every write."""

    def run(self, job: Job) -> Iterator[bytes | Answer]:
        """The answer's bytes, streamed (a capped SELECT first yields an `Answer`)."""

    def exclusive(self) -> contextlib.AbstractContextManager[None]:
        """Around a write: afterwards `generation` has changed, and queries see the write."""

    def close(self) -> None:
        """Let go of the workers or connections."""


@dataclass
class _Worker:
    process: BaseProcess
    connection: Connection
    started: float = field(default_factory=time.monotonic)


class QueryExecutor:
    """A pool of query worker processes over one store directory."""

    def __init__(
        self,
        store_path: Path,
        *,
        workers: int = 2,
        timeout_s: float = 30.0,
        memory_mb: int | None = None,
    ) -> None:
        self.store_path = store_path
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self.workers = workers
        self._context = multiprocessing.get_context("spawn")  # no RocksDB threads across fork
        #: Which state of the store the workers serve: one more after each `exclusive()` section,
        #: so that an answer computed before a write is never taken for one computed after it.
        self.generation = 0
        self._idle: queue.Queue[_Worker] = queue.Queue()
        starting = [self._spawn() for _ in range(workers)]  # they start side by side
        try:
            while starting:
                self._idle.put(self._ready(*starting.pop()))
        except BaseException:  # one failed: the others are not left behind
            for process, _ in starting:
                process.kill()
            self.close()
            raise

    def _spawn(self) -> tuple[BaseProcess, Connection]:
        """A worker process, started; `_ready` waits for it to have opened the store."""
        from coopgraph.server.query_worker import serve  # the worker's side imports ours

        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=serve,
            args=(str(self.store_path), child, self.memory_mb and self.memory_mb * 2**20),
            daemon=True,
        )
        process.start()
        child.close()
        return process, parent

    def _ready(self, process: BaseProcess, parent: Connection) -> _Worker:
        if not parent.poll(60):
            process.kill()
            raise StoreUnavailable("a query worker did not start within 60 s")
        status, message = parent.recv()
        if status != "ready":
            process.kill()
            raise StoreUnavailable(f"cannot open the store at {self.store_path}: {message}")
        return _Worker(process, parent)

    def _replace(self, worker: _Worker) -> None:
        """Kill a worker (its query is abandoned) and put a fresh one in the pool."""
        worker.process.kill()
        worker.process.join(5)
        worker.connection.close()
        self._idle.put(self._ready(*self._spawn()))

    def run(self, job: Job) -> Iterator[bytes | Answer]:
        """The answer's bytes, streamed; raises before the first chunk for a bad query.

        A capped SELECT first yields an `Answer` saying whether rows were cut.

        The deadline covers the whole query: a query still streaming at `timeout_s` is stopped
        (`QueryTimeout`), whether or not chunks were already sent.
        """
        deadline = time.monotonic() + self.timeout_s
        try:
            worker = self._idle.get(timeout=self.timeout_s)
        except queue.Empty as error:
            raise ExecutorBusy(
                f"every query worker is busy after {self.timeout_s:.0f} s",
                hint="try again shortly",
            ) from error
        done = False
        try:
            worker.connection.send(job)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not worker.connection.poll(remaining):
                    raise stopped_after(self.timeout_s)
                status, payload = worker.connection.recv()
                if status in ("data", "answer"):
                    yield payload
                elif status == "end":
                    done = True
                    answer, tail = payload
                    if answer is not None:
                        yield answer
                    if tail:
                        yield tail
                    return
                elif status == "bad":
                    done = True
                    raise QueryError(payload)
                else:
                    raise StoreUnavailable(payload)
        except EOFError as error:  # the worker died: out of memory, or killed from outside
            worker.process.join(5)
            if self.memory_mb and worker.process.exitcode == -signal.SIGABRT:
                raise QueryTooLarge(
                    f"the query needed more than the {self.memory_mb} MiB a query may use",
                    hint="narrow it (LIMIT, fewer ORDER BY keys, more specific patterns)",
                ) from error
            raise StoreUnavailable("the query worker stopped unexpectedly") from error
        finally:
            if done:
                self._idle.put(worker)
            else:
                self._replace(worker)

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold every worker, each with the store closed, for the duration of a write.

        pyoxigraph cannot open a store read-only beside a writer safely, so a write waits until
        the running queries end (each is bounded by the deadline), has the workers let go of
        the store, and has them open it again afterwards: a query sees the store before a
        write or after it, never during. Callers must not nest this or run it concurrently.
        """
        held: list[_Worker] = []
        try:
            for _ in range(self.workers):
                held.append(self._idle.get(timeout=self.timeout_s + 30))
            for worker in held:
                worker.connection.send("close")
                if not worker.connection.poll(30) or worker.connection.recv()[0] != "closed":
                    raise StoreUnavailable("a query worker did not let go of the store")
            yield
        except queue.Empty as error:
            raise ExecutorBusy("the query workers stayed busy; the write was not made") from error
        finally:
            # Before any worker serves again: a query that gets one now counts as after the write.
            # Sections never overlap, so this increment has no concurrent writer.
            self.generation += 1
            for worker in held:
                try:
                    worker.connection.send("open")
                    ready = worker.connection.poll(60) and worker.connection.recv()[0] == "ready"
                except (OSError, EOFError):
                    ready = False
                if ready:
                    self._idle.put(worker)
                else:
                    self._replace(worker)

    def close(self) -> None:
        """Stop every worker."""
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                return
            with contextlib.suppress(OSError):
                worker.connection.close()
            worker.process.kill()
            worker.process.join(5)
