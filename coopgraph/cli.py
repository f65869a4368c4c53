"""The `coopgraph` command: thin click commands over the plain functions of each stage."""

from __future__ import annotations

import io
import itertools
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, TypeVar

import click

from coopgraph import settings
from coopgraph.converters.batch import convert_paths
from coopgraph.converters.jsonrecord import record_schema
from coopgraph.converters.pipeline import SUFFIXES, Conversion, input_files
from coopgraph.converters.rdfinput import RDF_SUFFIXES
from coopgraph.converters.to_rdf import ConversionOptions
from coopgraph.converters.writers import FORMATS, RecordWriter
from coopgraph.errors import CoopgraphError

if TYPE_CHECKING:
    from coopgraph.server.store import Store
    from coopgraph.shapes.report import RecordReport

T = TypeVar("T")
#: Below this many files no progress bar is worth drawing.
_PROGRESS_MIN_FILES = 5


@contextmanager
def _output(path: str | None) -> Iterator[IO[str]]:
    """stdout, or a file written whole or not at all (temporary file, then renamed)."""
    if path is None or path == "-":
        yield sys.stdout
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=target.parent, prefix=f".{target.name}.", delete=False
    ) as handle:
        try:
            yield handle
        except BaseException:
            handle.close()
            os.unlink(handle.name)
            raise
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(handle.name, 0o666 & ~umask)  # as other new files, not the 0600 of temp files
    os.replace(handle.name, target)


@contextmanager
def _progress(
    items: Iterable[T], length: int, label: str, stdout_used: bool
) -> Iterator[Iterable[T]]:
    """A progress bar on standard error when it is a terminal the results do not also go to."""
    shown = sys.stderr.isatty() and length > _PROGRESS_MIN_FILES
    if shown and not (stdout_used and sys.stdout.isatty()):
        with click.progressbar(items, length=length, label=label, file=sys.stderr) as bar:
            yield bar
    else:
        yield items


