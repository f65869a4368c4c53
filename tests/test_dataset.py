"""The dataset description: VoID figures equal to independent counts, DCAT-AP 3.0.0 conformance.

The bundled records are loaded by the real CLI into an embedded store; the figures are checked
against counts made with pyoxigraph's quad API, not SPARQL.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from conftest import ROOT, samples_store
from pyshacl import validate
from rdflib import RDF, RDFS, SH, BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV, VOID
from rdflib.term import Node

from coopgraph.converters.to_rdf import ConversionOptions
from coopgraph.ontology import COOP, ONTOLOGY_IRI
from coopgraph.server.dataset import (
    IANA,
    PERSONAL_DATA,
    Agent,
    Contact,
    DatasetStatistics,
    Licence,
    dataset_description,
    dataset_iri,
    dataset_statistics,
)
from coopgraph.server.description import SD, service_description
from coopgraph.server.store import EmbeddedStore

BASE = "https://atlas.example.org/"
ENDPOINT = f"{BASE}sparql"
DUMPS = {
    "application/n-quads": f"{BASE}dumps/atlas.nq.gz",
    "application/trig": f"{BASE}dumps/atlas.trig",
}
DCAT_AP = ROOT / "tests" / "dcat-ap-3.0.0"
Select = Callable[[str], list[dict[str, Any]]]


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An embedded store holding the bundled records, loaded by `coopgraph load`."""
    return samples_store(tmp_path_factory.mktemp("dataset"))


@pytest.fixture(scope="module")
def quads(store_path: Path) -> list[ox.Quad]:
    """The quads of the named graphs (the default graph is their merge, checked apart)."""
    return [
        quad
        for quad in ox.Store.read_only(str(store_path))
        if not isinstance(quad.graph_name, ox.DefaultGraph)
    ]


def _term(term: Any) -> Node:
    """A pyoxigraph term as an rdflib term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


@pytest.fixture(scope="module")
def select(store_path: Path) -> Select:
    """SELECT over the read-only store, default graph the union of all graphs, rdflib terms."""
    store = ox.Store.read_only(str(store_path))

    def run(sparql: str) -> list[dict[str, Any]]:
        solutions = store.query(sparql, use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions)
        names = [variable.value for variable in solutions.variables]
        return [
            {name: _term(row[name]) for name in names if row[name] is not None} for row in solutions
        ]

    return run


@pytest.fixture(scope="module")
def stats(select: Select) -> DatasetStatistics:
    return dataset_statistics(select)


def _record_quads(quads: list[ox.Quad]) -> list[ox.Quad]:
    """The quads of graphs that describe themselves (the records), counted without SPARQL."""
    primary_topic = ox.NamedNode(str(FOAF.primaryTopic))
    records = {
        q.graph_name for q in quads if q.predicate == primary_topic and q.subject == q.graph_name
    }
    return [q for q in quads if q.graph_name in records]


def describe(stats: DatasetStatistics, *, personal: bool = False, **options: Any) -> Graph:
    return dataset_description(
        stats,
        base=BASE,
        sparql_endpoint=ENDPOINT,
        dumps=DUMPS,
        publish_personal_data=personal,
        **options,
    )


def test_figures_equal_independent_counts(stats: DatasetStatistics, quads: list[ox.Quad]) -> None:
    records = _record_quads(quads)
    subjects = {q.subject for q in records}
    assert stats.triples == len(records)
    assert stats.distinct_subjects == len(subjects)
    assert stats.entities == sum(isinstance(s, ox.NamedNode) for s in subjects)
    assert stats.distinct_objects == len({q.object for q in records})
    assert stats.properties == len({q.predicate for q in records})
    assert stats.graphs == len({q.graph_name for q in records}) == stats.records == 2


def test_ontology_and_bookkeeping_graphs_are_left_out(
    stats: DatasetStatistics, quads: list[ox.Quad]
) -> None:
    records = {q.graph_name for q in _record_quads(quads)}
    others = {q.graph_name for q in quads} - records
    meta = f"{ConversionOptions().base}graph/coopgraph"
    assert others == {ox.NamedNode(str(ONTOLOGY_IRI)), ox.NamedNode(meta)}
    assert stats.triples == len(quads) - sum(q.graph_name in others for q in quads)


def test_partitions_add_up(stats: DatasetStatistics, quads: list[ox.Quad]) -> None:
    records = _record_quads(quads)
    rdf_type = ox.NamedNode(str(RDF.type))
    instances: dict[str, set[Any]] = {}
    for q in records:
        if q.predicate == rdf_type and isinstance(q.object, ox.NamedNode):
            instances.setdefault(q.object.value, set()).add(q.subject)
    assert dict(stats.class_partitions) == {cls: len(s) for cls, s in instances.items()}
    assert stats.classes == len(stats.class_partitions)
    assert dict(stats.class_partitions)[str(COOP.Partnership)] == stats.records
    assert dict(stats.property_partitions) == dict(Counter(q.predicate.value for q in records))
    assert sum(triples for _, triples in stats.property_partitions) == stats.triples


def test_last_modified_is_the_newest_record(stats: DatasetStatistics, quads: list[ox.Quad]) -> None:
    generated = ox.NamedNode(str(PROV.generatedAtTime))
    times = [
        datetime.fromisoformat(q.object.value)
        for q in quads
        if q.predicate == generated and isinstance(q.object, ox.Literal)
    ]
    assert len(times) == 2
    assert stats.last_modified == max(times)
    modified = describe(stats).value(dataset_iri(BASE), DCTERMS.modified)
    assert isinstance(modified, Literal) and modified.toPython() == max(times)


def test_store_select_rows_of_lexical_forms_give_the_same_figures(
    stats: DatasetStatistics, store_path: Path
) -> None:
    """The project's Store.select (values as strings) is a valid `select`."""
    # Not closed: EmbeddedStore.close() flushes, which a read-only pyoxigraph store refuses
    # with a RuntimeError (close() only suppresses OSError).
    store = EmbeddedStore(store_path, read_only=True)
    assert dataset_statistics(lambda sparql: list(store.select(sparql))) == stats


