"""The SHACL shapes (shapes/): one case per constraint, the real pages, and the shapes' own rules.

A case is a folder of tests/shape-cases/: `expect.txt` names the shape that must fire on the
failing record and its severity; `fail.ttl`/`pass.ttl` are record graphs (or `fail.json`/`pass.json`
records in the JSON format, converted first); an optional `options.txt` holding
`publish_personal_data` validates with publishing people on.
"""

from __future__ import annotations

import re
from datetime import date
from importlib import resources
from pathlib import Path

import pyshacl
import pytest
from rdflib import OWL, RDF, SKOS, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from coopgraph.converters.pipeline import convert_bytes, convert_file
from coopgraph.converters.to_rdf import ConversionOptions
from coopgraph.ontology import COOP, ontology_path, scheme_iri, vocabulary_path
from coopgraph.shapes import SHAPES, shapes_graph, year_pattern
from coopgraph.shapes.generate_countries import countries_turtle

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "shape-cases"
PAGES = ROOT / "data" / "atlas"
SH = Namespace("http://www.w3.org/ns/shacl#")
COOP_NS = str(COOP._NS)
COUNTRY = "http://publications.europa.eu/resource/authority/country/"

Result = tuple[URIRef, URIRef]  # (sh:sourceShape, sh:resultSeverity)


def validate(data: Graph, *, publish_personal_data: bool = False) -> list[Result]:
    """Every result of pyshacl on `data`, as (source shape, severity)."""
    plain = Graph()  # pyshacl needs a context-aware store; converted graphs use SimpleMemory
    plain += data
    _, report, _ = pyshacl.validate(
        plain,
        shacl_graph=shapes_graph(publish_personal_data=publish_personal_data),
        inference="none",
        allow_warnings=True,
    )
    results = []
    # sh:result only: pyshacl also types the nested results of sh:node (its sh:detail) as results
    for result in report.objects(None, SH.result):
        shape, severity = (
            report.value(result, SH.sourceShape),
            report.value(result, SH.resultSeverity),
        )
        assert isinstance(shape, URIRef), f"result from an unnamed shape: {shape}"
        assert isinstance(severity, URIRef)
        results.append((shape, severity))
    return results


def violations(results: list[Result]) -> list[Result]:
    return [result for result in results if result[1] == SH.Violation]


def case_names() -> list[str]:
    return sorted(path.name for path in CASES.iterdir() if (path / "expect.txt").is_file())


def case_graph(folder: Path, kind: str) -> Graph:
    """The `fail` or `pass` record of a case: Turtle as it is, JSON converted."""
    turtle = folder / f"{kind}.ttl"
    if turtle.is_file():
        return Graph().parse(turtle, format="turtle")
    record = folder / f"{kind}.json"
    conversion = convert_bytes(
        record.read_bytes(),
        source=f"{folder.name}/{record.name}",
        identifier=folder.name,
        options=ConversionOptions(),
        suffix=".json",
    )
    return conversion.graph


def expected(folder: Path) -> Result:
    shape, severity = (folder / "expect.txt").read_text(encoding="utf-8").split()
    return URIRef(shape), SH[severity]


def publishes_people(folder: Path) -> bool:
    options = folder / "options.txt"
    return options.is_file() and "publish_personal_data" in options.read_text(encoding="utf-8")


def short(results: list[Result] | set[Result]) -> list[str]:
    return sorted(
        f"{shape.removeprefix(str(SHAPES))} {severity[len(SH) :]}" for shape, severity in results
    )


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return shapes_graph()


@pytest.fixture(scope="module")
def shapes_file() -> Graph:
    """shapes.ttl exactly as written (placeholders included)."""
    text = (resources.files("coopgraph.shapes") / "shapes.ttl").read_text(encoding="utf-8")
    return Graph().parse(data=text, format="turtle")


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(data=ontology_path().read_text(encoding="utf-8"), format="turtle")


@pytest.fixture(scope="module")
def vocab() -> Graph:
    return Graph().parse(data=vocabulary_path().read_text(encoding="utf-8"), format="turtle")


# (a) one case per constraint


def test_there_is_a_case_for_every_listed_constraint() -> None:
    shapes_with_cases = {expected(CASES / name)[0] for name in case_names()}
    required = {
        SHAPES[name]
        for name in (
            "Partnership-title-required",
            "Partnership-title-nonEmpty",
            "Partnership-frenchAuthority-required",
            "Partnership-firstSignatureYear-year",
            "Partnership-startYear-year",
            "Partnership-endDate-date",
            "Partnership-endBeforeStart",
            "Partnership-ongoingButEnded",
            "Partnership-subject-required",
            "Partnership-status-inScheme",
            "Partnership-form-inScheme",
            "Funding-amountEUR-decimal",
            "Funding-amountEUR-nonNegative",
            "Funding-year-year",
            "Partnership-fundingYearBeforeStart",
            "Partnership-fundingYearAfterEnd",
            "Funding-funder-resolves",
            "Funding-instrument-inScheme",
            "Membership-role-inScheme",
            "Organization-spatial-euCountry",
            "Person-email-format",
            "PersonPrivacy-name",
            "PersonPrivacy-email",
            "PersonPrivacy-comment",
        )
    }
    assert required - shapes_with_cases == set()


