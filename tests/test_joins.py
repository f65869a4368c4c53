"""Star joins written as hashed sub-selects: only where exact and worth it, never another answer."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import samples_store

from coopgraph.server.store import open_store
from coopgraph.server.store.joins import PatternSizes, hash_star_joins, star_groups

PREFIXES = """PREFIX coop: <https://w3id.org/coopgraph/ontology#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX schema: <http://schema.org/>
"""
PER_THEME = (
    PREFIXES + "SELECT ?theme (COUNT(DISTINCT ?p) AS ?n) # WHERE { ?a ?b ?c }\n"
    "WHERE { ?p a coop:Partnership ; dct:subject ?theme. } GROUP BY ?theme ORDER BY DESC(?n)"
)


def sized(*sizes: int | None) -> Callable[[str, str], int | None]:
    """Sizes handed out in turn, whatever the pattern (a store that counts)."""
    answers = iter(sizes)
    return lambda prologue, pattern: next(answers)


def test_a_star_of_large_patterns_becomes_one_sub_select_a_pattern() -> None:
    rewritten = hash_star_joins(PER_THEME, sized(13_600, 13_600))
    assert rewritten == (
        PREFIXES + "SELECT ?theme (COUNT(DISTINCT ?p) AS ?n) # WHERE { ?a ?b ?c }\n"
        "WHERE { { SELECT ?p WHERE { ?p a coop:Partnership } } "
        "{ SELECT ?p ?theme WHERE { ?p dct:subject ?theme } } } GROUP BY ?theme ORDER BY DESC(?n)"
    )


def test_the_prologue_and_the_patterns_to_count_are_read_from_the_query() -> None:
    counted: list[tuple[str, str]] = []

    def size(prologue: str, pattern: str) -> int:
        counted.append((prologue, pattern))
        return 10

    hash_star_joins(PER_THEME, size)
    assert counted == [
        (PREFIXES, "?subject a coop:Partnership"),
        (PREFIXES, "?subject dct:subject ?object"),
    ]


@pytest.mark.parametrize(
    "sizes",
    [
        (10, 1_000_000),  # a rare class joined to a common property: the lookups win
        (0, 13_600),  # nothing to look up
        (None, 13_600),  # a size the store could not count
    ],
)
def test_a_star_the_lookups_do_better_is_left_as_written(sizes: tuple[int | None, ...]) -> None:
    assert hash_star_joins(PER_THEME, sized(*sizes)) == PER_THEME


@pytest.mark.parametrize(
    "where",
    [
        '?p a coop:Partnership ; dct:title "Eau" .',  # a literal
        "?p a coop:Partnership ; dct:subject _:theme .",  # a blank node
        "?p a coop:Partnership ; dct:subject [ a coop:Theme ] .",
        "?p a coop:Partnership ; dct:subject/dct:isPartOf ?theme .",  # a path
        "?p a coop:Partnership ; dct:subject ?theme , ?other .",  # an object list
        "?p a coop:Partnership ; ?property ?theme .",  # a variable predicate
        "?p a coop:Partnership . ?theme dct:isPartOf ?p .",  # two subjects
        "?p a coop:Partnership ; dct:subject ?theme FILTER (?theme != coop:x)",
        "?p a coop:Partnership OPTIONAL { ?p dct:subject ?theme }",
        "?p a coop:Partnership ; dct:subject ?theme . BIND (1 AS ?one)",
        "?p dct:subject ?theme .",  # one pattern: no join
        "<https://w3id.org/coopgraph/id/partnership/1> dct:subject ?theme ; a ?class .",
        "?p a coop:Partnership ; dct:subject ?theme ; .",  # trailing `;`: still two patterns
    ],
)
def test_only_flat_star_groups_are_taken(where: str) -> None:
    query = f"{PREFIXES}SELECT * WHERE {{ {where} }}"
    taken = bool(star_groups(query)[1])
    assert taken == where.endswith("; ."), where
    assert hash_star_joins(query, sized(100, 100)) != query if taken else True


def test_construct_where_keeps_its_group_which_is_also_its_template() -> None:
    for dataset in ("", "FROM <https://w3id.org/coopgraph/id/graph/1> "):
        short = f"CONSTRUCT {dataset}WHERE {{ ?p a coop:Partnership ; dct:subject ?theme }}"
        assert star_groups(PREFIXES + short) == (PREFIXES, [])
    template = "{ ?p dct:subject ?t }"
    query = f"{PREFIXES}CONSTRUCT {template} WHERE {{ ?p a coop:Partnership ; dct:subject ?t }}"
    assert len(star_groups(query)[1]) == 1


def test_pattern_sizes_are_counted_once_then_again_when_old() -> None:
    queries: list[str] = []

    def count(query: str) -> int:
        queries.append(query)
        return 42

    sizes = PatternSizes(count)
    assert sizes("PREFIX a: <x:>\n", "?subject a:p ?object") == 42
    assert sizes("PREFIX a: <x:>\n", "?subject a:p ?object") == 42
    assert queries == ["PREFIX a: <x:>\nSELECT (COUNT(*) AS ?n) WHERE { ?subject a:p ?object }"]
    stale = PatternSizes(count, keep_seconds=0.0)
    stale("", "?subject <x:p> ?object")
    stale("", "?subject <x:p> ?object")
    assert len(queries) == 3


def test_a_pattern_the_store_cannot_count_has_no_size() -> None:
    def count(query: str) -> int:
        raise SyntaxError("unknown prefix")

    assert PatternSizes(count)("", "?subject nope:p ?object") is None


def _rows(solutions: object) -> Counter[tuple[tuple[str, str], ...]]:
    names = [variable.value for variable in solutions.variables]  # type: ignore[attr-defined]
    return Counter(
        tuple(sorted((name, row[name].value) for name in names if row[name] is not None))
        for row in solutions  # type: ignore[attr-defined]
    )


ASKED = [
    PER_THEME,
    PREFIXES + "SELECT ?funder ?year (SUM(?amount) AS ?euros) WHERE { ?f a coop:Funding ; "
    "schema:funder ?funder ; coop:year ?year ; coop:amountEUR ?amount . } GROUP BY ?funder ?year",
    PREFIXES + "SELECT * WHERE { $p a coop:Partnership ; dct:subject ?s ; dct:title ?title }",
    PREFIXES + "SELECT ?p (COUNT(*) AS ?n) WHERE { ?p a coop:Partnership ; ?prop ?o } GROUP BY ?p",
    PREFIXES + "SELECT ?t WHERE { { SELECT ?p WHERE { ?p a coop:Partnership ; dct:subject ?t0 } }"
    " ?p dct:title ?t }",
]


def test_rewritten_queries_answer_what_pyoxigraph_answers_as_written(tmp_path: Path) -> None:
    store = samples_store(tmp_path)
    plain = ox.Store.read_only(str(store))
    sizes = PatternSizes(lambda query: int(next(plain.query(query))[0].value))  # type: ignore
    with open_store(store, read_only=True) as ours:
        rewritten = 0
        for query in ASKED:
            rewritten += hash_star_joins(query, sizes) != query
            expected = _rows(plain.query(query))
            assert expected, query
            answered = Counter(tuple(sorted(row.items())) for row in ours.select(query))
            assert answered == expected, query
        assert rewritten >= 3  # the star groups of the first three and the last
        star = "WHERE { ?p a coop:Partnership ; dct:subject ?s ; dct:title ?title }"
        assert ours.ask(f"{PREFIXES}ASK {star}") is bool(plain.query(f"{PREFIXES}ASK {star}"))
        graph = ours.construct(f"{PREFIXES}CONSTRUCT {{ ?p dct:subject ?s }} {star}")
        expected = list(plain.query(f"{PREFIXES}CONSTRUCT {{ ?p dct:subject ?s }} {star}"))
        assert len(graph) == len(set(expected)) > 0
