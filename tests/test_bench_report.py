"""The benchmark report's arithmetic: targets met or missed, tables, and the profile's parts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench import report
from bench.profile import shares
from bench.profile_load import summary


def _cell(peer: str, query: str, rps: float, connections: int = 4) -> dict[str, Any]:
    return {
        "peer": peer,
        "query": query,
        "connections": connections,
        "rps": rps,
        "p50_ms": 1000 / rps,
        "p95_ms": 2000 / rps,
        "matches": True,
    }


def _results(ours_theme: float, cached: float) -> dict[str, Any]:
    stage = {
        "convert_s": 10.0,
        "convert_mib": 70.0,
        "validate_s": 20.0,
        "validate_mib": 200.0,
        "reload_s": 1.0,
        "triples": 10,
        "store_mib": 5.0,
    }
    return {
        "machine": "test",
        "stages": [
            {**stage, "count": 13_600, "load_s": 80.0, "load_mib": 400.0},
            {**stage, "count": 136_000, "load_s": 1000.0, "load_mib": 600.0},
        ],
        "queries": {
            "13600": [
                _cell("ours", "partnerships per theme", ours_theme),
                _cell("oxigraph", "partnerships per theme", 100.0),
                _cell("rdflib", "partnerships per theme", 10.0),
                _cell("ours", report.CACHED, cached),
                _cell("oxigraph", report.CACHED, 10.0),
            ]
        },
    }


def test_targets_say_met_or_missed_with_their_figures() -> None:
    lines = report.targets(_results(ours_theme=200.0, cached=1000.0))
    assert "Atlas size end to end < 90 s: 80 s: met" in lines
    assert "136,000 records < 15 min: 16.7 min: MISSED" in lines
    assert "load memory flat in N (13,600 → 136,000, within 25 %): +50%: MISSED" in lines
    assert any(
        "partnerships per theme: ours 2.00× oxigraph" in line and "met" in line for line in lines
    )
    assert any("cached repeat: ours 100×" in line and line.endswith("met") for line in lines)
    assert "[13,600] ahead of rdflib-endpoint on every query: met" in lines
    missed = report.targets(_results(ours_theme=50.0, cached=100.0))
    assert any("ours 0.50× oxigraph" in line and line.endswith("MISSED") for line in missed)
    assert any("cached repeat: ours 10×" in line and line.endswith("MISSED") for line in missed)


def test_the_readme_keeps_its_text_around_the_report(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# Benchmarks\n\nbefore\n\n{report.BEGIN}\nold\n{report.END}\n\nafter\n")
    report.write_readme(_results(200.0, 1000.0), readme, "python -m bench")
    text = readme.read_text()
    assert text.startswith("# Benchmarks\n\nbefore\n") and text.endswith("\nafter\n")
    assert "old" not in text and "| 13,600 |" in text and "best ÷ ours" in text


def test_profile_parts_come_from_the_frame_nearest_the_leaf() -> None:
    collapsed = "\n".join(
        [
            "process 1;_serve (server/executor.py:183);rocksdb::DBIter::Next (x.so) 6",
            "process 1;_serve (server/executor.py:183);spareval::eval::X (x.so) 3",
            "process 2;handle (gunicorn/workers/gthread.py:1);dispatch (flask/app.py:1) 1",
            "process 2;run (executor.py:1);_queue_SimpleQueue_get_impl (q.c:1);"
            "PyThread_acquire_lock_timed (libpython) 5",
            "process 3;select_epoll_poll_impl (s.c:1);epoll_wait (libc.so.6) 40",
        ]
    )
    found = shares(collapsed)
    assert found["RocksDB, reading the store"] == 0.6
    assert found["query evaluation (pyoxigraph)"] == 0.3
    assert found["Flask, Werkzeug, gunicorn"] == 0.1
    assert found["waiting: a request for a free query worker"] == 0.5
    assert found["waiting: idle"] == 4.0


def test_load_profile_stages_come_from_the_innermost_frame_naming_one() -> None:
    # as py-spy writes them: a worker's stack starts with its parent's process frame
    loading = 'process 10:"coopgraph load pages"'
    worker = f'{loading};process 12:"coopgraph load pages";worker (multiprocessing/pool.py:125)'
    collapsed = "\n".join(
        [
            # rdflib called by pyshacl is validation; called by the converter, conversion
            f"{worker};_work (shapes/batch.py:60);validate (pyshacl/validate.py:1);"
            "add (rdflib/graph.py:1) 5",
            f"{worker};_work (shapes/batch.py:60);record_graph (converters/to_rdf.py:9);"
            "add (rdflib/graph.py:1) 3",
            f"{worker};_work (shapes/batch.py:60);dumps (multiprocessing/reduction.py:1) 1",
            f"{loading};close (server/store/embedded.py:330);_load_pending (server/x.py:1) 1",
            f"{loading};next (multiprocessing/pool.py:1);wait (threading.py:320) 30",
        ]
    )
    stages, by_process = summary(collapsed)
    assert stages == {
        "validation: SHACL (pyshacl, shapes/)": 0.5,
        "conversion: page parsing, the RDF graph (converters/)": 0.3,
        "between processes: pickling, pipes": 0.1,
        "storing: spool, bulk load, RocksDB (server/)": 0.1,
    }
    assert by_process == {12: 9, 10: 1}  # waits are not busy samples


def test_a_size_without_rdflib_rows_says_so_instead_of_met() -> None:
    """Where rdflib-endpoint was not run (a dump beyond the memory), its target is not called
    met for want of rows: the line gives the reason; the query tables of that size still come."""
    results = _results(ours_theme=200.0, cached=1000.0)
    results["queries"]["136000"] = [
        _cell("ours", "partnerships per theme", 50.0),
        _cell("oxigraph", "partnerships per theme", 20.0),
        {"peer": "rdflib", "query": "partnerships per theme", "connections": 4,
         "note": "not available (not run: rdflib-endpoint holds the whole dump in memory)"},
    ]  # fmt: skip
    lines = report.targets(results)
    assert (
        "[136,000] ahead of rdflib-endpoint: not measured (not available (not run: "
        "rdflib-endpoint holds the whole dump in memory))" in lines
    )
    assert any(line.startswith("[136,000] partnerships per theme: ours 2.50×") for line in lines)
    assert "### Queries at 136,000 records, 4 connections" in report.tables(results)


def test_aggregates_too_slow_to_load_are_compared_by_single_answers() -> None:
    """At 136,000 records an aggregate can take longer than a cell on both sides: then the
    target compares the single answers, says so, and is still met or missed."""
    results = _results(ours_theme=200.0, cached=1000.0)
    slow = {"query": "funding per funder and year", "connections": 4, "matches": True}
    results["queries"]["136000"] = [
        {**slow, "peer": "ours", "first_ms": 5639.0, "note": "not loaded"},
        {**slow, "peer": "oxigraph", "first_ms": 9577.0, "note": "not loaded"},
    ]
    (line,) = [line for line in report.targets(results) if line.startswith("[136,000] funding")]
    assert line == (
        "[136,000] funding per funder and year: ours 1.70× as fast as oxigraph serve by single "
        "answers (5,639 ms against 9,577 ms; not loaded: an answer took more than a cell) "
        "(target ≥ 1.5): met"
    )
    results["queries"]["136000"][0]["first_ms"] = 9000.0
    assert any(
        line.startswith("[136,000] funding") and line.endswith("MISSED")
        for line in report.targets(results)
    )