def test_the_shared_base_record_gives_no_result_at_all() -> None:
    assert validate(Graph().parse(CASES / "base.ttl", format="turtle")) == []


@pytest.mark.parametrize("name", case_names())
def test_case_fires_only_its_shape_on_fail_and_nothing_on_pass(name: str) -> None:
    folder = CASES / name
    shape, severity = expected(folder)
    publish = publishes_people(folder)

    failing = set(validate(case_graph(folder, "fail"), publish_personal_data=publish))
    assert (shape, severity) in failing, f"fail: expected {short({(shape, severity)})}"
    assert failing == {(shape, severity)}, f"fail: other shapes fired too: {short(failing)}"

    passing = validate(case_graph(folder, "pass"), publish_personal_data=publish)
    assert shape not in {source for source, _ in passing}, f"pass: {short(passing)}"
    assert violations(passing) == [], f"pass: {short(passing)}"


# (b) the real pages


def page_results(stem: str) -> list[Result]:
    return validate(convert_file(PAGES / f"{stem}.txt", ConversionOptions()).graph)


def test_sale_page_conforms_without_any_result() -> None:
    assert page_results("sale-woippy") == []


def test_rabat_page_conforms_with_exactly_the_ongoing_but_ended_warning() -> None:
    results = page_results("rabat-mantes-la-jolie")
    assert results == [(SHAPES["Partnership-ongoingButEnded"], SH.Warning)], short(results)


# (c) shapes and ontology agree


def test_every_ontology_class_has_a_node_shape(ontology: Graph, shapes: Graph) -> None:
    classes = {c for c in ontology.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)}
    assert {COOP.Partnership, SKOS.Concept, URIRef("http://schema.org/Person")} <= classes
    targeted = {
        target
        for shape in shapes.subjects(RDF.type, SH.NodeShape)
        for target in shapes.objects(shape, SH.targetClass)
    }
    assert classes - targeted == set(), "classes without a node shape"


def test_every_target_class_is_declared_by_the_ontology(ontology: Graph, shapes: Graph) -> None:
    classes = set(ontology.subjects(RDF.type, OWL.Class))
    targets = set(shapes.objects(None, SH.targetClass))
    assert targets - classes == set(), "shapes target classes the ontology does not declare"


def test_shapes_use_only_terms_of_the_coop_namespace(shapes_file: Graph) -> None:
    known = {name for name in COOP.__annotations__ if not name.startswith("_")}
    used = {
        str(node)[len(COOP_NS) :]
        for triple in shapes_file
        for node in triple
        if isinstance(node, URIRef) and str(node).startswith(COOP_NS)
    }
    in_queries = {
        name
        for query in shapes_file.objects(None, SH.select)
        for name in re.findall(r"\bcoop:(\w+)", str(query))
    }
    assert used, "no coop: term found"
    assert (used | in_queries) - known == set()


# (d) every shape a submitter can meet speaks French and English


def languages(graph: Graph, subject: Node, predicate: URIRef) -> set[str | None]:
    return {o.language for o in graph.objects(subject, predicate) if isinstance(o, Literal)}


def property_shapes(shapes: Graph) -> set[Node]:
    return set(shapes.objects(None, SH.property))


def test_every_property_shape_has_a_readable_iri_names_messages_and_severity(
    shapes: Graph,
) -> None:
    found = property_shapes(shapes)
    assert len(found) > 40
    for shape in found:
        assert isinstance(shape, URIRef) and shape.startswith(str(SHAPES)), shape
        assert languages(shapes, shape, SH.name) == {"fr", "en"}, f"{shape}: sh:name fr+en"
        assert languages(shapes, shape, SH.message) == {"fr", "en"}, f"{shape}: sh:message fr+en"
        assert shapes.value(shape, SH.severity) in {SH.Violation, SH.Warning}, shape


def test_every_sparql_shape_has_severity_and_messages(shapes: Graph) -> None:
    sparql = set(shapes.subjects(SH.sparql, None))
    assert {
        SHAPES["Partnership-endBeforeStart"],
        SHAPES["Partnership-ongoingButEnded"],
        SHAPES["Partnership-fundingYearBeforeStart"],
        SHAPES["Partnership-fundingYearAfterEnd"],
    } <= sparql
    for shape in sparql:
        assert (shape, RDF.type, SH.NodeShape) in shapes
        assert shapes.value(shape, SH.targetClass) is not None, shape
        assert shapes.value(shape, SH.severity) in {SH.Violation, SH.Warning}, shape
        assert languages(shapes, shape, SH.message) == {"fr", "en"}, shape
        assert languages(shapes, shape, SH.name) == {"fr", "en"}, shape


