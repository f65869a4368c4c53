"""The service description: absolute sd:endpoint, the formats the endpoint really serves."""

from __future__ import annotations

import pytest
from rdflib import RDF, Graph, URIRef

from coopgraph.server.description import FORMAT_IRIS, SD, service_description
from coopgraph.server.negotiation import RDF_GRAPHS, SPARQL_RESULTS

ENDPOINT = "https://atlas.example.org/prefix/sparql"


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
