"""The dataset description for harvesters: one VoID dataset that is also a DCAT-AP 3.0.0 dataset.

The dataset is the Atlas records: every named graph that describes itself with
`foaf:primaryTopic` (one graph a record, its provenance included). The figures leave out the
store's other graphs, which the dumps do hold: the ontology graph (a vocabulary, listed under
`void:vocabulary`) and the bookkeeping graph `graph/coopgraph`. A triple counts once a graph
that asserts it, as in the dumps. The queries name their graphs (`GRAPH ?g`), so they give the
same figures whether or not a store's default graph is the union of its graphs.

IRIs: the dataset is `{base}dataset#atlas`, a hash IRI in the description document served at
`{base}dataset` (the same document is served at `{base}.well-known/void`). It needs no 303
redirect, lies outside `void:uriSpace` (`{base}id/`, the records' resources) so it does not count
itself, and stays the same whichever address the document came from. Its dumps are
`{base}dataset#dump-{subtype}`; the SPARQL data service is `{endpoint}#service`, the node of the
endpoint's own Service Description (server/description.py).

Personal data: DCAT-AP has no property for it and the ontology stays as it is, so the choice is a
`dct:RightsStatement` with French and English labels, `{base}dataset#personal-data-withheld` or
`#personal-data-published`: the `dct:rights` of the dataset and of each dump, and the last
sentence of the dataset's `dct:description`. `dct:accessRights` keeps its DCAT-AP meaning, the EU
access right PUBLIC: anyone may query the endpoint and download the dumps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from rdflib import RDF, RDFS, SKOS, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, VOID

from coopgraph.server.statistics import DatasetStatistics, dataset_statistics

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
IANA = Namespace("http://www.iana.org/assignments/media-types/")
EU = Namespace("http://publications.europa.eu/resource/authority/")

#: Where the description document is served, under BASE.
DESCRIPTION_PATH = "dataset"
#: The personal-data statement's fragment, by whether people's names and e-mails are published.
PERSONAL_DATA_FRAGMENTS = {False: "personal-data-withheld", True: "personal-data-published"}
#: EU file types (publications.europa.eu/resource/authority/file-type) of the RDF dumps.
FILE_TYPES = {
    "application/n-quads": EU["file-type/RDF_N_QUADS"],
    "application/trig": EU["file-type/RDF_TRIG"],
    "application/n-triples": EU["file-type/RDF_N_TRIPLES"],
    "text/turtle": EU["file-type/RDF_TURTLE"],
    "application/ld+json": EU["file-type/JSON_LD"],
    "application/rdf+xml": EU["file-type/RDF_XML"],
}
TITLE = {
    "fr": "Atlas français de la coopération décentralisée (données liées)",
    "en": "French Atlas of decentralised cooperation (linked data)",
}
DESCRIPTION = {
    "fr": "Les partenariats de coopération décentralisée des collectivités territoriales "
    "françaises publiés par l'Atlas français de la coopération décentralisée : partenaires, "
    "maîtres d'ouvrage et d'œuvre, thématiques, financements. Un graphe nommé par fiche, avec "
    "sa provenance.",
    "en": "The decentralised-cooperation partnerships of French local authorities published by "
    "the French Atlas of decentralised cooperation: partners, project owners and managers, "
    "themes, funding. One named graph a record, with its provenance.",
}
KEYWORDS = {
    "fr": ("coopération décentralisée", "collectivités territoriales", "solidarité internationale"),
    "en": ("decentralised cooperation", "local authorities", "international solidarity"),
}
PERSONAL_DATA = {
    False: {
        "fr": "Aucune donnée personnelle n'est publiée : les noms et adresses électroniques des "
        "personnes citées dans les fiches sont retirés ; seuls leurs rôles sont publics.",
        "en": "No personal data is published: the names and e-mail addresses of the people "
        "named in the records are withheld; only their roles are public.",
    },
    True: {
        "fr": "Des données personnelles sont publiées : les noms et adresses électroniques des "
        "personnes citées dans les fiches (agents d'ambassade, contacts, volontaires).",
        "en": "Personal data is published: the names and e-mail addresses of the people named "
        "in the records (embassy staff, contacts, volunteers).",
    },
}
PROVENANCE = {
    "fr": "Converti des pages de l'Atlas (ministère de l'Europe et des Affaires étrangères) par "
    "coopgraph ; le graphe de chaque fiche donne sa source, sa date de conversion, la version du "
    "convertisseur et l'empreinte de la source.",
    "en": "Converted from the Atlas pages (French Ministry for Europe and Foreign Affairs) by "
    "coopgraph; each record's graph gives its source, time of conversion, converter version and "
    "source hash.",
}
SERVICE_TITLE = {
    "fr": "Point d'accès SPARQL de l'Atlas de la coopération décentralisée",
    "en": "SPARQL endpoint of the Atlas of decentralised cooperation",
}
DUMP_DESCRIPTION = {
    "fr": "Tous les quads du magasin : les fiches, l'ontologie et ses schémas de concepts.",
    "en": "Every quad of the store: the records, the ontology and its concept schemes.",
}
#: What does not vary with the settings, as Turtle; relative IRIs resolve against BASE.
FIXED = """
@prefix access: <http://publications.europa.eu/resource/authority/access-right/> .
@prefix coop: <https://w3id.org/coopgraph/ontology#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix lang: <http://publications.europa.eu/resource/authority/language/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix schema: <http://schema.org/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix theme: <http://publications.europa.eu/resource/authority/data-theme/> .
@prefix void: <http://rdfs.org/ns/void#> .

