"""A file (or bytes) in, a record's named graph out: reading, format detection, provenance."""

from __future__ import annotations

import hashlib
import heapq
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import overload

from rdflib import Graph, URIRef

from coopgraph.converters.html import html_lines
from coopgraph.converters.jsonrecord import parse_json
from coopgraph.converters.page import parse_lines, text_lines
from coopgraph.converters.parsed import ParsedRecord, ParseWarning
from coopgraph.converters.rdfinput import RDF_SUFFIXES, looks_like_jsonld, parse_rdf
from coopgraph.converters.record import Record
from coopgraph.converters.text import decode, slugify
from coopgraph.converters.to_rdf import ConversionOptions, Provenance, add_provenance, record_graph
from coopgraph.errors import UnreadableInput

#: File suffixes taken when a folder is searched, by the reader they go to.
SUFFIXES = {".txt": "text", ".html": "html", ".htm": "html", ".json": "json"}


@cache
def converter_version() -> str:
    """The installed coopgraph version, recorded in each graph's provenance."""
    try:
        return version("coopgraph")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"


@dataclass
class Conversion:
    """One record converted: its graph (content and provenance) and what was noticed."""

    source: str
    record: Record | None  # None when the input was RDF already
    graph_iri: URIRef
    graph: Graph
    warnings: list[ParseWarning] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def sniff(data: str, suffix: str) -> str:
    """Which reader a file goes to: by suffix, else by its first characters."""
    if suffix.lower() in SUFFIXES:
        return SUFFIXES[suffix.lower()]
    start = data.lstrip()[:200].lower()
    if start.startswith("{"):
        return "json"
    if start.startswith(("<!doctype html", "<html", "<body", "<div", "<head")):
        return "html"
    return "text"


def parse_bytes(data: bytes, *, source: str, identifier: str, suffix: str = "") -> ParsedRecord:
    """Read a page's bytes (text, HTML or JSON record) into a record."""
    decoded = decode(data, source)
    kind = sniff(decoded.text, suffix)
    if kind == "json":
        parsed = parse_json(decoded.text, source=source)
    elif kind == "html":
        try:
            lines = html_lines(decoded.text)
        except RecursionError as error:
            raise UnreadableInput(
                "HTML nested too deeply to be a saved Atlas page",
                source=source,
                hint="save the page again from the browser",
            ) from error
        parsed = parse_lines(lines, source=source, identifier=identifier)
    else:
        parsed = parse_lines(text_lines(decoded.text), source=source, identifier=identifier)
    parsed.warnings[:0] = [ParseWarning(message, line) for line, message in decoded.warnings]
    parsed.notes[:0] = decoded.notes
    return parsed


def _generated_at(path: Path | None) -> str:
    """SOURCE_DATE_EPOCH when set (reproducible builds), else the source's modification time."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None:
        stamp = float(epoch)
    elif path is not None:
        stamp = path.stat().st_mtime
    else:
        stamp = datetime.now(UTC).timestamp()
    return datetime.fromtimestamp(int(stamp), UTC).isoformat().replace("+00:00", "Z")


def convert_bytes(
    data: bytes,
    *,
    source: str,
    identifier: str,
    options: ConversionOptions,
    suffix: str = "",
    path: Path | None = None,
) -> Conversion:
    """Bytes of one record → its named graph with provenance."""
    parsed = parse_bytes(data, source=source, identifier=identifier, suffix=suffix)
    record = parsed.record
    graph, warnings = record_graph(record, options)
    graph_iri = options.graph_iri(record.identifier)
    origin = record.source_url or (path.resolve().as_uri() if path else f"urn:coopgraph:{source}")
    add_provenance(
        graph,
        graph_iri,
        options.iri("partnership", slugify(record.identifier)),
        Provenance(
            source=origin,
            generated_at=_generated_at(path),
            sha256=hashlib.sha256(data).hexdigest(),
            converter_version=converter_version(),
        ),
    )
    return Conversion(source, record, graph_iri, graph, parsed.warnings + warnings, parsed.notes)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise UnreadableInput(
            f"cannot read the file: {error.strerror}", source=str(path), hint="check the path"
        ) from error


def convert_file(path: Path, options: ConversionOptions) -> Conversion:
    """One file → its record's named graph; `UnreadableInput` names the file."""
    data = _read(path)
    return convert_bytes(
        data, source=str(path), identifier=path.stem, options=options, suffix=path.suffix, path=path
    )


def read_graph(path: Path, options: ConversionOptions) -> Conversion:
    """A record's graph from any accepted file: a page or JSON record (converted), or RDF."""
    suffix = path.suffix.lower()
    if suffix not in RDF_SUFFIXES and suffix != ".json":
        return convert_file(path, options)
    data = _read(path)
    decoded = decode(data, str(path))
    rdf_format = RDF_SUFFIXES.get(suffix) or (
        "json-ld" if looks_like_jsonld(decoded.text) else None
    )
    if rdf_format is None:  # a coopgraph JSON record
        return convert_bytes(
            data, source=str(path), identifier=path.stem, options=options, suffix=suffix, path=path
        )
    graph = parse_rdf(decoded.text, source=str(path), rdf_format=rdf_format)
    warnings = [ParseWarning(message, line) for line, message in decoded.warnings]
    return Conversion(str(path), None, options.graph_iri(path.stem), graph, warnings, decoded.notes)


class FileList(Sequence[Path]):
    """Paths kept as their strings: 136,000 `Path` objects take 70 MiB, their strings 15, and a
    load holds its list of files from start to end."""

    def __init__(self, paths: Iterable[str | Path] = ()) -> None:
        self._paths = [os.fspath(path) for path in paths]

    def __len__(self) -> int:
        return len(self._paths)

    @overload
    def __getitem__(self, index: int) -> Path: ...
    @overload
    def __getitem__(self, index: slice) -> FileList: ...
    def __getitem__(self, index: int | slice) -> Path | FileList:
        if isinstance(index, slice):
            return FileList(self._paths[index])
        return Path(self._paths[index])

    def __iter__(self) -> Iterator[Path]:
        return map(Path, self._paths)

    def __repr__(self) -> str:
        return f"FileList({self._paths!r})"


def input_files(paths: Iterable[Path], suffixes: Iterable[str] = SUFFIXES) -> FileList:
    """The files to read: files as given, folders searched (in the order of their sorted paths,
    hidden files and folders skipped, links to folders not followed)."""
    wanted = {suffix.lower() for suffix in suffixes}
    return FileList(_found(paths, wanted))


def _found(paths: Iterable[Path], wanted: set[str]) -> Iterator[str]:
    for path in paths:
        if path.is_dir():
            yield from _files_under(os.fspath(path), wanted)
        else:
            yield os.fspath(path)  # a missing file is reported when it is read


def _files_under(folder: str, wanted: set[str]) -> Iterator[str]:
    """The files of `folder` and its subfolders with a wanted suffix, depth first, each folder's
    entries by name (what sorting their paths gives). Names only are kept while a folder is
    read: its entries' objects would take 6 times the memory."""
    files: list[str] = []
    folders: set[str] = set()
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                folders.add(entry.name)
            elif entry.is_file() and os.path.splitext(entry.name)[1].lower() in wanted:
                files.append(entry.name)
    files.sort()
    for name in heapq.merge(files, sorted(folders)):
        if name in folders:
            yield from _files_under(os.path.join(folder, name), wanted)
        else:
            yield os.path.join(folder, name)
