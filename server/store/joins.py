"""Star joins hashed: a rewrite that spares oxigraph its lookup join where the lookups cost most.

oxigraph joins the triple patterns of a group one solution at a time: for `?p a coop:Partnership ;
dct:subject ?theme` it looks `?p dct:subject ?theme` up once per partnership (a `Lateral` join in
`oxigraph query --explain`). When every pattern matches many triples, hashing them is several
times faster (`python -m bench.joins`: 5.9× and 2.3× on the report's two aggregates at 13,600
records), and oxigraph hashes patterns that stand in sub-selects of their own. So a flat WHERE
group of triple patterns about one subject variable (a star) is written as one sub-select a
pattern when the patterns' sizes say the lookups would cost more than the hashing: the smallest
pattern's size times the lookups each of its solutions needs, against the sum of the sizes.

The rewrite is exact: a basic graph pattern without blank nodes is the join of its triple
patterns, and a sub-select that projects a pattern's variables is that pattern. Any group with
something else (blank nodes, literals, paths, FILTER, OPTIONAL, BIND, VALUES, nested groups), and
CONSTRUCT WHERE, whose group is also its template, is left as written.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import pyoxigraph as ox

from coopgraph.server.guard import lexemes

#: What a lookup costs in rows scanned and hashed: about 12 measured (4 µs against 0.3 µs on the
#: 13,600-record store, bench/joins.py); rounded down so that a close call keeps oxigraph's plan.
LOOKUP_IN_SCANNED_ROWS = 8
_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


@dataclass(frozen=True)
class _Token:
    kind: str  # iri, variable, name, string, other
    value: str
    start: int
    end: int


@dataclass(frozen=True)
class TriplePattern:
    """`subject predicate object`, as written: a variable, then an IRI or `a`, then a term."""

    subject: str
    predicate: str
    object: str

    def variables(self) -> list[str]:
        """Its variables, each once, as `?name`."""
        names = [_variable(self.subject)]
        if self.object[0] in "?$":
            names.append(_variable(self.object))
        return list(dict.fromkeys(names))

    def counted(self) -> str:
        """A pattern with the same predicate and object, whose matches are this one's at most."""
        obj = "?object" if self.object[0] in "?$" else self.object
        return f"?subject {self.predicate} {obj}"


@dataclass(frozen=True)
class StarGroup:
    """A WHERE group of two or more triple patterns about the same subject variable."""

    start: int  # offset of its `{`
    end: int  # offset just after its `}`
    patterns: tuple[TriplePattern, ...]

    def hashed(self) -> str:
        """The group with each pattern in a sub-select of its own."""
        selects = (
            f"{{ SELECT {' '.join(pattern.variables())} WHERE "
            f"{{ {pattern.subject} {pattern.predicate} {pattern.object} }} }}"
            for pattern in self.patterns
        )
        return "{ " + " ".join(selects) + " }"


def _variable(term: str) -> str:
    return "?" + term[1:]


def _tokens(text: str) -> list[_Token]:
    """The query's tokens without comments; a prefixed name's trailing `.` is a token of its own."""
    tokens = []
    for match in lexemes(text):
        kind, value, start = match.lastgroup or "other", match.group(), match.start()
        if kind == "comment":
            continue
        if kind == "name" and value.endswith("."):
            stripped = value.rstrip(".")
            if stripped:
                tokens.append(_Token(kind, stripped, start, start + len(stripped)))
            for offset in range(start + len(stripped), match.end()):
                tokens.append(_Token("other", ".", offset, offset + 1))
            continue
        tokens.append(_Token(kind, value, start, match.end()))
    return tokens


def _is_iri(token: _Token) -> bool:
    """An IRI or a prefixed name (never a blank node label, a keyword or a number)."""
    if token.kind == "iri":
        return True
    return token.kind == "name" and ":" in token.value and not token.value.startswith("_:")


def _patterns(tokens: list[_Token]) -> list[TriplePattern] | None:
    """The triple patterns of a group's tokens, or None if it holds anything else."""
    patterns: list[TriplePattern] = []
    at, count = 0, len(tokens)
    while at < count:
        subject = tokens[at]
        if subject.kind != "variable":
            return None
        at += 1
        while True:
            if at + 1 >= count:
                return None
            predicate, obj = tokens[at], tokens[at + 1]
            if not (_is_iri(predicate) or (predicate.kind, predicate.value) == ("name", "a")):
                return None
            if not (obj.kind == "variable" or _is_iri(obj)):
                return None
            patterns.append(TriplePattern(subject.value, predicate.value, obj.value))
            at += 2
            while at < count and tokens[at].value == ";":
                at += 1
            if at < count and tokens[at - 1].value == ";" and tokens[at].value != ".":
                continue  # the next predicate and object of the same subject
            break
        if at < count:
            if tokens[at].value != ".":
                return None
            at += 1
    return patterns


