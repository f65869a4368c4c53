"""Streaming RDF writers: one record's named graph at a time, so memory stays flat in N.

Each format is written as a valid document whatever the number of records: Turtle and TriG
repeat their `@prefix` lines per record (legal), N-Triples/N-Quads are sorted per record so the
output is byte-for-byte stable, JSON-LD is one document whose `@graph` holds one named graph a
record, compacted against a local context (never fetched).
"""

from __future__ import annotations

import json
from typing import IO, Any

from rdflib import Dataset, Graph, URIRef

from coopgraph.converters.to_rdf import PREFIXES
from coopgraph.errors import UnsupportedFormat

#: Output formats of `coopgraph convert`: name → (rdflib format, media type, suffix).
FORMATS = {
    "turtle": ("turtle", "text/turtle", ".ttl"),
    "trig": ("trig", "application/trig", ".trig"),
    "nquads": ("nquads", "application/n-quads", ".nq"),
    "ntriples": ("nt", "application/n-triples", ".nt"),
    "jsonld": ("json-ld", "application/ld+json", ".jsonld"),
}
JSONLD_CONTEXT: dict[str, Any] = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}


class RecordWriter:
    """Writes records' graphs to a text stream in one format."""

    def __init__(self, stream: IO[str], format: str) -> None:
        if format not in FORMATS:
            raise UnsupportedFormat(
                f"unknown output format {format!r}", hint=f"use one of {', '.join(FORMATS)}"
            )
        self.stream = stream
        self.format = format
        self.count = 0

    def __enter__(self) -> RecordWriter:
        if self.format == "jsonld":
            context = json.dumps(JSONLD_CONTEXT, ensure_ascii=False)
            self.stream.write(f'{{"@context": {context},\n "@graph": [\n')
        return self

    def __exit__(self, *exc: object) -> None:
        if self.format == "jsonld":
            self.stream.write("\n]}\n")

    def write(self, graph_iri: URIRef, graph: Graph) -> None:
        """Write one record's graph."""
        if self.format in ("ntriples", "nquads"):
            lines = graph.serialize(format="nt").splitlines()
            if self.format == "nquads":
                lines = [f"{line[:-2]}<{graph_iri}> ." for line in lines if line]
            self.stream.write("\n".join(sorted(line for line in lines if line)) + "\n")
        elif self.format == "turtle":
            self.stream.write(graph.serialize(format="turtle"))
        elif self.format == "trig":
            dataset = Dataset()
            for prefix, namespace in graph.namespaces():
                dataset.bind(prefix, namespace)
            named = dataset.graph(graph_iri)
            for triple in graph:
                named.add(triple)
            self.stream.write(dataset.serialize(format="trig"))
        else:
            document = json.loads(
                graph.serialize(format="json-ld", context=JSONLD_CONTEXT, auto_compact=True)
            )
            nodes = document.get("@graph", [document])
            for node in nodes:
                node.pop("@context", None)
            separator = ",\n" if self.count else ""
            record = json.dumps({"@id": str(graph_iri), "@graph": nodes}, ensure_ascii=False)
            self.stream.write(separator + record)
        self.count += 1