def test_empty_store_gives_zeros(tmp_path: Path) -> None:
    store = ox.Store(str(tmp_path / "empty"))

    def select(sparql: str) -> list[dict[str, Any]]:
        solutions = store.query(sparql, use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions)
        return [
            {v.value: row[v.value].value for v in solutions.variables if row[v.value]}
            for row in solutions
        ]

    empty = dataset_statistics(select)
    assert (empty.triples, empty.graphs, empty.records, empty.last_modified) == (0, 0, 0, None)
    assert describe(empty).value(dataset_iri(BASE), DCTERMS.modified) is None


def _dcat_ap_violations(graph: Graph) -> tuple[list[Node], str]:
    """The sh:Violation results of the bundled DCAT-AP 3.0.0 shapes and range checks."""
    shapes = Graph()
    for name in ("shapes.ttl", "range.ttl"):
        shapes.parse(DCAT_AP / name, format="turtle")
    _, report, text = validate(graph, shacl_graph=shapes)
    assert isinstance(report, Graph)
    return list(report.subjects(SH.resultSeverity, SH.Violation)), text


@pytest.mark.parametrize("personal", [False, True])
def test_conforms_to_dcat_ap_3(stats: DatasetStatistics, personal: bool) -> None:
    france = "http://publications.europa.eu/resource/authority/country/FRA"
    graph = describe(stats, personal=personal, spatial=[france], issued=date(2025, 1, 1))
    violations, text = _dcat_ap_violations(graph)
    assert not violations, text


def test_dcat_ap_check_catches_a_broken_description(stats: DatasetStatistics) -> None:
    """The shapes do bite: no title, an untyped media type."""
    graph = describe(stats)
    graph.remove((dataset_iri(BASE), DCTERMS.title, None))
    graph.remove((IANA["application/trig"], RDF.type, None))
    violations, _ = _dcat_ap_violations(graph)
    assert len(violations) == 2


def test_void_figures_and_partitions(stats: DatasetStatistics) -> None:
    graph = describe(stats)
    dataset = dataset_iri(BASE)
    assert dataset == URIRef(f"{BASE}dataset#atlas")
    assert {VOID.Dataset, DCAT.Dataset} <= set(graph.objects(dataset, RDF.type))
    figures = {
        VOID.triples: stats.triples,
        VOID.entities: stats.entities,
        VOID.distinctSubjects: stats.distinct_subjects,
        VOID.distinctObjects: stats.distinct_objects,
        VOID.properties: stats.properties,
        VOID.classes: stats.classes,
    }
    for predicate, value in figures.items():
        assert graph.value(dataset, predicate) == Literal(value), predicate
    classes = {
        (graph.value(p, VOID["class"]), graph.value(p, VOID.entities))
        for p in graph.objects(dataset, VOID.classPartition)
    }
    assert classes == {(URIRef(c), Literal(n)) for c, n in stats.class_partitions}
    properties = {
        (graph.value(p, VOID.property), graph.value(p, VOID.triples))
        for p in graph.objects(dataset, VOID.propertyPartition)
    }
    assert properties == {(URIRef(p), Literal(n)) for p, n in stats.property_partitions}
    assert graph.value(dataset, VOID.uriSpace) == Literal(f"{BASE}id/")
    assert graph.value(dataset, VOID.sparqlEndpoint) == URIRef(ENDPOINT)
    assert URIRef(str(COOP._NS)) in set(graph.objects(dataset, VOID.vocabulary))


