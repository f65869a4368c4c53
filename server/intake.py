"""A record submitted over HTTP, read as `coopgraph validate` reads a file, and checked.

The format comes from the media type (`INPUTS`: the suffix the CLI would read the file by); the
bytes are read in the charset declared (by default UTF-8, strictly); errors name the line and
column. Before validation, a submission must be one record (`check_one_record`) whose IRIs are
the publisher's or known vocabularies' (`check_namespaces`). Nothing here opens a connection:
remote JSON-LD contexts are refused, and XML (RDF/XML) is never parsed.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, OWL, PROV, RDFS, SKOS, VOID, XSD
from rdflib.plugins.parsers.ntriples import DummySink, W3CNTriplesParser

from coopgraph.converters.parsed import ParseWarning
from coopgraph.converters.pipeline import Conversion, convert_bytes
from coopgraph.converters.rdfinput import RDF_SUFFIXES, looks_like_jsonld, parse_rdf
from coopgraph.converters.text import decode
from coopgraph.converters.to_rdf import ConversionOptions
from coopgraph.errors import (
    InputError,
    NotOneRecord,
    OutsideNamespace,
    UnreadableInput,
    UnsupportedFormat,
)
from coopgraph.ontology import COOP, COUNTRY, SCHEMA

#: Record formats read: media type → the file suffix `coopgraph validate` reads it by.
INPUTS = {
    "text/plain": ".txt",
    "text/html": ".html",
    "application/json": ".json",
    "text/turtle": ".ttl",
    "application/n-triples": ".nt",
    "application/ld+json": ".jsonld",
}
SUFFIX_TYPES = {suffix: kind for kind, suffix in INPUTS.items()} | {
    ".htm": "text/html",
    ".json-ld": "application/ld+json",
}
#: XML media types: refused with their own message (XML parsers can be led to fetch or expand).
_XML = ("application/rdf+xml", "application/xml", "text/xml")
#: Triples one submission may have: real records have a few hundred; pyshacl stays fast.
MAX_TRIPLES = 20_000
W3ID = "https://w3id.org/coopgraph/"
#: Vocabularies a record may use for its classes, properties, values and datatypes.
VOCABULARIES = (
    *(str(ns) for ns in (RDF, RDFS, OWL, XSD, SKOS, DCTERMS, ORG, SCHEMA, PROV, FOAF, DCAT, VOID)),
    "https://schema.org/",
)
#: Properties whose values are addresses elsewhere on the web by nature (where a record is from).
LINKS = frozenset({PROV.wasDerivedFrom, RDFS.seeAlso, SCHEMA.url})


@dataclass(frozen=True)
class Submission:
    """The submitted bytes, their format and charset, and the name they are reported under."""

    data: bytes
    media_type: str
    charset: str | None
    source: str  # the uploaded file's name, "text" (pasted) or "body"
    identifier: str  # the record's identifier when it names none itself


def media_type(name: str | None, what: str = "the request body") -> str:
    """An input media type we read, else a 415 that says which ones we do."""
    if name in INPUTS:
        return name
    accepted = ", ".join(INPUTS)
    if name in _XML:
        raise UnsupportedFormat(
            "RDF/XML is not read here: submitted XML is never parsed (no DOCTYPE, no entities)",
            field="Content-Type",
            hint=f"send Turtle, N-Triples or JSON-LD; accepted: {accepted}",
        )
    raise UnsupportedFormat(
        f"{what} is {name or 'of no stated type'}, a format /validate does not read",
        field="Content-Type",
        hint=f"accepted: {accepted}, or multipart/form-data (field file, or text and format)",
    )


def as_utf8(submission: Submission) -> bytes:
    """The bytes as UTF-8, read in the charset the Content-Type declares (by default UTF-8)."""
    data, charset = submission.data, submission.charset or "utf-8"
    try:
        encoding = codecs.lookup(charset).name
    except LookupError as error:
        raise UnsupportedFormat(
            f"unknown charset {charset!r}", field="charset", hint="send UTF-8"
        ) from error
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - data.rfind(b"\n", 0, error.start)
        raise UnreadableInput(
            f"not {encoding}: byte 0x{data[error.start]:02x} at offset {error.start} "
            f"(column {column})",
            source=submission.source,
            line=line,
            hint="save the record as UTF-8, or declare its charset in the Content-Type",
        ) from error
    return data if encoding == "utf-8" else text.encode("utf-8")


def _ntriples_line(text: str, rest: str) -> tuple[int, int] | None:
    """(line, column) of the first line that fails on its own and ends with `rest`."""
    parser = W3CNTriplesParser(DummySink())  # type: ignore[no-untyped-call]
    for number, line in enumerate(text.split("\n"), 1):
        if line.endswith(rest):
            try:
                parser.parsestring(line)
            except Exception:  # rdflib raises its ParseError
                return number, len(line) - len(rest) + 1
    return None


def _located(error: InputError, text: str) -> InputError:
    """The same error with the column (Turtle) or line and column (N-Triples) rdflib knew."""
    cause = error.__cause__
    found: tuple[int, int] | None = None
    parsed, index = getattr(cause, "_str", None), getattr(cause, "_i", None)
    if isinstance(parsed, bytes) and isinstance(index, int):  # rdflib's Turtle BadSyntax
        start = parsed.rfind(b"\n", 0, index) + 1
        column = len(parsed[start:index].decode(errors="ignore")) + 1  # in characters
        found = parsed.count(b"\n", 0, index) + 1, column
    elif str(getattr(cause, "msg", "")).startswith("Invalid line: "):  # rdflib's N-Triples
        found = _ntriples_line(text, str(getattr(cause, "msg", ""))[len("Invalid line: ") :])
    if found is None:
        return error
    return InputError(
        f"{error.message} (column {found[1]})",
        source=error.source,
        line=error.line or found[0],
        field=error.field,
        hint=error.hint,
    )


def read_record(submission: Submission, options: ConversionOptions) -> Conversion:
    """The record's graph, read as `coopgraph validate` reads a file of the same format."""
    data, source = as_utf8(submission), submission.source
    suffix = INPUTS[submission.media_type]
    if suffix in (".txt", ".html"):
        return convert_bytes(
            data, source=source, identifier=submission.identifier, options=options, suffix=suffix
        )
    decoded = decode(data, source)
    rdf_format = RDF_SUFFIXES.get(suffix) or (
        "json-ld" if looks_like_jsonld(decoded.text) else None
    )
    if rdf_format is None:  # a coopgraph JSON record
        return convert_bytes(
            data, source=source, identifier=submission.identifier, options=options, suffix=suffix
        )
    try:
        graph = parse_rdf(decoded.text, source=source, rdf_format=rdf_format)
    except InputError as error:
        located = _located(error, decoded.text)
        if located is error:
            raise
        raise located from error
    warnings = [ParseWarning(message, line) for line, message in decoded.warnings]
    graph_iri = options.graph_iri(submission.identifier)
    return Conversion(source, None, graph_iri, graph, warnings, decoded.notes)


