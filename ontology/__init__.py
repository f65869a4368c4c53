"""The coopgraph cooperation ontology and its SKOS concept schemes, shipped as Turtle.

`COOP` is a closed namespace: a typo in a term fails at import, and a test checks that every term
listed here is defined in `coop.ttl` (and the other way round).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DefinedNamespace

ONTOLOGY_IRI = URIRef("https://w3id.org/coopgraph/ontology")
VOCAB = Namespace("https://w3id.org/coopgraph/vocab/")
COUNTRY = Namespace("http://publications.europa.eu/resource/authority/country/")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("http://schema.org/")

#: Our concept schemes, by the slug used in `https://w3id.org/coopgraph/vocab/{scheme}/{slug}`.
SCHEMES = ("theme", "role", "status", "form", "instrument", "funder-category")


class COOP(DefinedNamespace):
    """Terms of the cooperation ontology (`https://w3id.org/coopgraph/ontology#`)."""

    _fail = True
    _NS = Namespace("https://w3id.org/coopgraph/ontology#")

    # classes
    Partnership: URIRef  # a decentralised-cooperation partnership, one Atlas record
    Funding: URIRef  # one amount given by one funder for one partnership in one year
    FunderCategory: URIRef  # a category of funders that is not one organisation
    ThemeAssignment: URIRef  # a qualified "other theme" of a partnership, with its priority
    Volunteering: URIRef  # a volunteer's assignment to a partnership (personal data)

    # partnership: dates, status, classification
    firstSignatureYear: URIRef
    startYear: URIRef
    status: URIRef
    form: URIRef
    otherTheme: URIRef
    theme: URIRef
    priority: URIRef

    # partnership: long texts (sub-properties of dct:description)
    context: URIRef
    history: URIRef
    objectives: URIRef
    description: URIRef
    beneficiaries: URIRef

    # partnership: actors
    projectOwner: URIRef
    projectManager: URIRef
    foreignPartner: URIRef
    frenchPartner: URIRef
    diplomaticPost: URIRef
    contactPost: URIRef
    volunteer: URIRef
    volunteerCount: URIRef

    # partnership: flags
    triennial: URIRef
    communicationInFrance: URIRef
    communicationInPartnerCountries: URIRef
    evaluation: URIRef

    # funding
    amountEUR: URIRef
    year: URIRef
    instrument: URIRef

    # provenance of a record's named graph
    converterVersion: URIRef
    sourceHash: URIRef


def scheme_iri(scheme: str) -> URIRef:
    """IRI of one of our concept schemes."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown concept scheme {scheme!r}; known: {', '.join(SCHEMES)}")
    return VOCAB[scheme]


def concept_iri(scheme: str, slug: str) -> URIRef:
    """IRI of a concept in one of our schemes."""
    return URIRef(f"{scheme_iri(scheme)}/{slug}")


def ontology_path() -> resources.abc.Traversable:
    """The ontology's Turtle file inside the installed package."""
    return resources.files(__name__) / "coop.ttl"


def vocabulary_path() -> resources.abc.Traversable:
    """The concept schemes' Turtle file inside the installed package."""
    return resources.files(__name__) / "vocab.ttl"


@cache
def _load() -> Graph:
    graph = Graph(bind_namespaces="core")
    for path in (ontology_path(), vocabulary_path()):
        graph.parse(data=path.read_text(encoding="utf-8"), format="turtle")
    return graph


def load() -> Graph:
    """The ontology and the concept schemes as one graph (a fresh copy the caller may change)."""
    copy = Graph(bind_namespaces="core")
    for prefix, namespace in _load().namespaces():
        copy.bind(prefix, namespace, replace=True)
    for triple in _load():
        copy.add(triple)
    return copy
