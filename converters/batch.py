"""Converting many files in one run: each file on its own, failures reported, the rest converted."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from coopgraph.converters.pipeline import Conversion, convert_file
from coopgraph.converters.to_rdf import ConversionOptions
from coopgraph.converters.writers import RecordWriter
from coopgraph.errors import CoopgraphError


@dataclass
class Summary:
    """What a run did, for its closing line and exit status."""

    records: int = 0
    triples: int = 0
    warnings: int = 0
    failures: list[CoopgraphError] = field(default_factory=list)

    def line(self) -> str:
        """The closing summary line."""
        return (
            f"{self.records} records, {self.triples} triples, {self.warnings} warnings, "
            f"{len(self.failures)} failures"
        )

    @property
    def exit_code(self) -> int:
        """0 when every file converted, else the worst failure's exit code (2: bad input)."""
        return max((failure.exit_code for failure in self.failures), default=0)


def convert_paths(
    files: Iterable[Path],
    writer: RecordWriter,
    options: ConversionOptions,
    report: Callable[[Conversion | CoopgraphError], None] = lambda _: None,
) -> Summary:
    """Convert each file, write each graph as soon as it exists, report each outcome."""
    summary = Summary()
    for path in files:
        try:
            conversion = convert_file(path, options)
        except CoopgraphError as error:
            summary.failures.append(error)
            report(error)
            continue
        writer.write(conversion.graph_iri, conversion.graph)
        summary.records += 1
        summary.triples += len(conversion.graph)
        summary.warnings += len(conversion.warnings)
        report(conversion)
    return summary
