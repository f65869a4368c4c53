"""Running the shapes over one record's graph, and reading pyshacl's report into findings.

pyshacl parses the shapes graph into Shape objects on every `validate()` call; over thousands of
records that costs more than validating. `RecordValidator` keeps one parsed shapes graph and
gives pyshacl a new data graph each time (no inference, warnings allowed).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from pyshacl import Validator
from pyshacl.graph_abstraction import DataGraph, RdfLibDataGraph
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node

from coopgraph.shapes import shapes_graph

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


@lru_cache(maxsize=256)
def _prepared(text: str) -> Query:
    return prepareQuery(text)


class _PreparedQueryGraph(RdfLibDataGraph):
    """pyshacl's data graph, with each SPARQL constraint's query parsed once, not per focus node.

    pyshacl passes rdflib the query text for every focus node; rdflib's pyparsing parser takes
    tens of milliseconds a parse, many times what evaluating the query on one record costs.
    """

    def query(self, query_object: str | Query, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if isinstance(query_object, str):
            query_object = _prepared(query_object)
        return super().query(query_object, *args, **kwargs)


def _constraint_parameters_as_set() -> None:
    """Let pyshacl test a shape's predicates against a set, not a list, of constraint parameters.

    pyshacl (0.40) looks each predicate of each shape up in a list of ~40 IRIs, on every
    evaluation: millions of Python-level comparisons for thousands of records (18 % of the time).
    It caches that list in `pyshacl.shape.CONSTRAINT_PARAMS`; we fill the cache with a frozenset,
    which answers `in` the same way. Only the non-advanced path (ours) reads it without copying.
    """
    import pyshacl.shape
    from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP

    pyshacl.shape.CONSTRAINT_PARAMS = (  # type: ignore[attr-defined]
        frozenset(ALL_CONSTRAINT_PARAMETERS),
        CONSTRAINT_PARAMETERS_MAP,
    )


class _ShapesGraphMemo(Graph):
    """The shapes graph, answering each triple pattern from a memo after the first time.

    pyshacl reads a shape's parameters, messages and targets from the shapes graph again on
    every evaluation, for every record; the shapes never change between records. Adding or
    removing a triple (pyshacl adds a few of its own at start) clears the memo; the memo is
    bounded in case a lookup pattern ever depends on the data.
    """

    MAX_PATTERNS = 100_000

    def __init__(self, source: Graph) -> None:
        super().__init__()
        self._memo: dict[Any, tuple[Any, ...]] = {}
        for prefix, namespace in source.namespaces():
            self.bind(prefix, namespace)
        for triple in source:
            self.add(triple)

    def triples(self, pattern: Any) -> Any:
        try:
            found = self._memo.get(pattern)
        except TypeError:  # an unhashable pattern (a property path object): no memo
            return super().triples(pattern)
        if found is None:
            if len(self._memo) >= self.MAX_PATTERNS:
                self._memo.clear()
            found = self._memo[pattern] = tuple(super().triples(pattern))
        return iter(found)

    def add(self, triple: Any) -> Any:
        self._memo.clear()
        return super().add(triple)

    def remove(self, triple: Any) -> Any:
        self._memo.clear()
        return super().remove(triple)


def _copy(graph: Graph) -> Graph:
    copy = Graph()
    for triple in graph:
        copy.add(triple)
    return copy


class RecordValidator:
    """Validates record graphs one at a time against one parsed shapes graph."""

    def __init__(self, *, publish_personal_data: bool = False) -> None:
        self.publish_personal_data = publish_personal_data
        _constraint_parameters_as_set()
        self._validator = Validator(
            DataGraph.from_rdflib(Graph()),
            shacl_graph=_ShapesGraphMemo(shapes_graph(publish_personal_data=publish_personal_data)),
            options={"inference": "none", "allow_warnings": True, "inplace": True},
        )

    def validate(self, graph: Graph) -> tuple[bool, Graph, list[Finding]]:
        """(conforms, sh:ValidationReport graph, findings); warnings keep conformance."""
        # pyshacl needs a context-aware store; converted records use rdflib's SimpleMemory.
        data = graph if graph.store.context_aware else _copy(graph)
        self._validator.data_graph = _PreparedQueryGraph(store=data.store, impl=data)
        self._validator._target_graph = None  # pyshacl caches the previous data graph here
        conforms, report, _ = self._validator.run()  # type: ignore[no-untyped-call]
        return (
            bool(conforms),
            report,
            findings(report, publish_personal_data=self.publish_personal_data),
        )
