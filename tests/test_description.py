"""The service description: absolute sd:endpoint, the formats the endpoint really serves."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pyshacl
import pytest
from rdflib import RDF, Graph, Namespace, URIRef

from coopgraph.server.description import FORMAT_IRIS, SD, service_description
from coopgraph.server.negotiation import RDF_GRAPHS, SPARQL_RESULTS

ENDPOINT = "https://atlas.example.org/prefix/sparql"
SH = Namespace("http://www.w3.org/ns/shacl#")


@pytest.mark.parametrize("rdf_format", ["turtle", "json-ld", "xml", "nt"])
def test_description_round_trips_in_every_rdf_format(rdf_format: str) -> None:
    text = service_description(ENDPOINT).serialize(format=rdf_format)
    parsed = Graph().parse(data=text, format=rdf_format)
    (service,) = parsed.subjects(RDF.type, SD.Service)
    assert parsed.value(service, SD.endpoint) == URIRef(ENDPOINT)  # W3C: has-endpoint-triple


def test_description_promises_exactly_the_served_formats_and_no_update() -> None:
    graph = service_description(ENDPOINT)
    formats = set(graph.objects(None, SD.resultFormat))
    assert formats == {FORMAT_IRIS[media] for media in (*SPARQL_RESULTS, *RDF_GRAPHS)}
    assert set(graph.objects(None, SD.supportedLanguage)) == {SD.SPARQL11Query}
    assert (None, SD.feature, SD.UnionDefaultGraph) in graph


def test_relative_endpoint_is_refused() -> None:
    with pytest.raises(ValueError, match="absolute"):
        service_description("/sparql")


SD_SCHEMA = Path(__file__).parent / "sd-schema" / "shapes.ttl"


def _schema_violations(description: Graph) -> list[str]:
    _, report, _ = pyshacl.validate(
        description, shacl_graph=Graph().parse(SD_SCHEMA), inference="none"
    )
    assert isinstance(report, Graph)
    return [str(message) for message in report.objects(None, SH.resultMessage)]


@pytest.mark.parametrize("accept", ["text/turtle", "application/ld+json", "application/rdf+xml"])
def test_live_description_conforms_to_the_sd_schema(live_endpoint: str, accept: str) -> None:
    """W3C service-description tests: returns-rdf, has-endpoint-triple, conforms-to-schema."""
    request = urllib.request.Request(live_endpoint, headers={"Accept": accept})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.headers.get_content_type() == accept
        graph = Graph().parse(data=response.read(), format=accept)
    (service,) = graph.subjects(RDF.type, SD.Service)
    assert graph.value(service, SD.endpoint) == URIRef(live_endpoint)
    assert _schema_violations(graph) == []


def test_the_schema_check_catches_misuse() -> None:
    graph = service_description(ENDPOINT)
    (service,) = graph.subjects(RDF.type, SD.Service)
    graph.add((service, SD.supportedLanguage, SD.SPARQL12Query))  # not a term of the vocabulary
    graph.add((URIRef(f"{ENDPOINT}#other"), SD.defaultGraph, URIRef(f"{ENDPOINT}#g")))  # domain
    graph.remove((service, SD.endpoint, None))
    messages = _schema_violations(graph)
    assert len(messages) >= 3, messages