<dataset> a void:DatasetDescription ; foaf:primaryTopic <dataset#atlas> .

<dataset#atlas> a void:Dataset, dcat:Dataset ;
    dct:language lang:FRA ;
    dct:accessRights access:PUBLIC ;
    dcat:theme theme:REGI, theme:INTR, theme:GOVE ;
    void:vocabulary coop:, org:, skos:, dct:, schema:, prov:, foaf: ;
    dct:provenance <dataset#provenance> .

lang:FRA a dct:LinguisticSystem .
access:PUBLIC a dct:RightsStatement .
<dataset#provenance> a dct:ProvenanceStatement .
theme:REGI a skos:Concept ; skos:prefLabel "Régions et villes"@fr, "Regions and cities"@en .
theme:INTR a skos:Concept ;
    skos:prefLabel "Questions internationales"@fr, "International issues"@en .
theme:GOVE a skos:Concept ;
    skos:prefLabel "Gouvernement et secteur public"@fr, "Government and public sector"@en .
<https://www.w3.org/TR/sparql11-protocol/> a dct:Standard .
<https://www.w3.org/TR/sparql11-query/> a dct:Standard .
"""


@dataclass(frozen=True)
class Agent:
    """The publisher: a `foaf:Agent`, with its ADMS publisher type when given."""

    iri: str
    name: str
    type: str | None = None  # e.g. http://purl.org/adms/publishertype/NationalAuthority


@dataclass(frozen=True)
class Licence:
    """A `dct:LicenseDocument`, with its ADMS licence type when given."""

    iri: str
    title: str
    type: str | None = None  # e.g. http://purl.org/adms/licencetype/Attribution


@dataclass(frozen=True)
class Contact:
    """The `dcat:contactPoint`: a `vcard:Kind` with a name, an e-mail and/or a web page."""

    name: str
    email: str | None = None
    url: str | None = None


COOPGRAPH_PROJECT = Agent("https://w3id.org/coopgraph", "coopgraph")
ETALAB_2_0 = Licence(
    "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    "Licence Ouverte / Open Licence 2.0 (Etalab)",
    "http://purl.org/adms/licencetype/Attribution",
)


def dataset_iri(base: str) -> URIRef:
    """The dataset's IRI: `{base}dataset#atlas`."""
    return URIRef(f"{base}{DESCRIPTION_PATH}#atlas")


