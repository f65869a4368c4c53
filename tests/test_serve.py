"""`coopgraph serve` for real: gunicorn on a free loopback port, queried by SPARQLWrapper."""

from __future__ import annotations

import sys
from pathlib import Path

from SPARQLWrapper import CSV, JSON, SPARQLWrapper

COOPGRAPH = str(Path(sys.executable).parent / "coopgraph")


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
    from rdflib import Graph
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
