"""Records that arrive already as RDF (Turtle, N-Triples, JSON-LD), read safely.

JSON-LD may name remote contexts; rdflib would fetch them. Nothing submitted makes coopgraph
open a connection, so any context that is not inline is refused before parsing.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rdflib import Graph

from coopgraph.converters.text import load_json
from coopgraph.errors import InputError, UnsupportedFormat

#: File suffixes of RDF records → rdflib parser name.
RDF_SUFFIXES = {".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld", ".json-ld": "json-ld"}
_LINE = re.compile(r"line (\d+)")


def looks_like_jsonld(text: str) -> bool:
    """A JSON document with JSON-LD keywords at its top level (not a coopgraph JSON record)."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # not JSON: `load_json` will say why
        return False
    items = data if isinstance(data, list) else [data]
    return any(isinstance(item, dict) and any(k.startswith("@") for k in item) for item in items)


def _remote_contexts(value: Any) -> list[str]:
    """Every context reference in a JSON-LD document that is not an inline object."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("@context", "@import"):
                contexts = item if isinstance(item, list) else [item]
                found += [c for c in contexts if isinstance(c, str)]
            found += _remote_contexts(item)
    elif isinstance(value, list):
        for item in value:
            found += _remote_contexts(item)
    return found


def parse_rdf(text: str, *, source: str, rdf_format: str) -> Graph:
    """Parse one record's RDF; errors name the source and, when known, the line."""
    if rdf_format not in RDF_SUFFIXES.values():
        raise UnsupportedFormat(
            f"no RDF reader for {rdf_format!r}",
            source=source,
            hint="use Turtle, N-Triples or JSON-LD",
        )
    if rdf_format == "json-ld":
        document = load_json(text, source=source, what="JSON-LD")
        remote = _remote_contexts(document)
        if remote:
            raise InputError(
                f"remote JSON-LD context {remote[0]!r} is not fetched",
                source=source,
                field="@context",
                hint="inline the context as a JSON object",
            )
    graph = Graph()
    try:
        graph.parse(data=text, format=rdf_format)
    except Exception as error:  # rdflib's parsers raise many unrelated types
        line: int | None
        if isinstance(error, IndexError):  # rdflib's Turtle parser running off the end
            why, line = "unexpected end of the document", text.count("\n") + 1
        else:
            why = getattr(error, "_why", None) or str(error).strip().splitlines()[0]
            lines = getattr(error, "lines", None)
            found = _LINE.search(str(error))
            line = lines + 1 if isinstance(lines, int) else int(found.group(1)) if found else None
        raise InputError(
            f"malformed {rdf_format}: {str(why)[:300]}",
            source=source,
            line=line,
            hint="fix the syntax",
        ) from error
    return graph