def _options(base: str | None, personal: bool | None) -> ConversionOptions:
    return ConversionOptions(
        base=settings.as_base(base),
        include_personal_data=(
            settings.as_bool(settings.PUBLISH_PERSONAL_DATA) if personal is None else personal
        ),
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="coopgraph")
def main() -> None:
    """coopgraph: Atlas partnership records as linked data."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", help="File to write (default: standard output).")
@click.option(
    "--format", "fmt", type=click.Choice(list(FORMATS)), default="turtle", show_default=True
)
@click.option("--base", help=f"BASE of minted IRIs [env {settings.BASE.variable}].")
@click.option(
    "--include-personal-data/--no-personal-data",
    "personal",
    default=None,
    help=f"Publish people's names and e-mails [env {settings.PUBLISH_PERSONAL_DATA.variable}].",
)
@click.option("-q", "--quiet", is_flag=True, help="Only failures and the summary line.")
def convert(
    paths: tuple[Path, ...],
    output: str | None,
    fmt: str,
    base: str | None,
    personal: bool | None,
    quiet: bool,
) -> None:
    """Convert Atlas pages (text, HTML) or JSON records to RDF, one named graph a record.

    PATHS are files or folders (searched for .txt, .html, .htm, .json).
    Exit status: 0 when every file converted, 2 when an input could not be read.
    """
    try:
        options = _options(base, personal)
    except CoopgraphError as error:
        raise click.UsageError(str(error)) from error
    files = list(input_files(paths))

    def report(outcome: Conversion | CoopgraphError) -> None:
        if isinstance(outcome, CoopgraphError):
            click.secho(f"error: {outcome}", fg="red", err=True)
        elif not quiet:
            for note in outcome.notes:
                click.echo(f"note: {outcome.source}: {note}", err=True)
            for warning in outcome.warnings:
                click.secho(f"warning: {outcome.source}:{warning}", fg="yellow", err=True)

    with (
        _output(output) as stream,
        RecordWriter(stream, fmt) as writer,
        _progress(files, len(files), "converting", output is None) as items,
    ):
        summary = convert_paths(items, writer, options, report)
    click.echo(summary.line(), err=True)
    sys.exit(summary.exit_code)


@main.command()
def schema() -> None:
    """Print the JSON Schema of a record as JSON (the form `convert` reads from .json files)."""
    click.echo(json.dumps(record_schema(), ensure_ascii=False, indent=2))


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "turtle"]),
    default="text",
    show_default=True,
    help="text for people, json for programs, turtle: sh:ValidationReport.",
)
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
@click.option("-o", "--output", help="File to write the report to (default: standard output).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Processes (default: one a core).")
@click.option("--base", help=f"BASE of minted IRIs [env {settings.BASE.variable}].")
@click.option(
    "--include-personal-data/--no-personal-data",
    "personal",
    default=None,
    help="Validate for publishing people's names and e-mails (the privacy shape is off).",
)
def validate(
    paths: tuple[Path, ...],
    fmt: str,
    lang: str,
    output: str | None,
    jobs: int | None,
    base: str | None,
    personal: bool | None,
) -> None:
    """Validate records against the SHACL shapes and report what to fix.

    PATHS are files or folders: Atlas pages (text, HTML), JSON records, or RDF (Turtle .ttl,
    N-Triples .nt, JSON-LD .jsonld). Exit status: 0 every record conforms (warnings allowed),
    1 some record has a violation, 2 some input could not be read.
    """
    from coopgraph.shapes.batch import validate_paths
    from coopgraph.shapes.report import ReportWriter

    try:
        options = _options(base, personal)
    except CoopgraphError as error:
        raise click.UsageError(str(error)) from error
    files = list(input_files(paths, [*SUFFIXES, *RDF_SUFFIXES]))
    reports = validate_paths(files, options, with_turtle=fmt == "turtle", jobs=jobs)
    worst = 0
    with _output(output) as stream:
        writer = ReportWriter(stream, fmt, lang)
        if sys.stderr.isatty() and len(files) > _PROGRESS_MIN_FILES and output is not None:
            with click.progressbar(
                reports, length=len(files), label="validating", file=sys.stderr
            ) as bar:
                for report in bar:
                    writer.write(report)
                    worst = max(worst, report.exit_code)
        else:
            for report in reports:
                writer.write(report)
                worst = max(worst, report.exit_code)
        summary = writer.close()
    click.echo(summary, err=True)
    sys.exit(worst)


def _store_options(command: Callable[..., None]) -> Callable[..., None]:
    """--store / --endpoint / --update-endpoint / --graph-store, shared by the store commands."""
    options = [
        click.option(
            "--store",
            "store_path",
            type=click.Path(path_type=Path),
            help="Embedded store directory [env COOPGRAPH_STORE; default "
            "~/.local/share/coopgraph/store].",
        ),
        click.option("--endpoint", help="SPARQL 1.1 query endpoint of a remote store."),
        click.option("--update-endpoint", help="SPARQL 1.1 update endpoint (default: --endpoint)."),
        click.option("--graph-store", help="Graph Store Protocol URL, to replace records by PUT."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _open(
    store_path: Path | None,
    endpoint: str | None,
    update_endpoint: str | None,
    graph_store: str | None,
) -> Store:
    from coopgraph.server.store import open_store

    if (update_endpoint or graph_store) and not endpoint:
        raise click.UsageError("--update-endpoint and --graph-store need --endpoint")
    try:
        return open_store(
            store_path, endpoint=endpoint, update_endpoint=update_endpoint, graph_store=graph_store
        )
    except CoopgraphError as error:
        click.secho(f"error: {error}", fg="red", err=True)
        sys.exit(error.exit_code)


@contextmanager
def _store_errors() -> Iterator[None]:
    """Store and query errors as one clear line and their exit status, not a traceback."""
    try:
        yield
    except CoopgraphError as error:
        click.secho(f"error: {error}", fg="red", err=True)
        sys.exit(error.exit_code)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@_store_options
@click.option("--force", is_flag=True, help="Store records with violations too (and say so).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Processes (default: one a core).")
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
@click.option("--base", help=f"BASE of minted IRIs [env {settings.BASE.variable}].")
def load(
    paths: tuple[Path, ...],
    store_path: Path | None,
    endpoint: str | None,
    update_endpoint: str | None,
    graph_store: str | None,
    force: bool,
    jobs: int | None,
    lang: str,
    base: str | None,
) -> None:
    """Convert, validate and store records, one named graph each.

    A record with violations is not stored: its report is printed (--force stores it anyway).
    Unchanged sources are skipped. Exit status: 0 all stored or unchanged, 1 some refused,
    2 some input unreadable, 3 the store failed (nothing half-written).
    """
    from coopgraph.server.load import load_paths
    from coopgraph.shapes.report import write_text

    try:
        options = _options(base, None)
    except CoopgraphError as error:
        raise click.UsageError(str(error)) from error
    files = list(input_files(paths, [*SUFFIXES, *RDF_SUFFIXES]))

    def report(record: RecordReport, outcome: str) -> None:
        if outcome in ("refused", "unreadable", "forced"):
            write_text(record, sys.stderr, lang)
        if outcome == "forced":
            click.secho(
                f"stored despite its violations (--force): {record.source}", fg="yellow", err=True
            )

    with (
        _store_errors(),
        _open(store_path, endpoint, update_endpoint, graph_store) as store,
        _progress(files, len(files), "loading", stdout_used=False) as bar,
    ):
        advance = bar.update if hasattr(bar, "update") else (lambda done: None)
        summary = load_paths(
            files, store, options, force=force, jobs=jobs, report=report, progress=advance
        )
    click.echo(summary.line(), err=True)
    sys.exit(summary.exit_code)


@main.command()
@click.argument("sparql")
@_store_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "tsv", "json", "xml", "turtle", "ntriples"]),
    default="table",
    show_default=True,
    help="table/csv/tsv/json/xml for SELECT and ASK; turtle/ntriples for CONSTRUCT.",
)
def query(
    sparql: str,
    store_path: Path | None,
    endpoint: str | None,
    update_endpoint: str | None,
    graph_store: str | None,
    fmt: str,
) -> None:
    """Run a SPARQL query against the store; results are streamed."""
    output = sys.stdout.buffer
    with _store_errors(), _open(store_path, endpoint, update_endpoint, graph_store) as store:
        if fmt in ("turtle", "ntriples"):
            graph = store.construct(sparql)
            output.write(
                graph.serialize(format="nt" if fmt == "ntriples" else "turtle", encoding="utf-8")
            )
        elif fmt == "table":
            with tempfile.SpooledTemporaryFile(max_size=8 << 20) as spool:
                store.query_to(sparql, "tsv", spool)
                spool.seek(0)
                _print_table(io.TextIOWrapper(spool, encoding="utf-8"))
        else:
            store.query_to(sparql, fmt, output)
    output.flush()


def _print_table(rows: IO[str]) -> None:
    """TSV results as an aligned table; widths from the first rows, the rest streamed."""
    head = [line.rstrip("\n").split("\t") for line in itertools.islice(rows, 200)]
    if not head:
        return
    widths = [max(len(row[i]) if i < len(row) else 0 for row in head) for i in range(len(head[0]))]
    widths = [min(width, 60) for width in widths]
    for row in itertools.chain(head, (line.rstrip("\n").split("\t") for line in rows)):
        click.echo(" | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)))


@main.command()
@_store_options
@click.option(
    "--format", "fmt", type=click.Choice(["nquads", "trig"]), default="nquads", show_default=True
)
@click.option("-o", "--output", help="File to write (default: standard output).")
def dump(
    store_path: Path | None,
    endpoint: str | None,
    update_endpoint: str | None,
    graph_store: str | None,
    fmt: str,
    output: str | None,
) -> None:
    """Write every record's graph (N-Quads or TriG), streamed."""
    with _store_errors(), _open(store_path, endpoint, update_endpoint, graph_store) as store:
        if output is None or output == "-":
            store.dump(sys.stdout.buffer, fmt)
        else:
            with _output(output) as stream:
                stream.flush()
                store.dump(stream.buffer, fmt)  # type: ignore[attr-defined]


