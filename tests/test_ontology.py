"""The ontology (coop.ttl) and the concept schemes (vocab.ttl) against COOP and MODEL.md."""

from __future__ import annotations

import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS

from coopgraph.converters.text import slugify
from coopgraph.ontology import (
    COOP,
    ONTOLOGY_IRI,
    ORG,
    SCHEMA,
    SCHEMES,
    concept_iri,
    load,
    ontology_path,
    vocabulary_path,
)

# A plain Namespace: pytest probes module attributes, and rdflib's XSD warns on unknown names.
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
COOP_NS = str(COOP._NS)
TERM_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
PROPERTY_TYPES = (OWL.ObjectProperty, OWL.DatatypeProperty)
#: Their subject is a record's named graph, so they have a range and no domain.
NO_DOMAIN = {COOP.converterVersion, COOP.sourceHash}
#: Schemes whose French labels are values the Atlas writes, so the converter slugs them.
ATLAS_VALUE_SCHEMES = ("status", "form", "funder-category")


@pytest.fixture(scope="module")
def coop() -> Graph:
    return Graph().parse(data=ontology_path().read_text(encoding="utf-8"), format="turtle")


@pytest.fixture(scope="module")
def vocab() -> Graph:
    return Graph().parse(data=vocabulary_path().read_text(encoding="utf-8"), format="turtle")


def coop_names() -> set[str]:
    return {name for name in COOP.__annotations__ if not name.startswith("_")}


def defined_terms(graph: Graph) -> set[URIRef]:
    return {
        subject
        for kind in TERM_TYPES
        for subject in graph.subjects(RDF.type, kind)
        if isinstance(subject, URIRef) and str(subject).startswith(COOP_NS)
    }


def languages(graph: Graph, subject: URIRef, predicate: URIRef) -> set[str | None]:
    return {
        obj.language
        for obj in graph.objects(subject, predicate)
        if isinstance(obj, Literal) and str(obj).strip()
    }


def concepts(graph: Graph) -> set[URIRef]:
    return {s for s in graph.subjects(RDF.type, SKOS.Concept) if isinstance(s, URIRef)}


def test_both_files_parse_and_are_not_empty(coop: Graph, vocab: Graph) -> None:
    assert len(coop) > 0
    assert len(vocab) > 0


def test_ontology_header(coop: Graph) -> None:
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in coop
    assert languages(coop, ONTOLOGY_IRI, DCTERMS.title) >= {"fr", "en"}
    assert languages(coop, ONTOLOGY_IRI, DCTERMS.description) >= {"fr", "en"}
    license_ = URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert (ONTOLOGY_IRI, DCTERMS.license, license_) in coop
    assert (ONTOLOGY_IRI, OWL.versionInfo, Literal("0.1.0")) in coop
    vann = Namespace("http://purl.org/vocab/vann/")
    assert coop.value(ONTOLOGY_IRI, vann.preferredNamespacePrefix) == Literal("coop")
    assert str(coop.value(ONTOLOGY_IRI, vann.preferredNamespaceUri)) == COOP_NS


def test_defined_terms_are_exactly_the_coop_namespace(coop: Graph) -> None:
    defined = {str(term)[len(COOP_NS) :] for term in defined_terms(coop)}
    expected = coop_names()
    assert defined - expected == set(), "defined in coop.ttl but missing from COOP"
    assert expected - defined == set(), "listed in COOP but not defined in coop.ttl"


def test_no_undeclared_coop_iri_is_used(coop: Graph, vocab: Graph) -> None:
    used = {
        node
        for graph in (coop, vocab)
        for triple in graph
        for node in triple
        if isinstance(node, URIRef) and str(node).startswith(COOP_NS)
    }
    assert {str(node)[len(COOP_NS) :] for node in used} <= coop_names()


def test_each_term_has_exactly_one_kind(coop: Graph) -> None:
    for term in defined_terms(coop):
        kinds = {kind for kind in TERM_TYPES if (term, RDF.type, kind) in coop}
        assert len(kinds) == 1, f"{term} is typed {kinds}"