def dataset_description(
    stats: DatasetStatistics,
    *,
    base: str,
    sparql_endpoint: str,
    dumps: Mapping[str, str],
    publish_personal_data: bool,
    title: Mapping[str, str] = TITLE,
    description: Mapping[str, str] = DESCRIPTION,
    keywords: Mapping[str, Sequence[str]] = KEYWORDS,
    publisher: Agent = COOPGRAPH_PROJECT,
    licence: Licence = ETALAB_2_0,
    contact: Contact | None = None,
    landing_page: str | None = None,
    issued: date | None = None,
    spatial: Sequence[str] = (),
    example_resources: Sequence[str] = (),
) -> Graph:
    """The VoID + DCAT-AP description of the dataset; `dumps` maps media type → download URL.

    A dump whose URL ends in `.gz` is gzip-compressed. `landing_page` defaults to BASE, and
    `contact` to the publisher's name with the landing page. `spatial` takes location IRIs.
    """
    for address in (base, sparql_endpoint, *dumps.values()):
        if not address.startswith(("http://", "https://")):
            raise ValueError(f"the dataset description needs absolute IRIs: {address!r}")
    if not base.endswith("/"):
        raise ValueError(f"BASE must end with '/': {base!r}")
    graph = Graph().parse(data=FIXED, format="turtle", publicID=base)
    graph.bind("dct", DCTERMS)
    graph.bind("vcard", VCARD)
    dataset = dataset_iri(base)
    personal = PERSONAL_DATA[publish_personal_data]
    rights = URIRef(f"{base}{DESCRIPTION_PATH}#{PERSONAL_DATA_FRAGMENTS[publish_personal_data]}")
    page = URIRef(landing_page or base)
    graph += [(rights, RDF.type, DCTERMS.RightsStatement), (page, RDF.type, FOAF.Document)]
    _texts(graph, rights, RDFS.label, personal)
    _texts(graph, URIRef(f"{base}{DESCRIPTION_PATH}#provenance"), RDFS.label, PROVENANCE)
    _texts(graph, dataset, DCTERMS.title, title)
    sentences = {lang: f"{text} {personal.get(lang, '')}" for lang, text in description.items()}
    _texts(graph, dataset, DCTERMS.description, {lang: s.strip() for lang, s in sentences.items()})
    licence_document = _licence(graph, licence)
    shared = [  # what the dataset and its SPARQL service both have
        (DCTERMS.license, licence_document),
        (DCTERMS.publisher, _agent(graph, publisher)),
        (DCAT.contactPoint, _contact(graph, contact or Contact(publisher.name, url=str(page)))),
        *((DCAT.keyword, Literal(word, lang=lang)) for lang in keywords for word in keywords[lang]),
        *((DCAT.theme, theme) for theme in graph.objects(dataset, DCAT.theme)),
    ]
    graph += [(dataset, predicate, value) for predicate, value in shared]
    graph += [
        (dataset, DCTERMS.rights, rights),
        (dataset, DCAT.landingPage, page),
        (dataset, VOID.sparqlEndpoint, URIRef(sparql_endpoint)),
        (dataset, VOID.uriSpace, Literal(f"{base}id/")),
        *((dataset, VOID.exampleResource, URIRef(iri)) for iri in example_resources),
    ]
    for location in map(URIRef, spatial):
        graph += [(dataset, DCTERMS.spatial, location), (location, RDF.type, DCTERMS.Location)]
    if stats.last_modified is not None:
        graph.add((dataset, DCTERMS.modified, Literal(stats.last_modified, datatype=XSD.dateTime)))
    if issued is not None:
        issued_type = XSD.dateTime if isinstance(issued, datetime) else XSD.date
        graph.add((dataset, DCTERMS.issued, Literal(issued, datatype=issued_type)))
    _add_figures(graph, dataset, stats)
    for media_type, url in dumps.items():
        distribution = _distribution(graph, base, media_type, url)
        graph += [
            (dataset, VOID.dataDump, URIRef(url)),
            (dataset, DCAT.distribution, distribution),
            (distribution, DCTERMS.license, licence_document),
            (distribution, DCTERMS.rights, rights),
        ]
    service = _data_service(graph, sparql_endpoint, dataset)
    graph += [(service, predicate, value) for predicate, value in shared]
    return graph


def _texts(graph: Graph, subject: URIRef, predicate: URIRef, texts: Mapping[str, str]) -> None:
    """One literal a language."""
    graph += [(subject, predicate, Literal(text, lang=lang)) for lang, text in texts.items()]


def _adms_type(graph: Graph, subject: URIRef, type_iri: str | None) -> None:
    """The ADMS type of a publisher or licence: a `skos:Concept` (DCAT-AP wants a prefLabel)."""
    if type_iri is not None:
        kind = URIRef(type_iri)
        label = Literal(type_iri.rstrip("/").rsplit("/", 1)[-1])  # …/licencetype/Attribution
        graph += [
            (subject, DCTERMS.type, kind),
            (kind, RDF.type, SKOS.Concept),
            (kind, SKOS.prefLabel, label),
        ]