def _relative(iri: str) -> str:
    """rdflib resolves relative IRIs against the working directory: never show that path."""
    here = Path.cwd().as_uri().rstrip("/") + "/"
    return f"{iri.removeprefix(here)} (relative)" if iri.startswith(here) else iri


def _foreign(node: object, known: tuple[str, ...]) -> bool:
    return isinstance(node, URIRef) and not str(node).startswith(known)


def check_namespaces(graph: Graph, base: str, submission: Submission) -> None:
    """Refuse IRIs outside BASE, our w3id.org terms, the EU country table and known vocabularies.

    Subjects must be ours (BASE or w3id.org/coopgraph); the values of `LINKS` may be anywhere.
    """
    ours = (base, W3ID)
    known = (*ours, str(COUNTRY), *VOCABULARIES)
    foreign: set[str] = set()
    for subject, predicate, value in graph:
        if _foreign(subject, ours):
            foreign.add(str(subject))
        # a literal's datatype is an IRI too; the values of LINKS may be anywhere
        named = (
            value.datatype if isinstance(value, Literal) else None if predicate in LINKS else value
        )
        foreign.update(str(iri) for iri in (predicate, named) if _foreign(iri, known))
    if not foreign:
        return
    shown = sorted(foreign)[:5]
    offset = submission.data.find(f"<{shown[0]}>".encode())
    raise OutsideNamespace(
        f"{len(foreign)} IRI(s) outside this publisher's namespace: "
        + ", ".join(f"<{_relative(iri)}>" for iri in shown)
        + (", …" if len(foreign) > len(shown) else ""),
        source=submission.source,
        line=submission.data.count(b"\n", 0, offset) + 1 if offset >= 0 else None,
        hint=f"name the record's resources under {base}id/ (a relative IRI needs @base) and use "
        "the coopgraph vocabularies, EU country IRIs and well-known vocabularies",
    )


def check_one_record(graph: Graph, source: str) -> None:
    """pyshacl runs on one record: one partnership, at most `MAX_TRIPLES` triples."""
    if len(graph) > MAX_TRIPLES:
        raise NotOneRecord(
            f"{len(graph):,} triples, more than one record has (at most {MAX_TRIPLES:,})",
            source=source,
            hint="send one record; validate many with `coopgraph validate`",
        )
    partnerships = set(graph.subjects(RDF.type, COOP.Partnership))
    if len(partnerships) > 1:
        raise NotOneRecord(
            f"{len(partnerships)} partnerships: /validate takes one record at a time",
            source=source,
            hint="send each record on its own; validate many with `coopgraph validate`",
        )
