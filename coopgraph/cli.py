"""The `coopgraph` command: thin click commands over the plain functions of each stage."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import click

from coopgraph import settings
from coopgraph.converters.batch import convert_paths
from coopgraph.converters.jsonrecord import record_schema
from coopgraph.converters.pipeline import Conversion, input_files
from coopgraph.converters.to_rdf import ConversionOptions
from coopgraph.converters.writers import FORMATS, RecordWriter
from coopgraph.errors import CoopgraphError

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

    with _output(output) as stream, RecordWriter(stream, fmt) as writer:
        if sys.stderr.isatty() and len(files) > _PROGRESS_MIN_FILES:
            with click.progressbar(files, label="converting", file=sys.stderr) as bar:
                summary = convert_paths(bar, writer, options, report)
        else:
            summary = convert_paths(files, writer, options, report)
    click.echo(summary.line(), err=True)
    sys.exit(summary.exit_code)


@main.command()
def schema() -> None:
    """Print the JSON Schema of a record as JSON (the form `convert` reads from .json files)."""
    click.echo(json.dumps(record_schema(), ensure_ascii=False, indent=2))
