"""Shared fixtures: paths, golden cases, and converting without touching the disk."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from werkzeug.test import TestResponse

from coopgraph.converters.pipeline import Conversion, convert_bytes
from coopgraph.converters.to_rdf import ConversionOptions

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "cases"
SAMPLES = ROOT / "data" / "atlas"
SHARED_PAGES = ROOT.parent / "shared" / "atlas-pages"


def convert_text(
    text: str | bytes,
    identifier: str = "test",
    suffix: str = ".txt",
    options: ConversionOptions | None = None,
) -> Conversion:
    """Convert a page given in memory."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return convert_bytes(
        data,
        source=f"{identifier}{suffix}",
        identifier=identifier,
        options=options or ConversionOptions(),
        suffix=suffix,
    )


def content(conversion: Conversion) -> Graph:
    """A record's graph without its provenance (the triples about the graph IRI)."""
    graph = Graph()
    for prefix, namespace in conversion.graph.namespaces():
        graph.bind(prefix, namespace, replace=True)
    for triple in conversion.graph:
        if triple[0] != conversion.graph_iri:
            graph.add(triple)
    return graph


def literal_values(graph: Graph) -> set[tuple[object, ...]]:
    """Triples with literals by value: stores may rewrite "6600.0"^^xsd:decimal as "6600"."""
    return {
        (s, p, (o.datatype, o.toPython()) if isinstance(o, Literal) and o.datatype else o)
        for s, p, o in graph
    }


def sample(name: str) -> str:
    """The text of a bundled real Atlas page."""
    return (SAMPLES / f"{name}.txt").read_text(encoding="utf-8")


@pytest.fixture
def fixed_conversion_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Conversions stamped with one fixed time (SOURCE_DATE_EPOCH), as a reproducible build
    stamps them: a page given in memory otherwise gets the clock's current second, which may
    tick between two conversions of one test."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")


@pytest.fixture
def rabat() -> str:
    return sample("rabat-mantes-la-jolie")


@pytest.fixture
def sale() -> str:
    return sample("sale-woippy")


def run_in_terminal(command: list[str]) -> tuple[int, str]:
    """Run a command with its standard error on a pseudo-terminal; (status, what it showed)."""
    leader, follower = pty.openpty()
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=follower) as process:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed when the command ended
                break
            if not chunk:
                break
            chunks.append(chunk)
    os.close(leader)
    return process.returncode, b"".join(chunks).decode()


def samples_store(folder: Path, *options: str) -> Path:
    """An embedded store in `folder` holding the bundled records, loaded by `coopgraph load`."""
    coopgraph = str(Path(sys.executable).parent / "coopgraph")
    store = folder / "store"
    subprocess.run(
        [coopgraph, "load", str(SAMPLES), "--store", str(store), *options],
        check=True,
        capture_output=True,
    )
    return store


@pytest.fixture(scope="session")
def live_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `coopgraph serve` (gunicorn) on a free loopback port, over the bundled records."""
    from servers import coopgraph_server

    with coopgraph_server(samples_store(tmp_path_factory.mktemp("live"))) as url:
        yield url


def required_tool(command: str, debian_package: str) -> str:
    """The path of a program a test drives; missing, the test fails on CI and skips elsewhere.

    `scripts/system-packages.sh` (run by scripts/test.sh as root) installs the Debian packages.
    """
    found = shutil.which(command)
    if found:
        return found
    message = f"{command} is missing: install Debian's {debian_package} (system-packages.sh)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def iri(path: str) -> URIRef:
    """A data IRI under the default BASE."""
    return URIRef(f"{ConversionOptions().base}{path}")


def count_answer(response: TestResponse) -> int:
    """The `?n` of a 200 JSON answer to a one-row COUNT query."""
    assert response.status_code == 200, response.get_data(as_text=True)
    return int(json.loads(response.data)["results"]["bindings"][0]["n"]["value"])
