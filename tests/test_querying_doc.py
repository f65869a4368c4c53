"""Every example of docs/querying.md runs against a live `coopgraph serve`."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import urllib.parse
import urllib.request

import pytest
from conftest import ROOT, required_tool

DOC = (ROOT / "docs" / "querying.md").read_text(encoding="utf-8")
DOC_ENDPOINT = "http://127.0.0.1:5000/sparql"


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC, re.DOTALL)


@pytest.mark.parametrize("query", blocks("sparql"), ids=lambda q: q.split("SELECT")[1][:40])
def test_example_query_returns_rows(live_endpoint: str, query: str) -> None:
    url = f"{live_endpoint}?" + urllib.parse.urlencode({"query": query, "format": "csv"})
    with urllib.request.urlopen(url, timeout=30) as response:
        rows = list(csv.DictReader(io.StringIO(response.read().decode("utf-8"))))
    assert rows, "the example returns no row on the bundled records"


@pytest.mark.parametrize("code", blocks("python"), ids=["sparqlwrapper", "pandas"])
def test_python_examples_run(
    live_endpoint: str, code: str, capsys: pytest.CaptureFixture[str]
) -> None:
    exec(compile(code.replace(DOC_ENDPOINT, live_endpoint), "docs/querying.md", "exec"), {})
    assert capsys.readouterr().out.strip()


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_shell_example_runs(live_endpoint: str) -> None:
    (command,) = blocks("sh")
    result = subprocess.run(
        ["bash", "-c", command.replace(DOC_ENDPOINT, live_endpoint)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.splitlines()[0] == "triples" and int(result.stdout.splitlines()[1]) > 150


def test_editor_gallery_is_the_documented_examples() -> None:
    from coopgraph.server.examples import EXAMPLES

    assert [query for _, query in EXAMPLES] == blocks("sparql")


def test_r_example_runs(live_endpoint: str) -> None:
    rscript = required_tool("Rscript", "r-base-core")
    (code,) = blocks("r")
    result = subprocess.run(
        [rscript, "-e", code.replace(DOC_ENDPOINT, live_endpoint)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    header, first_row = result.stdout.splitlines()[:2]
    assert header.split() == ["country", "partnerships"]
    assert "http://publications.europa.eu/resource/authority/country/" in first_row