@main.command()
@_store_options
def stats(
    store_path: Path | None,
    endpoint: str | None,
    update_endpoint: str | None,
    graph_store: str | None,
) -> None:
    """Records, triples, graphs and the time of the last load."""
    with _store_errors(), _open(store_path, endpoint, update_endpoint, graph_store) as store:
        figures = store.stats()
    click.echo(
        f"records    {figures.records}\ntriples    {figures.triples}\n"
        f"graphs     {figures.graphs}\nlast load  {figures.last_load or 'never'}"
    )


@main.command()
@click.argument("identifiers", nargs=-1, required=True)
@_store_options
@click.option("--base", help=f"BASE of minted IRIs [env {settings.BASE.variable}].")
def delete(
    identifiers: tuple[str, ...],
    store_path: Path | None,
    endpoint: str | None,
    update_endpoint: str | None,
    graph_store: str | None,
    base: str | None,
) -> None:
    """Delete records by identifier: each one's named graph, and so the facts only it asserted.

    Exit status: 0 every record deleted, 1 some record was not in the store.
    """
    options = _options(base, None)
    missing = 0
    with _store_errors(), _open(store_path, endpoint, update_endpoint, graph_store) as store:
        for identifier in identifiers:
            if store.delete_graph(str(options.graph_iri(identifier))):
                click.echo(f"deleted {identifier}", err=True)
            else:
                missing += 1
                click.secho(f"not in the store: {identifier}", fg="yellow", err=True)
    sys.exit(1 if missing else 0)
