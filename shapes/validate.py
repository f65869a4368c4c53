"""Running the shapes over one record's graph, and reading pyshacl's report into findings.

pyshacl parses the shapes graph into Shape objects on every `validate()` call; over thousands of
records that costs more than validating. `RecordValidator` keeps one parsed shapes graph and
gives pyshacl a new data graph each time (no inference, warnings allowed), with the speed-ups
of `engine`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from pyshacl import Validator
from pyshacl.graph_abstraction import DataGraph
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.term import Node

from coopgraph.shapes import shapes_graph
from coopgraph.shapes.engine import ShapesGraphMemo, speed_up_pyshacl, targeted_shapes
from coopgraph.shapes.oxigraph_graph import OxigraphQueryGraph

SH = Namespace("http://www.w3.org/ns/shacl#")
SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
LANGUAGES = ("fr", "en")


@dataclass(frozen=True)
class Finding:
    """One validation result, with its field name and message in each language."""

    severity: str
    shape: str
    focus: str
    path: str | None
    value: str | None
    field: dict[str, str]
    message: dict[str, str]


def _by_language(literals: list[Node]) -> dict[str, str]:
    texts: dict[str, str] = {}
    for literal in literals:
        if isinstance(literal, Literal):
            texts.setdefault(literal.language or "", str(literal))
    untagged = texts.pop("", None)
    return {
        lang: texts.get(lang) or untagged or next(iter(texts.values()), "") for lang in LANGUAGES
    }


def _severity(node: Node | None) -> str:
    return SEVERITIES.get(node, "Violation") if isinstance(node, URIRef) else "Violation"


@cache
def _shape_texts(publish_personal_data: bool, shape: Node) -> tuple[dict[str, str], dict[str, str]]:
    shapes = shapes_graph(publish_personal_data=publish_personal_data)
    return (
        _by_language(list(shapes.objects(shape, SH.name))),
        _by_language(list(shapes.objects(shape, SH.message))),
    )


def findings(report: Graph, *, publish_personal_data: bool = False) -> list[Finding]:
    """The results of a pyshacl report graph, in a stable order (severity, focus, shape)."""
    found = []
    # Only top-level results: pyshacl also types the nested results of sh:node as results
    # (reachable through sh:detail), which would count one problem twice.
    for result in report.objects(None, SH.result):
        shape = report.value(result, SH.sourceShape)
        field, message = _shape_texts(publish_personal_data, shape)
        if not any(message.values()):
            message = _by_language(list(report.objects(result, SH.resultMessage)))
        path, value = report.value(result, SH.resultPath), report.value(result, SH.value)
        found.append(
            Finding(
                severity=_severity(report.value(result, SH.resultSeverity)),
                shape=str(shape),
                focus=str(report.value(result, SH.focusNode)),
                path=str(path) if isinstance(path, URIRef) else None,
                value=str(value) if value is not None else None,
                field=field,
                message=message,
            )
        )
    order = {"Violation": 0, "Warning": 1, "Info": 2}
    return sorted(found, key=lambda f: (order[f.severity], f.focus, f.shape, f.value or ""))


class RecordValidator:
    """Validates record graphs one at a time against one parsed shapes graph."""

    def __init__(self, *, publish_personal_data: bool = False) -> None:
        self.publish_personal_data = publish_personal_data
        speed_up_pyshacl()
        self._validator = Validator(
            DataGraph.from_rdflib(Graph()),
            shacl_graph=ShapesGraphMemo(shapes_graph(publish_personal_data=publish_personal_data)),
            options={"inference": "none", "allow_warnings": True, "inplace": True},
        )
        use_shapes = targeted_shapes(self._validator)
        if use_shapes:
            self._validator.options["use_shapes"] = use_shapes

    def validate(self, graph: Graph) -> tuple[bool, Graph, list[Finding]]:
        """(conforms, sh:ValidationReport graph, findings); warnings keep conformance."""
        self._validator.data_graph = OxigraphQueryGraph(graph)
        self._validator._target_graph = None  # pyshacl caches the previous data graph here
        conforms, report, _ = self._validator.run()  # type: ignore[no-untyped-call]
        return (
            bool(conforms),
            report,
            findings(report, publish_personal_data=self.publish_personal_data),
        )