def _agent(graph: Graph, publisher: Agent) -> URIRef:
    agent = URIRef(publisher.iri)
    graph += [(agent, RDF.type, FOAF.Agent), (agent, FOAF.name, Literal(publisher.name))]
    _adms_type(graph, agent, publisher.type)
    return agent


def _licence(graph: Graph, licence: Licence) -> URIRef:
    document = URIRef(licence.iri)
    graph += [
        (document, RDF.type, DCTERMS.LicenseDocument),
        (document, DCTERMS.title, Literal(licence.title)),
    ]
    _adms_type(graph, document, licence.type)
    return document


def _contact(graph: Graph, contact: Contact) -> BNode:
    kind = BNode()
    graph += [(kind, RDF.type, VCARD.Kind), (kind, VCARD.fn, Literal(contact.name))]
    if contact.email:
        email = URIRef(f"mailto:{contact.email.removeprefix('mailto:')}")
        graph.add((kind, VCARD.hasEmail, email))
    if contact.url:
        graph.add((kind, VCARD.hasURL, URIRef(contact.url)))
    return kind


def _add_figures(graph: Graph, dataset: URIRef, stats: DatasetStatistics) -> None:
    """The VoID statistics and partitions (blank nodes) of the dataset."""
    graph += [
        (dataset, VOID.triples, Literal(stats.triples)),
        (dataset, VOID.entities, Literal(stats.entities)),
        (dataset, VOID.distinctSubjects, Literal(stats.distinct_subjects)),
        (dataset, VOID.distinctObjects, Literal(stats.distinct_objects)),
        (dataset, VOID.properties, Literal(stats.properties)),
        (dataset, VOID.classes, Literal(stats.classes)),
    ]
    for class_iri, entities in stats.class_partitions:
        partition = BNode()
        graph += [
            (dataset, VOID.classPartition, partition),
            (partition, VOID["class"], URIRef(class_iri)),
            (partition, VOID.entities, Literal(entities)),
        ]
    for property_iri, triples in stats.property_partitions:
        partition = BNode()
        graph += [
            (dataset, VOID.propertyPartition, partition),
            (partition, VOID.property, URIRef(property_iri)),
            (partition, VOID.triples, Literal(triples)),
        ]


def _distribution(graph: Graph, base: str, media_type: str, url: str) -> URIRef:
    """One dump as a `dcat:Distribution`, gzip-compressed when its URL ends in `.gz`."""
    subtype = media_type.rsplit("/", 1)[-1].replace("+", "-")
    distribution = URIRef(f"{base}{DESCRIPTION_PATH}#dump-{subtype}")
    media = IANA[media_type]
    graph += [
        (distribution, RDF.type, DCAT.Distribution),
        (distribution, DCAT.downloadURL, URIRef(url)),
        (distribution, DCAT.accessURL, URIRef(url)),
        (distribution, DCAT.mediaType, media),
        (media, RDF.type, DCTERMS.MediaType),
    ]
    gzip = url.split("?", 1)[0].endswith(".gz")
    if gzip:
        graph += [
            (distribution, DCAT.compressFormat, IANA["application/gzip"]),
            (IANA["application/gzip"], RDF.type, DCTERMS.MediaType),
        ]
    file_type = FILE_TYPES.get(media_type)
    if file_type is not None:
        graph += [
            (distribution, DCTERMS.format, file_type),
            (file_type, RDF.type, DCTERMS.MediaTypeOrExtent),
        ]
    label = f"{media_type}, gzip" if gzip else media_type
    _texts(graph, distribution, DCTERMS.title, {"fr": f"Export ({label})", "en": f"Dump ({label})"})
    _texts(graph, distribution, DCTERMS.description, DUMP_DESCRIPTION)
    return distribution


def _data_service(graph: Graph, endpoint: str, dataset: URIRef) -> URIRef:
    """The SPARQL endpoint as a `dcat:DataService`: the node its Service Description uses."""
    service = URIRef(f"{endpoint}#service")
    graph += [
        (service, RDF.type, DCAT.DataService),
        (service, DCAT.endpointURL, URIRef(endpoint)),
        (service, DCAT.endpointDescription, URIRef(endpoint)),  # a GET without a query
        (service, DCAT.servesDataset, dataset),
        (service, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")),
        (service, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-query/")),
    ]
    _texts(graph, service, DCTERMS.title, SERVICE_TITLE)
    return service


__all__ = ["DatasetStatistics", "dataset_description", "dataset_iri", "dataset_statistics"]
