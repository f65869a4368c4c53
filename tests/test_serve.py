"""`coopgraph serve` for real: gunicorn on a free loopback port, queried by SPARQLWrapper."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SAMPLES
from servers import free_port, wait_until_up
from SPARQLWrapper import CSV, JSON, SPARQLWrapper

COOPGRAPH = str(Path(sys.executable).parent / "coopgraph")


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    store = tmp_path_factory.mktemp("serve") / "store"
    subprocess.run(
        [COOPGRAPH, "load", str(SAMPLES), "--store", str(store)], check=True, capture_output=True
    )
    port = free_port()
    command = [COOPGRAPH, "serve", "--port", str(port), "--store", str(store)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) as server:
        try:
            url = f"http://127.0.0.1:{port}/sparql"
            wait_until_up(url, server)  # type: ignore[arg-type]
            yield url
        finally:
            server.terminate()
            server.wait(timeout=20)


def test_sparqlwrapper_json(endpoint: str) -> None:
    client = SPARQLWrapper(endpoint)
    client.setQuery(
        "SELECT ?p WHERE { ?p a <https://w3id.org/coopgraph/ontology#Partnership> } ORDER BY ?p"
    )
    client.setReturnFormat(JSON)
    rows = client.query().convert()["results"]["bindings"]  # type: ignore[index]
    assert [row["p"]["value"].rsplit("/", 1)[1] for row in rows] == [
        "rabat-mantes-la-jolie",
        "sale-woippy",
    ]


def test_sparqlwrapper_csv(endpoint: str) -> None:
    client = SPARQLWrapper(endpoint)
    client.setQuery("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    client.setReturnFormat(CSV)
    lines = client.query().convert().decode().splitlines()  # type: ignore[union-attr]
    assert lines[0] == "n" and int(lines[1]) > 150
