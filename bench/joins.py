"""Why the two aggregates are slow: the join oxigraph plans for them, against a hash join.

    python -m bench.joins --store DIR [--rounds 5]

Runs the report's two aggregates on a loaded store (the text `bench.endpoint` sends every peer),
then the same queries with each triple pattern in a sub-select of its own, which makes
oxigraph's planner join them by hashing instead of looking up the second pattern once per
solution of the first (a `Lateral` join in `oxigraph query --explain`). Both forms give the same
rows, which are compared; prints the best of --rounds for each and the ratio.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from bench.endpoint import PREFIXES, benchmark_queries

HASH_JOINED = {
    "partnerships per theme": PREFIXES
    + """SELECT ?theme (COUNT(DISTINCT ?partnership) AS ?partnerships)
WHERE {
  { SELECT ?partnership WHERE { ?partnership a coop:Partnership } }
  { SELECT ?partnership ?theme WHERE { ?partnership dct:subject ?theme } }
}
GROUP BY ?theme
ORDER BY DESC(?partnerships)
""",
    "funding per funder and year": PREFIXES
    + """SELECT ?funder ?year (SUM(?amount) AS ?euros)
WHERE {
  { SELECT ?funding WHERE { ?funding a coop:Funding } }
  { SELECT ?funding ?funder WHERE { ?funding schema:funder ?funder } }
  { SELECT ?funding ?year WHERE { ?funding coop:year ?year } }
  { SELECT ?funding ?amount WHERE { ?funding coop:amountEUR ?amount } }
}
GROUP BY ?funder ?year
ORDER BY ?year DESC(?euros)
""",
}


Rows = Counter[tuple[tuple[str, str], ...]]


def answer(select: Callable[[str], Iterable[dict[str, str]]], text: str) -> Rows:
    """The rows of `text` as a multiset: the order of rows with equal sort keys may differ."""
    return Counter(tuple(sorted(row.items())) for row in select(text))


def best_seconds(
    select: Callable[[str], Iterable[dict[str, str]]], text: str, rounds: int
) -> tuple[float, Rows]:
    """The best time of `rounds` runs of `text`, and its rows."""
    best, rows = float("inf"), Rows()
    for _ in range(rounds):
        started = time.perf_counter()
        rows = answer(select, text)
        best = min(best, time.perf_counter() - started)
    return best, rows


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, required=True, help="a store `coopgraph load` made")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    from coopgraph.server.store import open_store

    as_sent = {query.label: query.texts[0] for query in benchmark_queries(args.store)}
    with open_store(args.store, read_only=True) as store:
        for name, hashed in HASH_JOINED.items():
            planned, rows = best_seconds(store.select, as_sent[name], args.rounds)
            joined, hashed_rows = best_seconds(store.select, hashed, args.rounds)
            if rows != hashed_rows:
                raise SystemExit(f"{name}: the hash-joined form answers differently")
            print(
                f"{name:28s} as planned {planned * 1000:8.1f} ms   hash-joined "
                f"{joined * 1000:8.1f} ms   {planned / joined:4.1f}×   "
                f"({sum(rows.values())} rows, the same)"
            )


if __name__ == "__main__":
    main()
