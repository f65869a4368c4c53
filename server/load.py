"""`coopgraph load`: convert, validate and store records, each record whole or not at all.

Unchanged sources are skipped before any work (the stored graph carries the source's hash and
the converter's version). Records are converted and validated in parallel; the parent process
alone writes, one transaction a record, so a load killed at any moment leaves every record as it
was or as it is now, and the next load finishes the job. A first load (the store holds no record)
is written in bulk beside the store and swapped in whole (`Store.record_writer`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from coopgraph.converters.pipeline import FileList, converter_version
from coopgraph.converters.rdfinput import looks_like_jsonld
from coopgraph.converters.to_rdf import ConversionOptions
from coopgraph.errors import CoopgraphError
from coopgraph.ontology import COOP, ONTOLOGY_IRI, load
from coopgraph.server.store.base import Store
from coopgraph.shapes.batch import validate_paths
from coopgraph.shapes.report import RecordReport


@dataclass
class LoadSummary:
    """What a load did, for its closing line and exit status."""

    loaded: int = 0
    unchanged: int = 0
    refused: int = 0
    forced: int = 0
    unreadable: int = 0
    errors: list[CoopgraphError] = field(default_factory=list)

    def line(self) -> str:
        """The closing summary line."""
        total = self.loaded + self.unchanged + self.refused + self.unreadable
        forced = f" ({self.forced} despite violations)" if self.forced else ""
        return (
            f"{total} records: {self.loaded} loaded{forced}, {self.unchanged} unchanged, "
            f"{self.refused} refused (violations), {self.unreadable} unreadable"
        )

    @property
    def exit_code(self) -> int:
        """0 all stored or unchanged, 1 some refused, 2 some unreadable."""
        return 2 if self.unreadable else 1 if self.refused else 0


def _identifier(path: Path) -> str:
    """The record's identifier without converting it: the JSON record's, else the file stem."""
    if path.suffix.lower() == ".json":
        try:
            text = path.read_text(encoding="utf-8-sig")
            if not looks_like_jsonld(text):
                identifier = json.loads(text).get("identifier")
                if isinstance(identifier, str) and identifier:
                    return identifier
        except (OSError, ValueError, AttributeError):
            pass  # unreadable: the conversion will say why
    return path.stem


def _changed(
    files: Iterable[Path], stored: dict[str, tuple[str, str]], options: ConversionOptions
) -> Iterator[Path]:
    """The files whose source or converter differ from what the store holds."""
    version = converter_version()
    for path in files:
        known = stored.get(str(options.graph_iri(_identifier(path))))
        if known is not None:
            try:
                digest = "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError:
                digest = ""
            if known == (digest, version):
                continue
        yield path


def ensure_ontology(store: Store) -> bool:
    """Keep the ontology and concept schemes in their own graph; True if it had to be (re)written.

    Queries need them for labels (statuses, instruments, funder categories). Like a record, the
    graph is replaced only when its content's hash differs from the stored one.
    """
    ntriples = "\n".join(sorted(load().serialize(format="nt").splitlines()))
    digest = "sha256:" + hashlib.sha256(ntriples.encode("utf-8")).hexdigest()
    graph = str(ONTOLOGY_IRI)
    hash_triple = f'<{graph}> <{COOP.sourceHash}> "{digest}" .'
    if store.ask(f"ASK {{ GRAPH <{graph}> {{ {hash_triple} }} }}"):
        return False
    store.replace_graph(graph, f"{ntriples}\n{hash_triple}")
    return True


def load_paths(
    files: Sequence[Path],
    store: Store,
    options: ConversionOptions,
    *,
    force: bool = False,
    bulk: bool = True,
    jobs: int | None = None,
    report: Callable[[RecordReport, str], None] = lambda report, outcome: None,
    progress: Callable[[int], None] = lambda done: None,
    stored: Callable[[int, int], None] = lambda n, of: None,
) -> LoadSummary:
    """Load each file: skip it unchanged, store it if it conforms (or `force`), else refuse it.

    `bulk` lets a store holding no records build them all at once (`Store.record_writer`).
    `report` hears of each record processed, `progress` of how many more files are done, and
    `stored` of each record a bulk load stores once all are processed (so far, of how many).
    """
    summary = LoadSummary()
    store.merge_default_graph()
    ensure_ontology(store)
    known = {r.graph: (r.source_hash, r.converter_version) for r in store.stored_records()}
    changed = FileList(_changed(files, known, options))
    summary.unchanged = len(files) - len(changed)
    progress(summary.unchanged)
    with store.record_writer(first_load=bulk and not known, stored=stored) as write:
        for record in validate_paths(changed, options, with_graph=True, jobs=jobs):
            progress(1)
            if record.error is not None:
                summary.unreadable += 1
                report(record, "unreadable")
            elif record.conforms or force:
                assert record.graph_iri is not None and record.graph_ntriples is not None
                write(record.graph_iri, record.graph_ntriples)
                summary.loaded += 1
                summary.forced += not record.conforms
                report(record, "loaded" if record.conforms else "forced")
            else:
                summary.refused += 1
                report(record, "refused")
    if summary.loaded:
        store.stamp_last_load(options.base)
    return summary
