"""bench/endpoint.py without servers or timing: statistics, tables, queries, Virtuoso's ini."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SAMPLES

from bench import peers
from bench.client import count_rows, percentile, whole
from bench.endpoint import Measurement, Query, benchmark_queries, render, render_first, times_best
from bench.peers import Data, too_big, virtuoso_ini
from coopgraph.server.store import open_store


def test_percentile_interpolates_between_ranks() -> None:
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 0.5) == 3.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 0.95) == pytest.approx(4.8)
    assert percentile([7.0], 0.95) == 7.0
    assert percentile([], 0.5) is None


def test_times_best_divides_the_best_by_each() -> None:
    assert times_best({"ours": 10.0, "oxigraph": 40.0, "rdflib": None}) == {
        "ours": 4.0,
        "oxigraph": 1.0,
        "rdflib": None,
    }
    assert times_best({"ours": None}) == {"ours": None}


def test_rows_of_select_and_ask_answers_and_cut_answers() -> None:
    assert count_rows(b'{"head": {}, "results": {"bindings": [{}, {}]}}') == 2
    assert count_rows(b'{"head": {}, "boolean": true}') == 1
    assert count_rows(b'{"head": {}, "boolean": false}') == 0
    assert whole(b'{"results": {"bindings": []}}\n')
    assert not whole(b'{"head": {"vars": ["x"]}, "results": {"bindings": [')


def test_unique_requests_differ_and_the_cached_repeat_does_not() -> None:
    unique, repeat = Query("q", ("A", "B")), Query("q", ("A",), unique=False)
    assert [unique.text(n).splitlines()[0] for n in range(3)] == ["A", "B", "A"]
    assert unique.text(0) != unique.text(2)
    assert repeat.text(0) == repeat.text(5) == "A"


def test_tables_mark_mismatched_rows_and_missing_peers() -> None:
    cell = {"connections": 4, "p50_ms": 2.0, "p95_ms": 5.0, "errors": 0}
    measurements = [
        Measurement("ours", "lookup", rps=100.0, rows=26, matches=True, **cell),
        Measurement("oxigraph", "lookup", rps=400.0, rows=26, matches=True, **cell),
        Measurement("rdflib", "lookup", rps=900.0, rows=3, matches=False, **cell),
        Measurement("virtuoso", "lookup", 4, note="not available (no virtuoso-t)"),
    ]
    table = render(measurements, 4, 5)
    row = next(line for line in table.splitlines() if line.startswith("lookup"))
    ours, oxigraph, rdflib, virtuoso = (text.split() for text in row.split(" | ")[1:])
    assert ours[-1] == "4.0" and oxigraph[-1] == "1.0"  # rdflib's 900/s answers otherwise
    assert rdflib[-1] == "≠" and virtuoso == ["n/a"]
    assert "≠" in render_first(measurements)


def test_virtuoso_ini_changes_each_setting_in_its_own_section(tmp_path: Path) -> None:
    template = (
        "[Database]\nDatabaseFile = /var/lib/virtuoso-opensource-7/db/virtuoso.db\n"
        "[Parameters]\nServerPort = 1111\n;NumberOfBuffers = 170000\nNumberOfBuffers = 10000\n"
        "[HTTPServer]\nServerPort = 8890\nMaxKeepAlives = 10\n"
        "[SPARQL]\nResultSetMaxRows = 10000\nMaxQueryExecutionTime = 60\n"
    )
    ini = virtuoso_ini(template, tmp_path, 1234, 5678, tmp_path / "dump", 30).splitlines()
    assert f"DatabaseFile = {tmp_path}/virtuoso.db" in ini
    assert ini[ini.index("[Parameters]") + 1] == "ServerPort = 127.0.0.1:1234"
    assert ini[ini.index("[HTTPServer]") + 1] == "ServerPort = 127.0.0.1:5678"
    assert ";NumberOfBuffers = 170000" in ini and "NumberOfBuffers = 340000" in ini
    assert "ResultSetMaxRows = 100000" in ini and "MaxQueryExecutionTime = 30" in ini


def test_benchmark_queries_answer_on_the_sample_records(tmp_path: Path) -> None:
    store = tmp_path / "store"
    coopgraph = str(Path(sys.executable).parent / "coopgraph")
    load = [coopgraph, "load", str(SAMPLES), "--store", str(store)]
    subprocess.run(load, check=True, capture_output=True)
    queries = benchmark_queries(store)
    lookup = next(query for query in queries if query.label.startswith("lookup"))
    assert len(lookup.texts) == 2  # each of the sample's two partnerships
    with open_store(store, read_only=True) as opened:
        for query in queries:
            text = query.text(0)
            if query.label.startswith("ask"):
                assert opened.ask(text), query.label
            else:
                assert list(opened.select(text)), query.label


def test_rdflib_is_not_started_on_a_dump_beyond_the_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """rdflib-endpoint holds its dump in memory: a dump it would need more than the machine's
    available memory for is not served (the other peers, which read from disk, still are)."""
    dump = tmp_path / "records.nq"
    dump.write_bytes(b"x" * 1000)  # about 7,000 bytes of rdflib-endpoint
    data = Data(store=tmp_path, copy=None, dump=dump)
    monkeypatch.setattr(peers, "available_memory", lambda: 100_000)
    assert too_big("rdflib", data) is None
    monkeypatch.setattr(peers, "available_memory", lambda: 8_000)
    why = too_big("rdflib", data)
    assert why is not None and why.startswith("not run: rdflib-endpoint holds the whole dump")
    assert too_big("oxigraph", data) is None and too_big("virtuoso", data) is None
    assert peers.available_memory() is None or peers.available_memory() > 0
