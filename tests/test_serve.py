"""`coopgraph serve` for real: gunicorn on a free loopback port, queried by SPARQLWrapper."""

from __future__ import annotations

import pytest
from rdflib import Graph
from SPARQLWrapper import CSV, JSON, JSONLD, TSV, TURTLE, XML, SPARQLWrapper


def test_sparqlwrapper_json(live_endpoint: str) -> None:
    client = SPARQLWrapper(live_endpoint)
    client.setQuery(
        "SELECT ?p WHERE { ?p a <https://w3id.org/coopgraph/ontology#Partnership> } ORDER BY ?p"
    )
    client.setReturnFormat(JSON)
    rows = client.query().convert()["results"]["bindings"]  # type: ignore[index]
    assert [row["p"]["value"].rsplit("/", 1)[1] for row in rows] == [
        "rabat-mantes-la-jolie",
        "sale-woippy",
    ]


def test_sparqlwrapper_csv(live_endpoint: str) -> None:
    client = SPARQLWrapper(live_endpoint)
    client.setQuery("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    client.setReturnFormat(CSV)
    lines = client.query().convert().decode().splitlines()  # type: ignore[union-attr]
    assert lines[0] == "n" and int(lines[1]) > 150


def test_rdflib_sparqlstore(live_endpoint: str) -> None:
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    graph = Graph(store=SPARQLStore(live_endpoint))
    rows = list(
        graph.query(
            "SELECT ?title WHERE { ?p a <https://w3id.org/coopgraph/ontology#Partnership> ; "
            "<http://purl.org/dc/terms/title> ?title }"
        )
    )
    assert len(rows) == 2
    construct = graph.query(
        "CONSTRUCT WHERE { ?p a <https://w3id.org/coopgraph/ontology#Partnership> }"
    )
    assert len(construct.graph) == 2  # type: ignore[arg-type]


@pytest.mark.parametrize("return_format", ["xml", "tsv"])
def test_sparqlwrapper_xml_and_tsv(live_endpoint: str, return_format: str) -> None:
    client = SPARQLWrapper(live_endpoint)
    client.setQuery("SELECT ?p WHERE { ?p a <https://w3id.org/coopgraph/ontology#Partnership> }")
    client.setReturnFormat({"xml": XML, "tsv": TSV}[return_format])
    result = client.query().convert()
    if return_format == "xml":
        assert len(result.getElementsByTagName("result")) == 2  # type: ignore[union-attr]
    else:
        assert len(result.decode().strip().splitlines()) == 3  # type: ignore[union-attr]


@pytest.mark.parametrize("return_format", ["turtle", "json-ld"])
def test_sparqlwrapper_construct(live_endpoint: str, return_format: str) -> None:
    client = SPARQLWrapper(live_endpoint)
    client.setQuery("CONSTRUCT WHERE { ?p a <https://w3id.org/coopgraph/ontology#Partnership> }")
    client.setReturnFormat({"turtle": TURTLE, "json-ld": JSONLD}[return_format])
    result = client.query().convert()
    # SPARQLWrapper hands back Turtle as bytes and JSON-LD as an rdflib Graph
    graph = result if isinstance(result, Graph) else Graph().parse(data=result, format="turtle")
    assert len(graph) == 2
