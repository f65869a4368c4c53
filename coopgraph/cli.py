"""The `coopgraph` command: thin click commands over the plain functions of each stage.

Record commands (convert, schema, validate) are here; store commands in `cli_store`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from coopgraph import settings
from coopgraph.cli_common import base_option, jobs_option, lang_option
from coopgraph.cli_common import conversion_options as _options
from coopgraph.cli_common import output_file as _output
from coopgraph.cli_common import progress as _progress
from coopgraph.converters.batch import convert_paths
from coopgraph.converters.jsonrecord import record_schema
from coopgraph.converters.pipeline import SUFFIXES, Conversion, input_files
from coopgraph.converters.rdfinput import RDF_SUFFIXES
from coopgraph.converters.writers import FORMATS, RecordWriter
from coopgraph.errors import CoopgraphError


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
@base_option
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
    files = input_files(paths)

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
@lang_option
@click.option("-o", "--output", help="File to write the report to (default: standard output).")
@jobs_option
@base_option
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
    files = input_files(paths, [*SUFFIXES, *RDF_SUFFIXES])
    reports = validate_paths(files, options, with_turtle=fmt == "turtle", jobs=jobs)
    worst = 0
    with _output(output) as stream:
        writer = ReportWriter(stream, fmt, lang)
        with _progress(reports, len(files), "validating", output is None) as items:
            for report in items:
                writer.write(report)
                worst = max(worst, report.exit_code)
        summary = writer.close()
    click.echo(summary, err=True)
    sys.exit(worst)


def _register_store_commands() -> None:
    from coopgraph import cli_store

    for command in (
        cli_store.load,
        cli_store.query,
        cli_store.dump,
        cli_store.stats,
        cli_store.delete,
        cli_store.serve,
    ):
        main.add_command(command)


_register_store_commands()
