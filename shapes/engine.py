"""pyshacl, made fast for many small graphs: what `RecordValidator` changes in how it runs.

pyshacl is written for one large graph per call; a record is ~110 triples validated against the
same shapes thousands of times, so costs pyshacl pays per call or per focus node dominate. Each
change below keeps pyshacl's results (the shape-case tests run through it) and is pinned to the
pyshacl minor version in pyproject.toml, since some reach into its internals:

- SPARQL constraints run on pyoxigraph (a throw-away in-memory store of the record's triples
  with the predicates the constraints name, one for all of them), not on rdflib's evaluator:
  rdflib takes about a millisecond to evaluate one FILTER over one record, pyoxigraph tens of
  microseconds. Other query forms keep rdflib.
- The record's graph may be in rdflib's SimpleMemory, as converted: pyshacl's wrapper does not
  need a context-aware copy of it.
- A SPARQL constraint's query text is checked and pre-bound once, not once per focus node.
- The shapes graph answers each triple pattern from a memo: pyshacl re-reads every shape's
  parameters on every evaluation, and the shapes never change between records.
- The ~40 constraint parameters are looked up in a set, not a list, and each shape's constraint
  components are built once, not on every evaluation.
- No plain-text description is written for results we read from the report graph anyway, and
  each shape's name (formatted into debug messages even with logging off) is computed once.
- Only shapes with targets are tried as starting points (`targeted_shapes`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from itertools import chain
from typing import Any

import pyoxigraph as ox
from pyshacl.graph_abstraction import RdfLibDataGraph
from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.paths import AlternativePath, InvPath, MulPath, SequencePath
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.stores.memory import Memory
from rdflib.term import Node

#: The predicates read by the SPARQL constraints run so far: what a record's copy holds.
_PREDICATES_ASKED: set[URIRef] = set()
#: Emptied when it would hold more: only queries naming thousands of predicates get there.
PREDICATES_ASKED_KEPT = 1_000
_NAMED_NODES: dict[URIRef, ox.NamedNode] = {}  # predicates, classes, concepts: the same each record
#: Emptied when it holds this many: each record adds a dozen IRIs of its own, which are never
#: asked for again, so a long-lived worker filled it to the 100,000 it held before.
NAMED_NODES_KEPT = 5_000


def _to_oxigraph(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, URIRef):
        named = _NAMED_NODES.get(term)
        if named is None:
            if len(_NAMED_NODES) >= NAMED_NODES_KEPT:
                _NAMED_NODES.clear()
            named = _NAMED_NODES[term] = ox.NamedNode(term)
        return named
    if isinstance(term, BNode):
        return ox.BlankNode(term)
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(term.datatype))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def _to_rdflib(term: Any) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"not an RDF term: {term!r}")


class _Row:
    """One solution, as pyshacl reads it (`asdict()`)."""

    __slots__ = ("_bindings",)

    def __init__(self, bindings: dict[str, Node]) -> None:
        self._bindings = bindings

    def asdict(self) -> dict[str, Node]:
        return dict(self._bindings)


class _Solutions:
    """SELECT results with the part of rdflib's `Result` pyshacl uses: truth, `bindings`, rows."""

    def __init__(self, bindings: list[dict[str, Node]]) -> None:
        self.bindings = bindings

    def __len__(self) -> int:
        return len(self.bindings)

    def __iter__(self) -> Any:
        return (_Row(row) for row in self.bindings)


_PLACEHOLDER = Graph(store=Memory())


