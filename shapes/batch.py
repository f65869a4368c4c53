"""Validating many records: one pyshacl run a record, spread over the cores, streamed in order.

At most `AHEAD` chunks of records are handed out ahead of the one the caller is reading, so a
slow reader (a store writing) holds no growing backlog of results. Workers live as long as the
run: one forked later from the grown parent (a store writing) took 200-330 MiB of PSS against
85-140 MiB for one forked at the start, as its allocations land in the parent's freed heap
pages and copy them. A worker forked at the start stayed at 49-53 MiB of PSS through a load of
136,000 records.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from rdflib import DCTERMS, RDF

from coopgraph.converters.pipeline import read_graph
from coopgraph.converters.to_rdf import ConversionOptions
from coopgraph.errors import CoopgraphError
from coopgraph.machine import usable_cores
from coopgraph.ontology import COOP
from coopgraph.shapes.report import RecordReport
from coopgraph.shapes.validate import RecordValidator

_worker: tuple[RecordValidator, ConversionOptions, bool, bool] | None = None
#: Chunks handed out to each worker ahead of the record being read.
AHEAD = 4


def validate_file(
    path: Path,
    validator: RecordValidator,
    options: ConversionOptions,
    with_turtle: bool,
    with_graph: bool = False,
) -> RecordReport:
    """Read (or convert) one file and validate its graph; errors become an unreadable report."""
    try:
        conversion = read_graph(path, options)
    except CoopgraphError as error:
        return RecordReport(str(path), error=str(error))
    graph = conversion.graph
    partnership = next(graph.subjects(RDF.type, COOP.Partnership), None)
    identifier = graph.value(partnership, DCTERMS.identifier) if partnership else None
    try:
        conforms, report_graph, found = validator.validate(graph)
    except Exception as error:  # pyshacl's own failures: one record, not the whole run
        message = f"validation could not run ({type(error).__name__}: {error}); please report it"
        return RecordReport(str(path), error=message)
    return RecordReport(
        source=str(path),
        identifier=str(identifier) if identifier is not None else path.stem,
        conforms=conforms,
        findings=found,
        conversion_warnings=[str(warning) for warning in conversion.warnings],
        report_turtle=report_graph.serialize(format="turtle") if with_turtle else None,
        graph_iri=str(conversion.graph_iri),
        graph_ntriples=graph.serialize(format="nt") if with_graph else None,
    )


def _start_worker(options: ConversionOptions, with_turtle: bool, with_graph: bool) -> None:
    global _worker
    validator = RecordValidator(publish_personal_data=options.include_personal_data)
    _worker = (validator, options, with_turtle, with_graph)


def _work(path: Path) -> RecordReport:
    assert _worker is not None, "worker not started"
    return validate_file(path, *_worker)


def validate_paths(
    files: Sequence[Path],
    options: ConversionOptions,
    *,
    with_turtle: bool = False,
    with_graph: bool = False,
    jobs: int | None = None,
) -> Iterator[RecordReport]:
    """Reports in input order, as soon as each is ready; `jobs` processes (default: the cores)."""
    jobs = jobs or usable_cores()
    if jobs == 1 or len(files) < 2 * jobs:
        validator = RecordValidator(publish_personal_data=options.include_personal_data)
        for path in files:
            yield validate_file(path, validator, options, with_turtle, with_graph)
        return
    # fork: workers inherit the parsed ontology and shapes instead of re-reading them
    context = multiprocessing.get_context("fork")
    chunk = chunk_size(len(files), jobs)
    arguments = (options, with_turtle, with_graph)
    window = threading.Semaphore(jobs * AHEAD * chunk)
    stopped = threading.Event()
    with (
        _out_of_the_collectors_reach(),
        context.Pool(jobs, initializer=_start_worker, initargs=arguments) as pool,
    ):
        try:
            for report in pool.imap(_work, _handed_out(files, window, stopped), chunksize=chunk):
                window.release()
                yield report
        finally:
            stopped.set()  # the pool's feeding thread must not wait for room ever after


def chunk_size(files: int, jobs: int) -> int:
    """Records a worker takes at a time: enough to spare round trips, few enough to share."""
    return max(1, min(32, files // (jobs * 8)))


@contextlib.contextmanager
def _out_of_the_collectors_reach() -> Iterator[None]:
    """The caller's objects (its list of files, a store's writer) frozen out of the collector's
    reach: a forked worker's collections would otherwise write to each, copying every page that
    holds them."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _handed_out(
    files: Iterable[Path], window: threading.Semaphore, stopped: threading.Event
) -> Iterator[Path]:
    """The files, each once there is room in the window (the pool's feeding thread waits)."""
    for path in files:
        while not window.acquire(timeout=0.1):
            if stopped.is_set():
                return
        yield path
