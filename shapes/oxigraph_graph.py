"""A record's graph as pyshacl's data graph, its SPARQL constraints answered by pyoxigraph.

rdflib takes about a millisecond to evaluate one FILTER over one record, pyoxigraph tens of
microseconds. Each record's triples with the predicates the constraints name are copied once
into a throw-away in-memory pyoxigraph store, which answers every SELECT constraint of the
record; other query forms keep rdflib. The record's graph may be in rdflib's SimpleMemory, as
converted: pyshacl's wrapper does not need a context-aware copy of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from itertools import chain
from typing import Any

import pyoxigraph as ox
from pyshacl.graph_abstraction import RdfLibDataGraph
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
