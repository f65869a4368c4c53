"""`coopgraph load / query / dump / stats` as a user runs them, on the embedded store."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import SAMPLES, run_in_terminal, sample
from rdflib import Dataset
from servers import free_port

from coopgraph.cli import main
from coopgraph.server.store.base import LAST_LOAD_QUERY

PARTNERSHIPS = (
    "PREFIX coop: <https://w3id.org/coopgraph/ontology#> "
    "SELECT ?p WHERE { ?p a coop:Partnership } ORDER BY ?p"
)


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(arg) for arg in args])


@pytest.fixture
def loaded(tmp_path: Path) -> Path:
    store = tmp_path / "store"
    result = run("load", SAMPLES, "--store", store)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.strip().endswith(
        "2 records: 2 loaded, 0 unchanged, 0 refused (violations), 0 unreadable"
    )
    return store


def test_store_setting_is_the_default_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COOPGRAPH_STORE", str(tmp_path / "from-env"))
    assert run("load", SAMPLES).exit_code == 0
    assert (tmp_path / "from-env" / "CURRENT").exists()


def test_stats_after_load(loaded: Path) -> None:
    lines = dict(
        line.split(None, 1) for line in run("stats", "--store", loaded).stdout.splitlines()
    )
    assert lines["records"] == "2" and int(lines["triples"]) > 150
    assert lines["last"].split()[1].startswith("20")


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "table"])
def test_query_formats(loaded: Path, fmt: str) -> None:
    out = run("query", PARTNERSHIPS, "--store", loaded, "--format", fmt).stdout
    if fmt == "json":
        rows = [r["p"]["value"] for r in json.loads(out)["results"]["bindings"]]
    elif fmt == "csv":
        rows = [r["p"] for r in csv.DictReader(io.StringIO(out))]
    else:
        rows = [line.split("|")[0].strip().strip("<>") for line in out.splitlines()[1:]]
    assert [r.rsplit("/", 1)[1] for r in rows] == ["rabat-mantes-la-jolie", "sale-woippy"]


def test_construct_query(loaded: Path) -> None:
    out = run(
        "query",
        "CONSTRUCT { ?p ?q ?o } WHERE { "
        "?p a <https://w3id.org/coopgraph/ontology#Partnership> ; ?q ?o }",
        "--store",
        loaded,
        "--format",
        "ntriples",
    ).stdout
    assert out.count("\n") > 40


def test_bad_query_says_where(loaded: Path) -> None:
    result = run("query", "SELEC ?x", "--store", loaded)
    assert result.exit_code == 2
    assert "invalid SPARQL query" in result.stderr and "1:" in result.stderr


def test_dump_holds_every_record_graph(loaded: Path, tmp_path: Path) -> None:
    out = tmp_path / "dump.trig"
    assert run("dump", "--store", loaded, "--format", "trig", "-o", out).exit_code == 0
    dataset = Dataset()
    dataset.parse(out, format="trig")
    names = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert {n for n in names if "/graph/partnership/" in n} == {
        "http://localhost:5000/graph/partnership/rabat-mantes-la-jolie",
        "http://localhost:5000/graph/partnership/sale-woippy",
    }


def test_refused_record_prints_its_report_and_force_says_so(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text(
        sample("sale-woippy").replace(
            "Année de début du partenariat\n2005", "Année de début du partenariat\n20x5"
        )
    )
    store = tmp_path / "store"
    refused = run("load", bad, "--store", store)
    assert refused.exit_code == 1
    assert "« 20x5 » n'est pas une année" in refused.stderr
    assert "1 refused (violations)" in refused.stderr
    forced = run("load", bad, "--store", store, "--force")
    assert forced.exit_code == 0
    assert "stored despite its violations (--force)" in forced.stderr


def test_unreachable_endpoint_changes_nothing_and_says_why(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/sparql"
    result = run("load", SAMPLES, "--endpoint", url)
    assert result.exit_code == 3
    assert f"cannot reach the SPARQL store at {url}" in result.stderr


def test_delete_removes_one_record(loaded: Path) -> None:
    def last_write() -> str:
        return run("query", LAST_LOAD_QUERY, "--store", loaded, "--format", "csv").stdout

    loaded_at = last_write()
    result = run("delete", "sale-woippy", "nope", "--store", loaded)
    assert result.exit_code == 1
    assert "deleted sale-woippy" in result.stderr and "not in the store: nope" in result.stderr
    out = run("query", PARTNERSHIPS, "--store", loaded, "--format", "csv").stdout
    assert "sale-woippy" not in out and "rabat-mantes-la-jolie" in out
    deleted_at = last_write()
    assert deleted_at != loaded_at  # stamped: servers over the store see a new state
    assert run("delete", "nope", "--store", loaded).exit_code == 1
    assert last_write() == deleted_at  # nothing deleted, nothing stamped


def test_load_shows_progress_on_a_terminal(tmp_path: Path) -> None:
    for number in range(8):
        (tmp_path / f"p{number}.txt").write_text(sample("sale-woippy"), encoding="utf-8")
    command = [
        str(Path(sys.executable).parent / "coopgraph"),
        "load",
        str(tmp_path),
        "--store",
        str(tmp_path / "store"),
        "--jobs",
        "1",
    ]
    code, terminal = run_in_terminal(command)
    assert code == 0, terminal
    assert "loading" in terminal and "100%" in terminal