@pytest.mark.parametrize("name", sorted(coop_names()))
def test_term_is_documented_in_french_and_english(coop: Graph, name: str) -> None:
    term = COOP[name]
    assert languages(coop, term, RDFS.label) >= {"fr", "en"}, f"{name}: rdfs:label fr+en"
    assert languages(coop, term, RDFS.comment) >= {"fr", "en"}, f"{name}: rdfs:comment fr+en"
    assert (term, RDFS.isDefinedBy, ONTOLOGY_IRI) in coop


def test_every_property_has_domain_and_range(coop: Graph) -> None:
    properties = {s for kind in PROPERTY_TYPES for s in coop.subjects(RDF.type, kind)}
    assert properties, "no property found"
    for prop in properties:
        assert coop.value(prop, RDFS.range) is not None, f"{prop} has no rdfs:range"
        has_domain = coop.value(prop, RDFS.domain) is not None
        assert has_domain is (prop not in NO_DOMAIN), f"{prop}: rdfs:domain present={has_domain}"


@pytest.mark.parametrize(
    ("term", "superclasses"),
    [
        (COOP.Partnership, {ORG.OrganizationalCollaboration, SCHEMA.Project}),
        (COOP.Funding, {SCHEMA.MonetaryGrant}),
        (COOP.FunderCategory, {SKOS.Concept}),
    ],
)
def test_model_superclasses(coop: Graph, term: URIRef, superclasses: set[URIRef]) -> None:
    assert set(coop.objects(term, RDFS.subClassOf)) == superclasses


@pytest.mark.parametrize(
    ("term", "domain", "range_"),
    [
        (COOP.firstSignatureYear, COOP.Partnership, XSD.gYear),
        (COOP.startYear, COOP.Partnership, XSD.gYear),
        (COOP.year, COOP.Funding, XSD.gYear),
        (COOP.amountEUR, COOP.Funding, XSD.decimal),
        (COOP.instrument, COOP.Funding, SKOS.Concept),
        (COOP.status, COOP.Partnership, SKOS.Concept),
        (COOP.form, COOP.Partnership, SKOS.Concept),
        (COOP.otherTheme, COOP.Partnership, COOP.ThemeAssignment),
        (COOP.theme, COOP.ThemeAssignment, SKOS.Concept),
        (COOP.volunteer, COOP.Partnership, COOP.Volunteering),
        (COOP.volunteerCount, COOP.Partnership, XSD.integer),
        (COOP.projectOwner, COOP.Partnership, ORG.Organization),
        (COOP.projectManager, COOP.Partnership, ORG.Organization),
        (COOP.foreignPartner, COOP.Partnership, ORG.Organization),
        (COOP.frenchPartner, COOP.Partnership, ORG.Organization),
        (COOP.diplomaticPost, COOP.Partnership, ORG.Organization),
        (COOP.contactPost, COOP.Partnership, ORG.Post),
        (COOP.triennial, COOP.Partnership, XSD.boolean),
        (COOP.communicationInFrance, COOP.Partnership, XSD.boolean),
        (COOP.communicationInPartnerCountries, COOP.Partnership, XSD.boolean),
        (COOP.evaluation, COOP.Partnership, XSD.boolean),
        (COOP.converterVersion, None, XSD.string),
        (COOP.sourceHash, None, XSD.string),
    ],
)
def test_model_domains_and_ranges(
    coop: Graph, term: URIRef, domain: URIRef | None, range_: URIRef
) -> None:
    assert set(coop.objects(term, RDFS.domain)) == ({domain} if domain else set())
    assert set(coop.objects(term, RDFS.range)) == {range_}


@pytest.mark.parametrize(
    "name", ["context", "history", "objectives", "description", "beneficiaries"]
)
def test_long_texts_are_language_tagged_descriptions(coop: Graph, name: str) -> None:
    term = COOP[name]
    assert (term, RDFS.subPropertyOf, DCTERMS.description) in coop
    assert (term, RDFS.range, RDF.langString) in coop
    assert (term, RDF.type, OWL.DatatypeProperty) in coop


