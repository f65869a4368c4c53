"""`coopgraph validate`: the engine, the three report formats, exit statuses, parallel runs."""

from __future__ import annotations

import json
from pathlib import Path

import pyshacl
import pytest
from click.testing import CliRunner, Result
from conftest import SAMPLES, convert_text, run_in_terminal, sample
from pyshacl.shape import Shape
from rdflib import RDF, Graph, Namespace, URIRef

from coopgraph.cli import main
from coopgraph.converters.to_rdf import ConversionOptions
from coopgraph.ontology import COOP
from coopgraph.shapes import shapes_graph
from coopgraph.shapes.batch import validate_paths
from coopgraph.shapes.oxigraph_graph import predicates_read
from coopgraph.shapes.validate import RecordValidator

SH = Namespace("http://www.w3.org/ns/shacl#")
CASES = Path(__file__).parent / "shape-cases"
ONGOING_BUT_ENDED = "Partnership-ongoingButEnded"


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, ["validate", *(str(arg) for arg in args)])


def _bad_year_page() -> str:
    page = sample("rabat-mantes-la-jolie")
    return page.replace(
        "Année de début du partenariat\n2019", "Année de début du partenariat\n20x9"
    )


@pytest.mark.parametrize("store", ["Memory", "SimpleMemory"])
@pytest.mark.parametrize(
    "path", sorted(CASES.glob("*/*.ttl")), ids=lambda p: f"{p.parent.name}/{p.stem}"
)
def test_reused_validator_agrees_with_pyshacl(path: Path, store: str) -> None:
    """One parsed shapes graph reused across records, with the speed-ups of `engine` (SPARQL on
    pyoxigraph, components built once), gives plain pyshacl's own results: shape, focus, value;
    whether the record is in a context-aware store or, as converted, in SimpleMemory."""
    validator = RecordValidator()
    validator.validate(Graph().parse(CASES / "base.ttl"))  # a previous record must not leak
    data = Graph(store=store).parse(path)
    conforms, _, found = validator.validate(data)
    expected_conforms, report, _ = pyshacl.validate(
        Graph().parse(path), shacl_graph=shapes_graph(), inference="none", allow_warnings=True
    )
    expected = sorted(
        (
            str(report.value(result, SH.sourceShape)),
            str(report.value(result, SH.focusNode)),
            None if (value := report.value(result, SH.value)) is None else str(value),
        )
        for result in report.objects(None, SH.result)
    )
    assert conforms == expected_conforms
    assert sorted((f.shape, f.focus, f.value) for f in found) == expected


def test_a_property_shape_runs_once_over_all_fundings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each property shape of the funding shape is evaluated once for all of a record's fundings
    (pyshacl evaluates it once per funding), and the findings are still plain pyshacl's."""
    page = sample("rabat-mantes-la-jolie")
    graph = convert_text(page, options=ConversionOptions(store="Memory")).graph
    fundings = set(graph.subjects(RDF.type, COOP.Funding))
    assert len(fundings) >= 3, "the sample page has several fundings"
    validator = RecordValidator()
    year_focus: list[object] = []  # what each evaluation of Funding-year-year is given
    original = Shape.validate

    def counted(
        self: Shape, executor: object, target: object, focus: object = None, **kw: object
    ) -> object:
        if str(self.node).endswith("Funding-year-year"):
            year_focus.append(focus)
        return original(self, executor, target, focus, **kw)

    monkeypatch.setattr(Shape, "validate", counted)
    _, _, found = validator.validate(graph)
    monkeypatch.undo()
    assert len(year_focus) == 1
    assert set(year_focus[0]) == fundings  # type: ignore[call-overload]
    _, report, _ = pyshacl.validate(
        graph, shacl_graph=shapes_graph(), inference="none", allow_warnings=True
    )
    assert sorted((f.shape, f.focus) for f in found) == sorted(
        (str(report.value(r, SH.sourceShape)), str(report.value(r, SH.focusNode)))
        for r in report.objects(None, SH.result)
    )