def star_groups(text: str) -> tuple[str, list[StarGroup]]:
    """The query's prologue (its PREFIX and BASE declarations), and its flat star groups."""
    tokens = _tokens(text)
    form = next(
        (at for at, t in enumerate(tokens) if t.kind == "name" and t.value.upper() in _FORMS), None
    )
    if form is None:
        return "", []
    prologue = text[: tokens[form].start]
    following = [token.value for token in tokens[form + 1 : form + 2]]
    if tokens[form].value.upper() == "CONSTRUCT" and following != ["{"]:
        return prologue, []  # CONSTRUCT [FROM …] WHERE: the group is the template too
    groups = []
    for index, token in enumerate(tokens[:-1]):
        if token.kind != "name" or token.value.upper() != "WHERE":
            continue
        if tokens[index + 1].value != "{":
            continue
        close = next(
            (at for at in range(index + 2, len(tokens)) if tokens[at].value in ("{", "}")), None
        )
        if close is None or tokens[close].value != "}":
            continue  # a nested group: not flat
        patterns = _patterns(tokens[index + 2 : close])
        if patterns and len(patterns) > 1:
            subjects = {_variable(pattern.subject) for pattern in patterns}
            if len(subjects) == 1:
                start, end = tokens[index + 1].start, tokens[close].end
                groups.append(StarGroup(start, end, tuple(patterns)))
    return prologue, groups


def worth_hashing(sizes: list[int]) -> bool:
    """Whether the lookups from the smallest pattern cost more than hashing every pattern."""
    smallest = min(sizes)
    lookups = smallest * (len(sizes) - 1)
    return smallest > 0 and lookups * LOOKUP_IN_SCANNED_ROWS > sum(sizes)


def hash_star_joins(text: str, size: Callable[[str, str], int | None]) -> str:
    """`text` with each star group worth hashing written as one sub-select a pattern.

    `size(prologue, pattern)` is how many triples the pattern matches, or None if unknown.
    """
    prologue, groups = star_groups(text)
    for group in reversed(groups):
        sizes = [size(prologue, pattern.counted()) for pattern in group.patterns]
        known = [value for value in sizes if value is not None]
        if len(known) == len(sizes) and worth_hashing(known):
            text = text[: group.start] + group.hashed() + text[group.end :]
    return text


Answer = TypeVar("Answer")


def run_planned(
    query: Callable[[str], Answer], sparql: str, size: Callable[[str, str], int | None]
) -> Answer:
    """`query(sparql)` with its star joins hashed; a syntax error is reported as written."""
    planned = hash_star_joins(sparql, size)
    try:
        return query(planned)
    except SyntaxError:
        if planned == sparql:
            raise
        return query(sparql)  # raises the error at the line and column the user wrote


class PatternSizes:
    """How many triples a pattern matches: counted by the store, then kept a few minutes.

    The sizes only choose a plan, never an answer, so a size a write has since changed costs at
    most some speed until it is counted again.
    """

    def __init__(
        self, count: Callable[[str], int], keep_seconds: float = 300.0, most: int = 1024
    ) -> None:
        self._count = count
        self._keep_seconds = keep_seconds
        self._most = most
        self._kept: dict[tuple[str, str], tuple[float, int]] = {}

    def __call__(self, prologue: str, pattern: str) -> int | None:
        now = time.monotonic()
        kept = self._kept.get((prologue, pattern))
        if kept and now - kept[0] < self._keep_seconds:
            return kept[1]
        try:
            size = self._count(f"{prologue}SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")
        except (SyntaxError, ValueError, OSError):
            return None  # the query itself will say what is wrong with it
        if len(self._kept) >= self._most:
            self._kept.clear()
        self._kept[(prologue, pattern)] = (now, size)
        return size


def count_of(store: ox.Store, sparql: str, *, union: bool) -> int:
    """What a `SELECT (COUNT(*) AS ?n)` answers on `store`, its default graph as queries see it.

    A function of the store, not a closure over it: a kept closure would keep the store's files
    (and its lock) open after its owner let go of it.
    """
    solutions = store.query(sparql, use_default_graph_as_union=union)
    if not isinstance(solutions, ox.QuerySolutions):
        raise ValueError("not a SELECT query")
    number = next(solutions)[0]
    return int(number.value) if number is not None else 0