def test_every_scheme_exists_and_is_documented(vocab: Graph) -> None:
    found = set(vocab.subjects(RDF.type, SKOS.ConceptScheme))
    assert found == {URIRef(f"https://w3id.org/coopgraph/vocab/{s}") for s in SCHEMES}
    for scheme in found:
        assert isinstance(scheme, URIRef)
        assert languages(vocab, scheme, SKOS.prefLabel) >= {"fr", "en"}, scheme
        assert languages(vocab, scheme, DCTERMS.description) >= {"fr", "en"}, scheme


def test_every_concept_is_documented(vocab: Graph) -> None:
    assert concepts(vocab), "no concept found"
    for concept in concepts(vocab):
        assert languages(vocab, concept, SKOS.prefLabel) >= {"fr", "en"}, concept
        assert languages(vocab, concept, SKOS.definition) >= {"fr", "en"}, concept
        for lang in ("fr", "en"):
            labels = [o for o in vocab.objects(concept, SKOS.prefLabel) if o.language == lang]
            assert len(labels) == 1, f"{concept}: one skos:prefLabel per language"


def test_every_concept_iri_follows_its_scheme(vocab: Graph) -> None:
    for concept in concepts(vocab):
        schemes = list(vocab.objects(concept, SKOS.inScheme))
        assert len(schemes) == 1, f"{concept} is in {schemes}"
        scheme = str(schemes[0]).rsplit("/", 1)[-1]
        assert scheme in SCHEMES
        slug = str(concept).rsplit("/", 1)[-1]
        assert concept == concept_iri(scheme, slug)
        assert (concept, SKOS.topConceptOf, schemes[0]) in vocab, "flat schemes: top concepts"


@pytest.mark.parametrize("scheme", ATLAS_VALUE_SCHEMES)
def test_atlas_value_slugs_match_the_converter(vocab: Graph, scheme: str) -> None:
    in_scheme = set(
        vocab.subjects(SKOS.inScheme, URIRef(f"https://w3id.org/coopgraph/vocab/{scheme}"))
    )
    assert in_scheme, f"scheme {scheme} has no concept"
    for concept in in_scheme:
        label = next(o for o in vocab.objects(concept, SKOS.prefLabel) if o.language == "fr")
        assert concept == concept_iri(scheme, slugify(str(label)))


@pytest.mark.parametrize(
    ("scheme", "slugs"),
    [
        (
            "role",
            {"maitre-ouvrage", "maitre-oeuvre", "partenaire-etranger", "collectivite-francaise"},
        ),
        ("status", {"en-cours", "termine"}),
        ("form", {"projet-de-cooperation-decentralisee"}),
        ("instrument", {"general", "oudin-eau", "energie", "dechets", "transports"}),
        ("funder-category", {"collectivites-et-partenaires-etrangers"}),
        ("theme", set()),
    ],
)
def test_scheme_contents(vocab: Graph, scheme: str, slugs: set[str]) -> None:
    scheme_node = URIRef(f"https://w3id.org/coopgraph/vocab/{scheme}")
    found = set(vocab.subjects(SKOS.inScheme, scheme_node))
    assert found == {concept_iri(scheme, slug) for slug in slugs}


def test_roles_are_org_roles_and_funder_categories_are_typed(vocab: Graph) -> None:
    for slug in (
        "maitre-ouvrage",
        "maitre-oeuvre",
        "partenaire-etranger",
        "collectivite-francaise",
    ):
        assert (concept_iri("role", slug), RDF.type, ORG.Role) in vocab
    category = concept_iri("funder-category", "collectivites-et-partenaires-etrangers")
    assert (category, RDF.type, COOP.FunderCategory) in vocab


def test_load_returns_both_files(coop: Graph, vocab: Graph) -> None:
    loaded = load()
    assert set(loaded) == set(coop) | set(vocab)
    loaded.add((COOP.Partnership, RDFS.label, Literal("changed")))
    assert (COOP.Partnership, RDFS.label, Literal("changed")) not in load(), "load() is a copy"