def test_titles_and_descriptions_in_french_and_english(stats: DatasetStatistics) -> None:
    graph = describe(stats)
    for predicate in (DCTERMS.title, DCTERMS.description):
        values = list(graph.objects(dataset_iri(BASE), predicate))
        assert {v.language for v in values if isinstance(v, Literal)} == {"fr", "en"}


def test_every_dump_is_a_void_data_dump_and_a_dcat_download(stats: DatasetStatistics) -> None:
    graph = describe(stats)
    dataset = dataset_iri(BASE)
    downloads = {
        graph.value(distribution, DCAT.downloadURL): distribution
        for distribution in graph.objects(dataset, DCAT.distribution)
    }
    for media_type, url in DUMPS.items():
        assert (dataset, VOID.dataDump, URIRef(url)) in graph
        distribution = downloads[URIRef(url)]
        assert graph.value(distribution, DCAT.mediaType) == IANA[media_type]
        gzip = graph.value(distribution, DCAT.compressFormat)
        assert gzip == (IANA["application/gzip"] if url.endswith(".gz") else None)
    assert len(downloads) == len(DUMPS)


@pytest.mark.parametrize("personal", [False, True])
def test_personal_data_choice_is_stated(stats: DatasetStatistics, personal: bool) -> None:
    graph = describe(stats, personal=personal)
    dataset = dataset_iri(BASE)
    statement = graph.value(dataset, DCTERMS.rights)
    fragment = "personal-data-published" if personal else "personal-data-withheld"
    assert statement == URIRef(f"{BASE}dataset#{fragment}")
    assert (statement, RDF.type, DCTERMS.RightsStatement) in graph
    assert set(graph.objects(statement, RDFS.label)) == {
        Literal(text, lang=lang) for lang, text in PERSONAL_DATA[personal].items()
    }
    descriptions = " ".join(str(text) for text in graph.objects(dataset, DCTERMS.description))
    assert PERSONAL_DATA[personal]["en"] in descriptions
    assert PERSONAL_DATA[not personal]["en"] not in descriptions
    for distribution in graph.objects(dataset, DCAT.distribution):
        assert graph.value(distribution, DCTERMS.rights) == statement


def test_sparql_service_is_the_node_of_the_service_description(stats: DatasetStatistics) -> None:
    graph = describe(stats)
    (service,) = graph.subjects(RDF.type, DCAT.DataService)
    assert (service, DCAT.servesDataset, dataset_iri(BASE)) in graph
    assert graph.value(service, DCAT.endpointURL) == URIRef(ENDPOINT)
    assert set(service_description(ENDPOINT).subjects(RDF.type, SD.Service)) == {service}


def test_settings_reach_the_description(stats: DatasetStatistics) -> None:
    graph = describe(
        stats,
        publisher=Agent("https://example.org/ministry", "Ministère"),
        licence=Licence("https://creativecommons.org/licenses/by/4.0/", "CC BY 4.0"),
        contact=Contact("Atlas team", email="atlas@example.org"),
    )
    dataset = dataset_iri(BASE)
    assert graph.value(graph.value(dataset, DCTERMS.publisher), FOAF.name) == Literal("Ministère")
    assert graph.value(dataset, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    contact = graph.value(dataset, DCAT.contactPoint)
    assert graph.value(contact, URIRef("http://www.w3.org/2006/vcard/ns#hasEmail")) == URIRef(
        "mailto:atlas@example.org"
    )


@pytest.mark.parametrize("rdf_format", ["turtle", "json-ld", "xml", "nt"])
def test_description_round_trips(stats: DatasetStatistics, rdf_format: str) -> None:
    graph = describe(stats)
    assert isomorphic(
        Graph().parse(data=graph.serialize(format=rdf_format), format=rdf_format), graph
    )


@pytest.mark.parametrize(
    "options",
    [
        {"base": "/"},
        {"base": "https://atlas.example.org"},
        {"sparql_endpoint": "/sparql"},
        {"dumps": {"text/turtle": "atlas.ttl"}},
    ],
)
def test_relative_iris_are_refused(stats: DatasetStatistics, options: dict[str, Any]) -> None:
    arguments: dict[str, Any] = {
        "base": BASE,
        "sparql_endpoint": ENDPOINT,
        "dumps": DUMPS,
        "publish_personal_data": False,
        **options,
    }
    with pytest.raises(ValueError):
        dataset_description(stats, **arguments)