class OxigraphQueryGraph(RdfLibDataGraph):
    """pyshacl's view of one record's graph, answering SELECT queries with pyoxigraph.

    The record's graph can be in any rdflib store, SimpleMemory included: pyshacl's wrapper is
    built over an empty context-aware placeholder (rdflib's Dataset, which the wrapper is,
    requires one, and counts the graph it is given), then every method goes to the record.
    """

    def __init__(self, graph: Graph) -> None:
        super().__init__(store=_PLACEHOLDER.store, impl=_PLACEHOLDER)
        self.impl, self._store = graph, graph.store
        self._record = graph
        self._copy: ox.Store | None = None
        self._copied: frozenset[URIRef] | None = frozenset()  # its predicates; None: all
        self._terms: dict[Any, Node] = {}

    def __bool__(self) -> bool:
        """Whether the record has a triple; pyshacl asks for each result (`datagraph or sg`),
        and a SimpleMemory store counts its triples one by one to answer `len`."""
        return next(iter(self._record), None) is not None

    def _oxigraph_copy(self, predicates: frozenset[URIRef] | None) -> ox.Store:
        """The record's triples with these predicates (all when None) in a pyoxigraph store.

        One copy serves every query of the record: it holds the predicates of every query asked
        so far in this process (`_PREDICATES_ASKED`), so the first query of a record builds it
        for the others. A triple of another predicate matches none of a query's patterns.
        """
        copied = self._copied
        if self._copy is not None and (
            copied is None or (predicates is not None and predicates <= copied)
        ):
            return self._copy
        if predicates is None:
            wanted = None
        else:
            if len(_PREDICATES_ASKED) + len(predicates) > PREDICATES_ASKED_KEPT:
                _PREDICATES_ASKED.clear()
            _PREDICATES_ASKED.update(predicates)
            wanted = frozenset(_PREDICATES_ASKED) | (copied or frozenset())
        triples: Iterable[tuple[Node, Node, Node]] = (
            self._record
            if wanted is None
            else chain.from_iterable(
                self._record.triples((None, predicate, None)) for predicate in wanted
            )
        )
        copy = ox.Store()
        copy.extend(ox.Quad(self._term(s), self._term(p), self._term(o)) for s, p, o in triples)
        self._copy, self._copied = copy, wanted
        return copy

    def _term(self, node: Node) -> Any:
        converted = _to_oxigraph(node)
        self._terms.setdefault(converted, node)
        return converted

    def _back(self, term: Any) -> Node:
        """The record's own rdflib term for a result (same identity), else a new one."""
        found = self._terms.get(term)
        return found if found is not None else _to_rdflib(term)

    def query(self, query_object: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if not isinstance(query_object, str) or args or set(kwargs) - {"initBindings"}:
            return super().query(query_object, *args, **kwargs)
        substitutions: dict[ox.Variable, Any] = {
            ox.Variable(str(name)): _to_oxigraph(value)
            for name, value in (kwargs.get("initBindings") or {}).items()
        }
        copy = self._oxigraph_copy(predicates_read(query_object))
        solutions = copy.query(query_object, substitutions=substitutions)
        if not isinstance(solutions, ox.QuerySolutions):  # ASK, CONSTRUCT: rdflib's own way
            return super().query(query_object, **kwargs)
        names = [variable.value for variable in solutions.variables]
        rows = [
            {
                name: self._back(term)
                for name, term in zip(names, solution, strict=True)
                if term is not None
            }
            for solution in solutions
        ]
        return _Solutions(rows)


@lru_cache(maxsize=1024)
def predicates_read(query: str) -> frozenset[URIRef] | None:
    """The predicates of the triples a query can match, or None when it may match any triple.

    A record's SPARQL constraints read a handful of its ~110 triples (a start year, an end
    date, the fundings' years); copying only those into pyoxigraph gives the same answers.
    Any triple pattern with a variable or a negated property set as predicate, or a query
    rdflib cannot read, means every triple.
    """
    try:
        algebra = prepareQuery(query).algebra
    except Exception:  # pyoxigraph will say what is wrong with it, if anything
        return None
    found: set[URIRef] = set()
    return frozenset(found) if _collect_predicates(algebra, found) else None


def _collect_predicates(node: Any, found: set[URIRef]) -> bool:
    """Add the predicates of the triple patterns under `node`; False when one is not an IRI."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == "triples":
                if not all(len(t) == 3 and _path_iris(t[1], found) for t in value):
                    return False
            elif not _collect_predicates(value, found):
                return False
    elif isinstance(node, (list, tuple)):
        return all(_collect_predicates(item, found) for item in node)
    return True


def _path_iris(predicate: Any, found: set[URIRef]) -> bool:
    """Add the IRIs a predicate (an IRI or a property path of IRIs) can match."""
    if isinstance(predicate, URIRef):
        found.add(predicate)
        return True
    if isinstance(predicate, (SequencePath, AlternativePath)):
        return all(_path_iris(step, found) for step in predicate.args)
    if isinstance(predicate, InvPath):
        return _path_iris(predicate.arg, found)
    if isinstance(predicate, MulPath) and not predicate.zero:
        return _path_iris(predicate.path, found)
    # a variable, a negated property set, a path that may be of length zero (`p*`, `p?`: it
    # matches every node of the graph), or a form not known here
    return False


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