def test_severities_follow_the_issue(shapes: Graph) -> None:
    warnings = {s for s in shapes.subjects(SH.severity, SH.Warning)}
    assert warnings == {
        SHAPES["Partnership-ongoingButEnded"],
        SHAPES["Partnership-fundingYearBeforeStart"],
        SHAPES["Partnership-fundingYearAfterEnd"],
        SHAPES["Partnership-subject-required"],
        SHAPES["Funding-funder-resolves"],
    }


# (e) closed lists equal the concept schemes


@pytest.mark.parametrize(
    ("shape", "scheme"),
    [("Membership-role-inScheme", "role"), ("Funding-instrument-inScheme", "instrument")],
)
def test_sh_in_list_equals_the_scheme_concepts(
    shapes: Graph, vocab: Graph, shape: str, scheme: str
) -> None:
    head = shapes.value(SHAPES[shape], SH["in"])
    assert head is not None
    listed = list(Collection(shapes, head))
    assert len(listed) == len(set(listed))
    assert set(listed) == set(vocab.subjects(SKOS.inScheme, scheme_iri(scheme)))


def test_country_table_is_generated_and_holds_the_atlas_countries(shapes: Graph) -> None:
    text = (resources.files("coopgraph.shapes") / "countries.ttl").read_text(encoding="utf-8")
    assert text == countries_turtle(), "run shapes/generate_countries.py and commit countries.ttl"
    pattern = re.compile(str(shapes.value(SHAPES["Organization-spatial-euCountry"], SH.pattern)))
    for code in ("FRA", "MAR", "SEN", "BEL", "COD", "VNM"):
        assert pattern.search(f"{COUNTRY}{code}"), code
    for wrong in ("MA", "XXX", "FRA/", "fra", "FRANCE"):
        assert not pattern.search(f"{COUNTRY}{wrong}"), wrong
    assert not pattern.search("http://publicationsXeuropa.eu/resource/authority/country/FRA")


# (f) the regex of plausible years


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("1950", True),
        ("1999", True),
        ("2000", True),
        ("2019", True),
        ("2027", True),
        ("1949", False),
        ("2028", False),
        ("19", False),
        ("20x9", False),
        ("0999", False),
        ("01950", False),
        ("12345", False),
        ("", False),
        (" 2019", False),
        ("-2019", False),
    ],
)
def test_year_pattern_boundaries(text: str, accepted: bool) -> None:
    assert bool(re.search(year_pattern(1950, 2027), text)) is accepted


@pytest.mark.parametrize(("first", "last"), [(1950, 2027), (0, 9), (7, 1203), (1999, 2000)])
def test_year_pattern_accepts_exactly_its_range(first: int, last: int) -> None:
    pattern = re.compile(year_pattern(first, last))
    for number in range(0, 13000):
        assert bool(pattern.search(str(number))) is (first <= number <= last), number


def test_shapes_check_years_from_1950_to_next_year(shapes: Graph) -> None:
    pattern = Literal(year_pattern(1950, date.today().year + 1))
    for name in (
        "Partnership-firstSignatureYear-year",
        "Partnership-startYear-year",
        "Funding-year-year",
    ):
        assert shapes.value(SHAPES[name], SH.pattern) == pattern, name
    assert not any("__YEAR_PATTERN__" in str(o) for o in shapes.objects()), "placeholder left"


# (g) privacy


PERSON_WITH_NAME_AND_EMAIL = """
@prefix schema: <http://schema.org/> .
<http://localhost:5000/id/person/zahrour-mostapha> a schema:Person ;
    schema:name "Zahrour Mostapha" ;
    schema:email "zahrourm@yahoo.fr" .
"""


def test_privacy_shape_fires_when_publishing_people_is_off() -> None:
    person = Graph().parse(data=PERSON_WITH_NAME_AND_EMAIL, format="turtle")
    results = set(validate(person, publish_personal_data=False))
    assert results == {
        (SHAPES["PersonPrivacy-name"], SH.Violation),
        (SHAPES["PersonPrivacy-email"], SH.Violation),
    }


def test_privacy_shape_is_deactivated_when_publishing_people_is_on() -> None:
    person = Graph().parse(data=PERSON_WITH_NAME_AND_EMAIL, format="turtle")
    assert validate(person, publish_personal_data=True) == []
    privacy = SHAPES["PersonPrivacy"]
    assert (privacy, SH.deactivated, Literal(True)) in shapes_graph(publish_personal_data=True)
    assert (privacy, SH.deactivated, None) not in shapes_graph(publish_personal_data=False)


def test_shapes_graph_is_cached_per_flag() -> None:
    assert shapes_graph() is shapes_graph(publish_personal_data=False)
    assert shapes_graph(publish_personal_data=True) is not shapes_graph()


def test_impossible_end_date_of_an_ongoing_partnership_does_not_break_validation() -> None:
    text = (CASES / "base.ttl").read_text(encoding="utf-8")
    text = text.replace("status:termine", "status:en-cours").replace("2021-12-31", "2021-02-30")
    results = validate(Graph().parse(data=text, format="turtle"))
    assert (SHAPES["Partnership-endDate-date"], SH.Violation) in results, short(results)
