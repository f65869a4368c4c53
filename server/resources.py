"""What the server says about one IRI: where it lives locally, and its RDF description.

One rule for every IRI we mint or own: the description is the resource's concise bounded
description (its own triples), the triples that point at it (capped), and the labels of every
resource on the other end, so that a crawler needs one request a resource and a page has every
name it shows. IRIs of our own namespaces map to local paths: `{BASE}id/…` and `{BASE}graph/…`
to `/id/…` and `/graph/…`, and the w3id.org ontology and concept schemes to `/ontology` and
`/vocab/…` (what the w3id.org redirect does for a deployment).
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph, URIRef

from coopgraph.errors import ResourceNotFound
from coopgraph.server import queries

W3ID = "https://w3id.org/coopgraph/"
ONTOLOGY_DOCUMENT = URIRef(f"{W3ID}ontology")
#: Triples pointing at a resource that its description includes; the rest is one query away.
MAX_INBOUND = 500
#: Properties that name things, in the order a page prefers them.
LABELS = (
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://purl.org/dc/terms/title",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://schema.org/name",
)


@dataclass(frozen=True)
class Namespaces:
    """The IRI spaces this server answers for, and their local paths."""

    base: str  # the data BASE, e.g. https://atlas.example.org/

    def local_path(self, iri: str) -> str | None:
        """The path that dereferences `iri` here, or None when it is not ours."""
        for prefix in ("id/", "graph/"):
            if iri.startswith(self.base + prefix):
                return "/" + iri[len(self.base) :]
        if iri.split("#", 1)[0] == self.base + "dataset":
            return "/dataset"
        if iri == str(ONTOLOGY_DOCUMENT) or iri.startswith(f"{ONTOLOGY_DOCUMENT}#"):
            return "/ontology"
        if iri.startswith(f"{W3ID}vocab/"):
            return "/" + iri[len(W3ID) :]
        return None

    def iri(self, path: str) -> URIRef:
        """The IRI a local path (without suffix) stands for."""
        if path == "/ontology":
            return ONTOLOGY_DOCUMENT
        if path.startswith("/vocab/"):
            return URIRef(W3ID + path[1:])
        return URIRef(self.base + path.lstrip("/"))


def _iri(text: str) -> str:
    """`<text>` for a query; a text no IRI of ours could be is a 404, not a query."""
    if any(character in text for character in '<>"{}|^`\\ \n\r\t') or not text.isprintable():
        raise ResourceNotFound(f"{text!r} is not an IRI this server mints")
    return f"<{text}>"


def describe(iri: URIRef) -> Graph:
    """The resource's own triples, up to MAX_INBOUND triples pointing at it, and labels."""
    this, labels = _iri(str(iri)), " ".join(_iri(label) for label in LABELS)
    query = f"""
        CONSTRUCT {{ {this} ?p ?o . ?o ?label ?name . ?s ?q {this} . ?s ?label2 ?name2 . }}
        WHERE {{
          {{ {this} ?p ?o .
             OPTIONAL {{ VALUES ?label {{ {labels} }} ?o ?label ?name }} }}
          UNION
          {{ {{ SELECT ?s ?q WHERE {{ ?s ?q {this} }} LIMIT {MAX_INBOUND} }}
             OPTIONAL {{ VALUES ?label2 {{ {labels} }} ?s ?label2 ?name2 }} }}
        }}"""
    return queries.construct(query)


def ontology_document() -> Graph:
    """The ontology and concept schemes, as the store holds them (loaded with every record)."""
    return queries.construct(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {_iri(str(ONTOLOGY_DOCUMENT))} {{ ?s ?p ?o }} }}"
    )
