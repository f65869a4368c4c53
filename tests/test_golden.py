"""Golden cases: every input form of a case converts to the case's expected.ttl.

One folder a case, `tests/cases/<name>/{input.txt, input.html, input.json, expected.ttl}`;
a new bug gets a new folder. Provenance is compared elsewhere (it names the file and time).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CASES, SAMPLES, SHARED_PAGES, content, convert_text
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

INPUTS = sorted(
    path
    for case in CASES.iterdir()
    if (case / "expected.ttl").exists()
    for path in case.glob("input.*")
)


def _dump(graph: Graph) -> str:
    return "\n".join(sorted(graph.serialize(format="nt").splitlines()))


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_case_converts_to_expected_graph(path: Path) -> None:
    conversion = convert_text(path.read_bytes(), identifier=path.parent.name, suffix=path.suffix)
    expected = Graph().parse(path.parent / "expected.ttl")
    actual = content(conversion)
    if not isomorphic(actual, expected):
        _, only_actual, only_expected = graph_diff(to_isomorphic(actual), to_isomorphic(expected))
        pytest.fail(
            f"{path}: graph differs from expected.ttl\n"
            f"--- only in the conversion:\n{_dump(only_actual)}\n"
            f"--- only in expected.ttl:\n{_dump(only_expected)}"
        )
    assert conversion.warnings == []


def test_every_case_has_text_html_and_json_inputs() -> None:
    for case in CASES.iterdir():
        if (case / "expected.ttl").exists():
            assert {p.name for p in case.glob("input.*")} >= {"input.txt", "input.html"}


def test_bundled_samples_are_the_real_pages() -> None:
    for name in ("rabat-mantes-la-jolie", "sale-woippy"):
        sample = (SAMPLES / f"{name}.txt").read_bytes()
        assert (CASES / name / "input.txt").read_bytes() == sample
        if SHARED_PAGES.exists():
            assert (SHARED_PAGES / f"{name}.txt").read_bytes() == sample