A, B, C = (f"<http://example.org/{name}>" for name in "abc")
TYPE = f"<{RDF.type}>"


@pytest.mark.parametrize(
    ("where", "predicates"),
    [
        (f"?s {A} ?o ; {B} ?x", {A, B}),
        (f"?s {A}/^{B}|{C}+ ?o", {A, B, C}),
        (f"?s {A} ?o FILTER NOT EXISTS {{ ?o a ?type }}", {A, TYPE}),
        (
            f"{{ SELECT ?s {{ ?s {A} ?o }} }} OPTIONAL {{ ?s {B} ?x }} MINUS {{ ?s {C} ?y }}",
            {A, B, C},
        ),
        (f"GRAPH ?g {{ ?s {A} [ {B} ?o ] }}", {A, B}),
        ("?s ?p ?o", None),
        (f"?s {A} ?o FILTER EXISTS {{ ?o ?p ?x }}", None),
        (f"?s !{A} ?o", None),
        (f"?s {A}* ?o", None),  # zero steps: every node of the graph matches
        (f"?s {A}? ?o", None),
        ("?s nonsense (", None),  # rdflib cannot read it
    ],
)
def test_sparql_constraints_read_only_the_predicates_they_name(
    where: str, predicates: set[str] | None
) -> None:
    """What `predicates_read` finds is what a record's pyoxigraph copy holds for the query."""
    expected = None if predicates is None else frozenset(URIRef(p[1:-1]) for p in predicates)
    assert predicates_read(f"SELECT * WHERE {{ {where} }}") == expected


def test_real_pages_conform_and_rabat_is_warned(tmp_path: Path) -> None:
    result = run(SAMPLES)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "✔" in result.stdout and "✘" not in result.stdout
    assert result.stderr.strip() == (
        "2 enregistrements : 2 conformes, 0 avec violations, 1 avertissement, 0 illisible"
    )
    assert "  Avertissements\n" in result.stdout
    assert "Date de fin du partenariat : « 2021-12-31 »" in result.stdout


def test_violation_message_names_field_value_and_expectation(tmp_path: Path) -> None:
    (tmp_path / "bad.txt").write_text(_bad_year_page(), encoding="utf-8")
    result = run(tmp_path)
    assert result.exit_code == 1
    assert (
        "Année de début du partenariat : « 20x9 » n'est pas une année "
        "(attendu : AAAA, entre 1950 et l'année prochaine)"
    ) in result.stdout
    english = run(tmp_path, "--lang", "en")
    assert "“20x9” is not a year" in english.stdout


