"""Dereferenceable IRIs: one content-negotiation rule for every resource and document we serve.

The rule (Cool URIs, direct content negotiation): `GET {IRI}` answers with the representation
the Accept header prefers (HTML first for browsers and `*/*`; Turtle, JSON-LD, N-Triples,
RDF/XML), with `Vary: Accept`, `Content-Location` naming the format's own URL and `Link`
headers to the others; `GET {IRI}.ttl` (`.jsonld`, `.nt`, `.rdf`, `.html`) answers that format
whatever Accept says. Every answer has an ETag (a 304 for a matching If-None-Match); an IRI the
data does not describe is a 404 in the asked format; nothing acceptable is a 406.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from flask import Blueprint, Response, current_app, render_template, request
from rdflib import Graph

from coopgraph.errors import NotAcceptable, ResourceNotFound
from coopgraph.server import pagekit, pages
from coopgraph.server.negotiation import RDFLIB_FORMATS, negotiate
from coopgraph.server.resources import Namespaces, describe, ontology_document

blueprint = Blueprint("linkeddata", __name__)

#: The representations of a resource: media type → suffix. HTML first: `*/*` gets the page.
DOCUMENTS = {
    "text/html": "html",
    "text/turtle": "ttl",
    "application/ld+json": "jsonld",
    "application/n-triples": "nt",
    "application/rdf+xml": "rdf",
}
_BY_SUFFIX = {suffix: media_type for media_type, suffix in DOCUMENTS.items()}
_PREFIXES = {
    "coop": "https://w3id.org/coopgraph/ontology#",
    "coopv": "https://w3id.org/coopgraph/vocab/",
    "org": "http://www.w3.org/ns/org#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "schema": "http://schema.org/",
    "prov": "http://www.w3.org/ns/prov#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "country": "http://publications.europa.eu/resource/authority/country/",
}


def namespaces() -> Namespaces:
    return Namespaces(current_app.config["BASE"])


def split_suffix(path: str) -> tuple[str, str | None]:
    """`/id/x.ttl` → (`/id/x`, `text/turtle`); a path without a known suffix is unchanged."""
    stem, dot, suffix = path.rpartition(".")
    if dot and "/" not in suffix and suffix in _BY_SUFFIX:
        return stem, _BY_SUFFIX[suffix]
    return path, None


def serialize(graph: Graph, media_type: str) -> bytes:
    """RDF in one of our document formats, with the usual prefixes bound."""
    for prefix, namespace in _PREFIXES.items():
        graph.bind(prefix, namespace, override=False)
    return graph.serialize(format=RDFLIB_FORMATS[media_type], encoding="utf-8")


def _choose(fixed: str | None) -> tuple[str, bool]:
    """(media type, negotiated?) — a suffix fixes the format, else Accept decides."""
    if fixed:
        return fixed, False
    try:
        return negotiate(DOCUMENTS, request.headers.get("Accept")), True
    except NotAcceptable as error:
        error.hint = f"accept one of {', '.join(DOCUMENTS)}, or add .ttl/.jsonld/.nt/.rdf"
        raise


def document(
    path: str,
    fixed: str | None,
    rdf: Callable[[], Graph],
    html: Callable[[Graph], str],
) -> Response:
    """Answer for the document at `path` (no suffix): negotiate, render, tag, link."""
    media_type, negotiated = _choose(fixed)
    graph = rdf()
    if len(graph) == 0:
        raise ResourceNotFound(f"nothing is known about {namespaces().iri(path)}")
    body = (
        html(graph).encode("utf-8") if media_type == "text/html" else serialize(graph, media_type)
    )
    response = Response(body, mimetype=media_type)
    if media_type == "text/html":
        response.mimetype_params["charset"] = "utf-8"
    response.headers["Link"] = ", ".join(
        f'<{path}.{suffix}>; rel="alternate"; type="{other}"'
        for other, suffix in DOCUMENTS.items()
        if other != media_type
    )
    if negotiated:
        response.headers["Vary"] = "Accept"
        response.headers["Content-Location"] = f"{path}.{DOCUMENTS[media_type]}"
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.make_conditional(request)
    return response


def not_found(error: ResourceNotFound) -> Response:
    """A 404 in the format asked for (an empty RDF document, or a page)."""
    _, fixed = split_suffix(request.path)
    try:
        media_type, _ = _choose(fixed)
    except NotAcceptable:
        media_type = "text/plain"
    if media_type == "text/html":
        body = render_template("not_found.html", message=str(error), **pagekit.chrome()).encode()
    elif media_type in RDFLIB_FORMATS:
        body = serialize(Graph(), media_type)
    else:
        body = f"{error}\n".encode()
    response = Response(body, status=error.status, mimetype=media_type)
    response.headers["Vary"] = "Accept"
    return response


@blueprint.route("/id/<path:name>")
@blueprint.route("/graph/<path:name>")
@blueprint.route("/vocab/<path:name>")
def resource(name: str) -> Response:
    """Any IRI of the data (and of the concept schemes), described by the store."""
    path, fixed = split_suffix(request.path)
    iri = namespaces().iri(path)
    return document(path, fixed, lambda: describe(iri), lambda graph: pages.resource(iri, graph))


@blueprint.route("/ontology")
@blueprint.route("/ontology.<suffix>")
def ontology(suffix: str | None = None) -> Response:
    """The ontology and the concept schemes, as RDF or as documentation."""
    fixed = _BY_SUFFIX.get(suffix or "")
    if suffix and not fixed:
        raise ResourceNotFound(f"no /ontology.{suffix}: use .ttl, .jsonld, .nt, .rdf or .html")
    return document("/ontology", fixed, ontology_document, pages.ontology)
