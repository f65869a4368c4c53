"""Store commands of `coopgraph`: load, query, dump, stats, delete."""

from __future__ import annotations

import contextlib
import io
import itertools
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import click

from coopgraph.cli_common import base_option, jobs_option, lang_option
from coopgraph.cli_common import conversion_options as _options
from coopgraph.cli_common import output_file as _output
from coopgraph.cli_common import progress_steps as _progress_steps
from coopgraph.converters.pipeline import SUFFIXES, input_files
from coopgraph.converters.rdfinput import RDF_SUFFIXES
from coopgraph.errors import CoopgraphError
from coopgraph.server.store import Store
from coopgraph.shapes.report import RecordReport


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
    # Opening errors are reported by `_store_errors`, which every caller enters first.
    return open_store(
        store_path, endpoint=endpoint, update_endpoint=update_endpoint, graph_store=graph_store
    )


@contextmanager
def _store_errors() -> Iterator[None]:
    """Store and query errors as one clear line and their exit status, not a traceback."""
    try:
        yield
    except CoopgraphError as error:
        click.secho(f"error: {error}", fg="red", err=True)
        sys.exit(error.exit_code)


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@_store_options
@click.option("--force", is_flag=True, help="Store records with violations too (and say so).")
@click.option(
    "--bulk/--no-bulk",
    default=True,
    show_default=True,
    help="Into a store holding no records, build the records beside it in bulk and swap them "
    "in whole (faster); --no-bulk writes one transaction a record even then.",
)
@jobs_option
@lang_option
@base_option
def load(
    paths: tuple[Path, ...],
    store_path: Path | None,
    endpoint: str | None,
    update_endpoint: str | None,
    graph_store: str | None,
    force: bool,
    bulk: bool,
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
    files = input_files(paths, [*SUFFIXES, *RDF_SUFFIXES])

    def report(record: RecordReport, outcome: str) -> None:
        if outcome in ("refused", "unreadable", "forced"):
            write_text(record, sys.stderr, lang)
        if outcome == "forced":
            click.secho(
                f"stored despite its violations (--force): {record.source}", fg="yellow", err=True
            )

    bars = contextlib.ExitStack()
    storing: Callable[[int], None] | None = None

    def stored(done: int, total: int) -> None:
        """A bulk load stores the records once all are processed: a second bar."""
        nonlocal storing
        if storing is None:
            bars.close()  # the first bar's line is done
            storing = bars.enter_context(_progress_steps(total, "storing"))
        storing(1)

    with _store_errors(), _open(store_path, endpoint, update_endpoint, graph_store) as store, bars:
        summary = load_paths(
            files,
            store,
            options,
            force=force,
            bulk=bulk,
            jobs=jobs,
            report=report,
            progress=bars.enter_context(_progress_steps(len(files), "loading")),
            stored=stored,
        )
    click.echo(summary.line(), err=True)
    sys.exit(summary.exit_code)


@click.command()
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


@click.command()
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


@click.command()
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


@click.command()
@click.argument("identifiers", nargs=-1, required=True)
@_store_options
@base_option
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
        if missing < len(identifiers):  # servers over this store see a new state: no kept answer
            store.stamp_last_load(options.base)
    sys.exit(1 if missing else 0)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--threads",
    default=8,
    show_default=True,
    type=int,
    help="Connections served at once (queries run in COOPGRAPH_QUERY_WORKERS processes).",
)
@click.option(
    "--store",
    "store_path",
    type=click.Path(path_type=Path),
    help="Embedded store directory [env COOPGRAPH_STORE].",
)
@click.option(
    "--endpoint", help="Serve a remote store: its SPARQL 1.1 query URL [env COOPGRAPH_ENDPOINT]."
)
@click.option(
    "--update-endpoint",
    help="Its SPARQL Update URL, for /records (default: --endpoint) "
    "[env COOPGRAPH_UPDATE_ENDPOINT].",
)
@click.option(
    "--graph-store",
    help="Its Graph Store Protocol URL, to replace records by PUT [env COOPGRAPH_GRAPH_STORE].",
)
def serve(
    host: str,
    port: int,
    threads: int,
    store_path: Path | None,
    endpoint: str | None,
    update_endpoint: str | None,
    graph_store: str | None,
) -> None:
    """Serve the SPARQL endpoint (/sparql) with gunicorn."""
    from coopgraph.server.app import create_app
    from coopgraph.server.serve import serve as run_server

    if store_path and endpoint:
        raise click.UsageError("--store and --endpoint name two stores: give one")
    if (update_endpoint or graph_store) and not endpoint:
        raise click.UsageError("--update-endpoint and --graph-store need --endpoint")
    config: dict[str, str | None] = {}
    if store_path:
        config.update(STORE=str(store_path), ENDPOINT=None)  # not COOPGRAPH_ENDPOINT's
    given = {"ENDPOINT": endpoint, "UPDATE_ENDPOINT": update_endpoint, "GRAPH_STORE": graph_store}
    config.update({key: value for key, value in given.items() if value})
    app = create_app(dict(config) or None)
    served = app.config.get("ENDPOINT") or app.config["STORE"]
    click.echo(f"coopgraph: SPARQL endpoint on http://{host}:{port}/sparql ({served})", err=True)
    run_server(app, host=host, port=port, threads=threads)
