"""Which media type answers a SPARQL request: the `format` parameter, else the Accept header.

One explicit table per result kind; Werkzeug parses Accept (q-values, wildcards), we never do.
"""

from __future__ import annotations

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from coopgraph.errors import NotAcceptable

#: SELECT and ASK results: media type → short name (also accepted as `format`).
SPARQL_RESULTS = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
#: CONSTRUCT and DESCRIBE results, and RDF documents: media type → short name.
RDF_GRAPHS = {
    "text/turtle": "turtle",
    "application/n-triples": "ntriples",
    "application/ld+json": "jsonld",
    "application/rdf+xml": "rdfxml",
    "application/trig": "trig",
    "application/n-quads": "nquads",
}
#: rdflib's serializer names of the RDF media types we write with rdflib.
RDFLIB_FORMATS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/trig": "trig",
    "application/n-quads": "nquads",
}
#: Names clients commonly send as `format` for the same media types.
_ALIASES = {
    "srj": "json",
    "srx": "xml",
    "ttl": "turtle",
    "nt": "ntriples",
    "json-ld": "jsonld",
    "rdf": "rdfxml",
    "xml-rdf": "rdfxml",
    "nq": "nquads",
}


def negotiate(table: dict[str, str], accept: str | None, format_: str | None = None) -> str:
    """The media type to answer with; `NotAcceptable` when nothing in `table` fits.

    `format` wins over Accept when given (a short name such as `csv`, or a media type). With no
    Accept header, or `*/*`, the first type of the table is chosen.
    """
    if format_:
        wanted = _ALIASES.get(format_.lower(), format_.lower())
        for media_type, name in table.items():
            if wanted in (name, media_type):
                return media_type
        raise NotAcceptable(
            f"format {format_!r} is not available here",
            field="format",
            hint=f"use one of {', '.join(table.values())}",
        )
    if not accept or not accept.strip():
        return next(iter(table))
    offered = list(table)
    best = parse_accept_header(accept, MIMEAccept).best_match(offered)
    if best is None:
        raise NotAcceptable(
            f"none of the accepted types ({accept}) can be produced",
            hint=f"accept one of {', '.join(offered)}",
        )
    return best
