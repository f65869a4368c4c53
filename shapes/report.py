"""Validation reports for people (text, French or English), programs (JSON) and RDF tools.

The JSON form is documented in docs/validation.md; its `format` number changes only when a
field is removed or changes meaning.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import IO, Any

from coopgraph.shapes.validate import Finding

JSON_FORMAT_VERSION = 1
_WORDS = {
    "fr": {
        "Violation": ("violation", "violations"),
        "Warning": ("avertissement", "avertissements"),
        "Info": ("information", "informations"),
        "conforms": "conforme",
        "unreadable": "illisible",
        "conforming": ("conforme", "conformes"),
        "unreadables": ("illisible", "illisibles"),
        "conversion": "lecture",
        "records": "enregistrements",
        "with_violations": "avec violations",
        "colon": " : ",
        "quote": "« {} »",
    },
    "en": {
        "Violation": ("violation", "violations"),
        "Warning": ("warning", "warnings"),
        "Info": ("info", "infos"),
        "conforms": "conforms",
        "unreadable": "unreadable",
        "conforming": ("conforming", "conforming"),
        "unreadables": ("unreadable", "unreadable"),
        "conversion": "reading",
        "records": "records",
        "with_violations": "with violations",
        "colon": ": ",
        "quote": "“{}”",
    },
}


@dataclass
class RecordReport:
    """The outcome of validating one input: findings, or why it could not be read."""

    source: str
    identifier: str | None = None
    conforms: bool | None = None
    findings: list[Finding] = field(default_factory=list)
    conversion_warnings: list[str] = field(default_factory=list)
    error: str | None = None
    report_turtle: str | None = None
    #: The record's named graph and its triples, when the caller stores what it validated.
    graph_iri: str | None = None
    graph_ntriples: str | None = None

    def count(self, severity: str) -> int:
        """How many findings of one severity."""
        return sum(1 for finding in self.findings if finding.severity == severity)

    @property
    def exit_code(self) -> int:
        """0 conforms (warnings allowed), 1 violations, 2 unreadable."""
        return 2 if self.error is not None else 0 if self.conforms else 1


def _plural(lang: str, word: str, count: int) -> str:
    """`count` and the word, agreed: French takes the singular for 0 and 1, English for 1."""
    singular, plural = _WORDS[lang][word]
    one = count <= 1 if lang == "fr" else count == 1
    return f"{count} {singular if one else plural}"


def finding_text(finding: Finding, lang: str) -> str:
    """ "Field : « value » message" in one language."""
    words = _WORDS[lang]
    value = f"{str(words['quote']).format(finding.value)} " if finding.value is not None else ""
    return f"{finding.field[lang]}{words['colon']}{value}{finding.message[lang]}"


def write_text(report: RecordReport, stream: IO[str], lang: str) -> None:
    """One record's report: its status line, then its findings grouped by severity."""
    words = _WORDS[lang]
    name = f"{report.source} ({report.identifier})" if report.identifier else report.source
    if report.error is not None:
        stream.write(f"✘ {name}{words['colon']}{words['unreadable']}: {report.error}\n")
        return
    counts = [
        _plural(lang, s, report.count(s)) for s in ("Violation", "Warning") if report.count(s)
    ]
    status = ", ".join([str(words["conforms"])] * bool(report.conforms) + counts)
    stream.write(f"{'✔' if report.conforms else '✘'} {name}{words['colon']}{status}\n")
    for severity in ("Violation", "Warning", "Info"):
        group = [f for f in report.findings if f.severity == severity]
        if group:
            stream.write(f"  {str(words[severity][1]).capitalize()}\n")
        for finding in group:
            where = (
                ""
                if finding.focus.endswith(f"/partnership/{report.identifier}")
                else (f"  [{finding.focus}]")
            )
            stream.write(f"    • {finding_text(finding, lang)}{where}\n")
    for warning in report.conversion_warnings:
        stream.write(f"    ({words['conversion']}) {warning}\n")


@dataclass
class Tally:
    """Running counts of a validation run, for its summary."""

    records: int = 0
    conforming: int = 0
    with_violations: int = 0
    warnings: int = 0
    unreadable: int = 0

    def add(self, report: RecordReport) -> None:
        """Count one record's outcome."""
        self.records += 1
        self.conforming += report.conforms is True
        self.with_violations += report.conforms is False
        self.warnings += report.count("Warning")
        self.unreadable += report.error is not None

    def text(self, lang: str) -> str:
        """The closing line: records, conforming, with violations, warnings, unreadable."""
        words = _WORDS[lang]
        return (
            f"{self.records} {words['records']}{words['colon']}"
            f"{_plural(lang, 'conforming', self.conforming)}, "
            f"{self.with_violations} {words['with_violations']}, "
            f"{_plural(lang, 'Warning', self.warnings)}, "
            f"{_plural(lang, 'unreadables', self.unreadable)}"
        )


def record_json(report: RecordReport, lang: str) -> dict[str, Any]:
    """One record's report as the documented JSON object."""
    return {
        "source": report.source,
        "identifier": report.identifier,
        "conforms": report.conforms,
        "violations": report.count("Violation"),
        "warnings": report.count("Warning"),
        "error": report.error,
        "results": [
            {
                **{k: v for k, v in asdict(finding).items() if k not in ("field", "message")},
                "field": finding.field,
                "message": finding.message,
                "text": finding_text(finding, lang),
            }
            for finding in report.findings
        ],
        "conversion_warnings": report.conversion_warnings,
    }


class ReportWriter:
    """Streams reports in one format as they arrive; `close()` writes the summary."""

    def __init__(self, stream: IO[str], fmt: str, lang: str) -> None:
        self.stream, self.fmt, self.lang = stream, fmt, lang
        self.tally = Tally()
        if fmt == "json":
            stream.write(f'{{"format": {JSON_FORMAT_VERSION}, "records": [\n')

    def write(self, report: RecordReport) -> None:
        """Write one record's report."""
        if self.fmt == "text":
            write_text(report, self.stream, self.lang)
        elif self.fmt == "json":
            separator = ",\n" if self.tally.records else ""
            document = json.dumps(record_json(report, self.lang), ensure_ascii=False)
            self.stream.write(separator + document)
        else:
            self.stream.write(f"# {report.source}\n")
            self.stream.write(report.report_turtle or f"# unreadable: {report.error}\n")
        self.stream.flush()
        self.tally.add(report)

    def close(self) -> str:
        """Finish the document; return the summary line."""
        if self.fmt == "json":
            self.stream.write(f'\n], "summary": {json.dumps(asdict(self.tally))}}}\n')
        return self.tally.text(self.lang)
