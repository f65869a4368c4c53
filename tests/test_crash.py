"""A load killed with SIGKILL leaves every record whole, and the next load finishes the job."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import SAMPLES, literal_values
from rdflib import Dataset, URIRef

from bench.synthetic import write_pages
from coopgraph.converters.pipeline import convert_file
from coopgraph.converters.to_rdf import ConversionOptions
from coopgraph.server.store import EmbeddedStore

COOPGRAPH = str(Path(sys.executable).parent / "coopgraph")
SALE_GRAPH = "http://localhost:5000/graph/partnership/sale-woippy"
PAGES = 240


def _load(pages: Path, store: Path) -> subprocess.Popen[bytes]:
    command = [COOPGRAPH, "load", str(pages), "--store", str(store), "--jobs", "1"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _stored(store: Path) -> Dataset:
    dataset = Dataset()
    with EmbeddedStore(store) as embedded:
        path = store.parent / "dump.nq"
        with path.open("wb") as output:
            embedded.dump(output, "nquads")
    dataset.parse(path, format="nquads")
    return dataset


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pages")
    write_pages(folder, PAGES, seed=7)
    return folder


def test_sigkill_mid_load_leaves_whole_records_and_reload_finishes(
    pages: Path, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    # Kill once records are being written: wait for the first ones, not for a fixed time.
    process = _load(pages, store)
    deadline = time.monotonic() + 120
    killed_after = None
    while time.monotonic() < deadline and process.poll() is None:
        wal = (
            [f for f in store.glob("*.log") if f.stat().st_size > 200_000] if store.exists() else []
        )
        if wal:
            time.sleep(0.3)
            os.kill(process.pid, signal.SIGKILL)
            killed_after = True
            break
        time.sleep(0.05)
    process.wait()
    assert killed_after and process.returncode == -signal.SIGKILL, "the load ended before the kill"

    stored = _stored(store)
    options = ConversionOptions()
    by_graph = {str(g.identifier): g for g in stored.graphs() if len(g)}
    records = {iri for iri in by_graph if "/graph/partnership/" in iri}
    assert 0 < len(records) < PAGES, f"{len(records)} records: kill not mid-way"
    for path in sorted(pages.iterdir()):
        expected = convert_file(path, options)
        iri = str(expected.graph_iri)
        if iri in records:
            assert literal_values(by_graph[iri]) == literal_values(expected.graph), (
                f"{iri} is not whole"
            )

    finished = subprocess.run(
        [COOPGRAPH, "load", str(pages), "--store", str(store)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    assert f"{PAGES - len(records)} loaded" in finished.stderr
    assert f"{len(records)} unchanged" in finished.stderr
    final = _stored(store)
    assert len([g for g in final.graphs() if "/graph/partnership/" in str(g.identifier)]) == PAGES
    sample = sorted(pages.iterdir())[PAGES // 2]
    expected = convert_file(sample, options)
    assert literal_values(final.graph(URIRef(str(expected.graph_iri)))) == literal_values(
        expected.graph
    )


def test_a_load_while_the_store_is_in_use_fails_clearly_and_changes_nothing(
    pages: Path, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    first = subprocess.run(
        [COOPGRAPH, "load", str(SAMPLES), "--store", str(store)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert first.returncode == 0, first.stderr
    before = literal_values(_stored(store).graph(URIRef(SALE_GRAPH)))
    with EmbeddedStore(store):  # held open, as by a running load or server
        second = subprocess.run(
            [COOPGRAPH, "load", str(pages), "--store", str(store)],
            capture_output=True,
            text=True,
            check=False,
        )
    assert second.returncode == 3
    assert f"the store at {store} is in use by another coopgraph process" in second.stderr
    after = _stored(store)
    assert len([g for g in after.graphs() if "/graph/partnership/" in str(g.identifier)]) == 2
    assert literal_values(after.graph(URIRef(SALE_GRAPH))) == before
