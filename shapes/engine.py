"""pyshacl, made fast for many small graphs: what `RecordValidator` changes in how it runs.

pyshacl is written for one large graph per call; a record is ~110 triples validated against the
same shapes thousands of times, so costs pyshacl pays per call or per focus node dominate. Each
change below keeps pyshacl's results (the shape-case tests run through it) and is pinned to the
pyshacl minor version in pyproject.toml, since some reach into its internals:

- SPARQL constraints run on pyoxigraph, and the record's graph may be in rdflib's SimpleMemory
  (`oxigraph_graph.OxigraphQueryGraph`, given to pyshacl as its data graph).
- A SPARQL constraint's query text is checked and pre-bound once, not once per focus node.
- The shapes graph answers each triple pattern from a memo: pyshacl re-reads every shape's
  parameters on every evaluation, and the shapes never change between records.
- The ~40 constraint parameters are looked up in a set, not a list, and each shape's constraint
  components are built once, not on every evaluation.
- No plain-text description is written for results we read from the report graph anyway, and
  each shape's name (formatted into debug messages even with logging off) is computed once.
- Only shapes with targets are tried as starting points (`targeted_shapes`).
- A node shape's property shapes each run once over all its focus nodes, not once per node.
"""

from __future__ import annotations

from typing import Any

from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper
from rdflib import Graph, URIRef
from rdflib.term import Node

_THIS, _VALUE = URIRef("urn:coopgraph:pre-bound:this"), URIRef("urn:coopgraph:pre-bound:value")


def _pre_bind_once() -> None:
    """Check and pre-bind each SPARQL constraint's text once, then only substitute the nodes.

    pyshacl's `pre_bind_variables` runs eight regular expressions over the query text for every
    focus node; what they find depends on the text alone (and on whether a value node is given),
    so the first answer, computed with placeholder nodes, holds for every later call.
    """
    original: Any = SPARQLQueryHelper.pre_bind_variables
    if getattr(original, "coopgraph_memo", False):
        return

    def pre_bind_variables(
        self: SPARQLQueryHelper,
        thisnode: Node,
        valuenode: Node | None = None,
        extravars: Any = None,
    ) -> tuple[dict[str, Node], str]:
        key = (bool(valuenode), tuple(sorted(extravars or ())))
        memo: dict[Any, tuple[dict[str, Node], str]] = self.__dict__.setdefault(
            "_coopgraph_pre_bound", {}
        )
        if key not in memo:
            memo[key] = original(self, _THIS, _VALUE if valuenode else None, extravars)
        bindings, text = memo[key]
        actual: dict[Node, Node] = {_THIS: thisnode}
        if valuenode is not None:
            actual[_VALUE] = valuenode
        return {name: actual.get(node, node) for name, node in bindings.items()}, text

    pre_bind_variables.coopgraph_memo = True  # type: ignore[attr-defined]
    SPARQLQueryHelper.pre_bind_variables = pre_bind_variables  # type: ignore[method-assign]


class _ComponentPerShape:
    """Stands for a constraint component class: builds it once per shape, then hands it back.

    pyshacl builds every constraint component of a shape again on each evaluation, re-reading
    its parameters; components keep no state once built, so one per shape serves every record.
    The instances live on the shapes graph they were read from, and go with it.
    """

    def __init__(self, component: Any) -> None:
        self.component = component

    def __call__(self, shape: Any) -> Any:
        built: dict[tuple[Any, int], Any] = shape.sg.__dict__.setdefault("_coopgraph_built", {})
        key = (self.component, id(shape))
        if key not in built:
            built[key] = self.component(shape)  # a load warning or error raises each time
        return built[key]


def _constraint_components_once() -> None:
    """Look constraint parameters up in a set, and build each shape's components once.

    pyshacl (0.40) looks each predicate of each shape up in a list of ~40 IRIs, on every
    evaluation, then builds the component that parameter names. It caches the list and the
    parameter-to-component map in `pyshacl.shape.CONSTRAINT_PARAMS`; we fill that cache with a
    frozenset (which answers `in` the same way) and a map to `_ComponentPerShape`. Only the
    non-advanced path (ours) reads the cache without copying it.
    """
    import pyshacl.shape
    from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP

    current = getattr(pyshacl.shape, "CONSTRAINT_PARAMS", None)
    if current and isinstance(current[0], frozenset):
        return
    pyshacl.shape.CONSTRAINT_PARAMS = (  # type: ignore[attr-defined]
        frozenset(ALL_CONSTRAINT_PARAMETERS),
        {
            parameter: _ComponentPerShape(component)
            for parameter, component in CONSTRAINT_PARAMETERS_MAP.items()
        },
    )