def test_unreadable_input_exits_2_and_others_are_validated(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(sample("sale-woippy"), encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(b"")
    (tmp_path / "c.ttl").write_text("@prefix x: <http://x/> .\nx:a x:b", encoding="utf-8")
    result = run(tmp_path, "--format", "json")
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    by_source = {Path(r["source"]).name: r for r in document["records"]}
    assert by_source["a.txt"]["conforms"] is True
    assert "empty" in by_source["b.txt"]["error"]
    assert "c.ttl:2" in by_source["c.ttl"]["error"]
    assert document["summary"]["unreadable"] == 2


def test_json_report_is_stable_and_complete(tmp_path: Path) -> None:
    (tmp_path / "bad.txt").write_text(_bad_year_page(), encoding="utf-8")
    document = json.loads(run(tmp_path, "--format", "json").stdout)
    assert document["format"] == 1
    (record,) = document["records"]
    assert set(record) == {
        "source",
        "identifier",
        "conforms",
        "violations",
        "warnings",
        "error",
        "results",
        "conversion_warnings",
    }
    result = next(r for r in record["results"] if r["value"] == "20x9")
    assert result["severity"] == "Violation"
    assert result["shape"].endswith("Partnership-startYear-year")
    assert set(result["field"]) == set(result["message"]) == {"fr", "en"}
    assert result["path"] == "https://w3id.org/coopgraph/ontology#startYear"


def test_turtle_report_is_standard_shacl(tmp_path: Path) -> None:
    (tmp_path / "bad.txt").write_text(_bad_year_page(), encoding="utf-8")
    result = run(tmp_path, "--format", "turtle")
    report = Graph().parse(data=result.stdout, format="turtle")
    assert (None, SH.conforms, None) in report
    assert len(list(report.subjects(SH.resultSeverity, SH.Violation))) == 1


def test_rdf_inputs_are_validated(tmp_path: Path) -> None:
    graph = convert_text(sample("sale-woippy")).graph
    (tmp_path / "sale.ttl").write_text(graph.serialize(format="turtle"))
    (tmp_path / "sale.nt").write_text(graph.serialize(format="nt"))
    (tmp_path / "sale.jsonld").write_text(graph.serialize(format="json-ld"))
    result = run(tmp_path, "--format", "json")
    assert result.exit_code == 0, result.stdout
    assert [r["conforms"] for r in json.loads(result.stdout)["records"]] == [True] * 3


def test_remote_jsonld_context_is_refused(tmp_path: Path) -> None:
    (tmp_path / "r.jsonld").write_text('{"@context": "http://127.0.0.1:9/ctx", "@id": "x"}')
    result = run(tmp_path)
    assert result.exit_code == 2
    assert "remote JSON-LD context" in result.stdout


def test_parallel_run_gives_the_serial_reports_in_order(tmp_path: Path) -> None:
    pages = [sample("sale-woippy"), _bad_year_page(), sample("rabat-mantes-la-jolie")] * 3
    for number, page in enumerate(pages):
        (tmp_path / f"p{number}.txt").write_text(page, encoding="utf-8")
    files = sorted(tmp_path.iterdir())
    options = ConversionOptions()
    serial = list(validate_paths(files, options, jobs=1))
    parallel = list(validate_paths(files, options, jobs=2))
    assert [r.source for r in parallel] == [str(f) for f in files]
    assert [(r.conforms, r.findings) for r in parallel] == [
        (r.conforms, r.findings) for r in serial
    ]
    assert [r.conforms for r in serial].count(False) == 3


def test_personal_data_is_a_violation_unless_published(tmp_path: Path) -> None:
    options = ConversionOptions(include_personal_data=True)
    graph = convert_text(sample("sale-woippy"), options=options).graph
    (tmp_path / "people.ttl").write_text(graph.serialize(format="turtle"))
    refused = run(tmp_path)
    assert refused.exit_code == 1
    assert "COOPGRAPH_PUBLISH_PERSONAL_DATA" in refused.stdout
    published = run(tmp_path, "--include-personal-data")
    assert published.exit_code == 0, published.stdout


def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    import sys

    for number in range(8):
        (tmp_path / f"p{number}.txt").write_text(sample("sale-woippy"), encoding="utf-8")
    command = [str(Path(sys.executable).parent / "coopgraph"), "validate", str(tmp_path)]
    code, terminal = run_in_terminal(command)
    assert code == 0, terminal
    assert "validating" in terminal and "100%" in terminal


def test_a_failure_inside_pyshacl_is_reported_for_its_record_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.txt").write_text(sample("sale-woippy"), encoding="utf-8")
    (tmp_path / "b.txt").write_text(sample("rabat-mantes-la-jolie"), encoding="utf-8")
    original = RecordValidator.validate

    def failing_on_mantes(self: RecordValidator, graph: Graph):  # type: ignore[no-untyped-def]
        if "mantes-la-jolie" in graph.serialize(format="nt"):
            raise RuntimeError("boom")
        return original(self, graph)

    monkeypatch.setattr(RecordValidator, "validate", failing_on_mantes)
    reports = list(validate_paths(sorted(tmp_path.iterdir()), ConversionOptions(), jobs=1))
    assert [r.conforms for r in reports] == [True, None]
    assert reports[1].error is not None and "RuntimeError: boom" in reports[1].error