def _no_result_texts_for_our_shapes() -> None:
    """Skip pyshacl's plain-text description of each result when the shapes are ours.

    pyshacl writes a text for every result, nested ones included (each branch of an `sh:or` or
    `sh:not` that fails); only its `results_text` uses them, which `RecordValidator` never reads:
    findings come from the report graph. Other shapes graphs keep their texts.
    """
    from pyshacl.constraints.constraint_component import ConstraintComponent

    original = ConstraintComponent.make_v_result_description
    if getattr(original, "coopgraph_quiet", False):
        return

    def make_v_result_description(self: Any, *args: Any, **kwargs: Any) -> str:
        if isinstance(self.shape.sg.graph, ShapesGraphMemo):
            return ""
        return str(original(self, *args, **kwargs))

    make_v_result_description.coopgraph_quiet = True  # type: ignore[attr-defined]
    ConstraintComponent.make_v_result_description = make_v_result_description  # type: ignore[method-assign]


def _shape_names_once() -> None:
    """Name each shape once: pyshacl formats `str(shape)` into debug messages ~350 times a record,
    logging on or off (f-strings), and a shape's name never changes."""
    from pyshacl.shape import Shape

    original: Any = Shape.__str__
    if getattr(original, "coopgraph_memo", False):
        return

    def name(self: Any) -> str:
        names: dict[int, str] = self.sg.__dict__.setdefault("_coopgraph_names", {})
        if id(self) not in names:
            names[id(self)] = original(self)
        return names[id(self)]

    name.coopgraph_memo = True  # type: ignore[attr-defined]
    Shape.__str__ = name  # type: ignore[method-assign]


def _property_shapes_once_per_evaluation() -> None:
    """Run each property shape of a shape once over all its value nodes, when the shapes are ours.

    pyshacl (0.40) validates a property shape once per value node of the shape holding it: a
    record's five fundings and ten property shapes make fifty evaluations, each paying the
    per-evaluation cost (parameters, components, severity, path, logging). `Shape.validate`
    takes a list of focus nodes, as it does for a shape's targets, and reports per node. Where
    two focus nodes share a value node (pyshacl reports it once for each), where pyshacl would
    raise or warn, and for other shapes graphs, pyshacl's own loop runs.
    """
    from pyshacl.constraints.core.shape_based_constraints import PropertyConstraintComponent

    original: Any = PropertyConstraintComponent._evaluate_property_shape
    if getattr(original, "coopgraph_once", False):
        return

    def evaluate_property_shape(
        self: Any,
        executor: Any,
        prop_shape: Any,
        target_graph: Any,
        focus_value_nodes: dict[Any, Any],
        potentially_recursive: Any,
        _evaluation_path: list[Any],
    ) -> tuple[bool, list[Any]]:
        found = self.shape.get_other_shape(prop_shape)
        value_nodes = [v for values in focus_value_nodes.values() for v in values]
        if (
            not isinstance(self.shape.sg.graph, ShapesGraphMemo)
            or not found
            or not found.is_property_shape
            or (potentially_recursive and found in potentially_recursive)
            or len(value_nodes) != len(set(value_nodes))
        ):  # pyshacl's own way: its errors and warnings, each shared node validated again
            return original(  # type: ignore[no-any-return]
                self,
                executor,
                prop_shape,
                target_graph,
                focus_value_nodes,
                potentially_recursive,
                _evaluation_path,
            )
        conforms, reports = found.validate(
            executor, target_graph, focus=value_nodes, _evaluation_path=_evaluation_path[:]
        )
        return not conforms, reports

    evaluate_property_shape.coopgraph_once = True  # type: ignore[attr-defined]
    PropertyConstraintComponent._evaluate_property_shape = evaluate_property_shape  # type: ignore[method-assign]


def targeted_shapes(validator: Any) -> list[str] | None:
    """The IRIs of the shapes that have targets, to give pyshacl as `use_shapes`, or None.

    pyshacl tries every shape, property shapes included, as a starting point on every record:
    64 of our 79 shapes have no target, and only cost logging and empty target searches there.
    Listing the others gives the same results (they reach the rest through `sh:property`).
    None when a targeted shape has no IRI to name it by.
    """
    shapes = validator.shacl_graph.shapes  # harvests every shape, so nested ones resolve
    targeted = [shape for shape in shapes if any(set(part) for part in shape.target())]
    if not all(isinstance(shape.node, URIRef) for shape in targeted):
        return None
    return [str(shape.node) for shape in targeted]


def speed_up_pyshacl() -> None:
    """Apply the process-wide changes (idempotent)."""
    _constraint_components_once()
    _pre_bind_once()
    _no_result_texts_for_our_shapes()
    _shape_names_once()
    _property_shapes_once_per_evaluation()


class ShapesGraphMemo(Graph):
    """The shapes graph, answering each triple pattern from a memo after the first time.

    pyshacl reads a shape's parameters, messages and targets from the shapes graph again on
    every evaluation, for every record; the shapes never change between records. Adding or
    removing a triple (pyshacl adds a few of its own at start) clears the memo; the memo is
    bounded in case a lookup pattern ever depends on the data.
    """

    MAX_PATTERNS = 100_000

    def __init__(self, source: Graph) -> None:
        # only the source's prefixes: pyshacl binds each of them again in every report graph
        super().__init__(bind_namespaces="none")
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
