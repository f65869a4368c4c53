"""The report's two aggregates as oxigraph plans them, and as our store runs them.

    python -m bench.joins --store DIR [--rounds 5]

Runs each aggregate (the text `bench.endpoint` sends every peer) on a loaded store twice: with
pyoxigraph as it is, which joins the triple patterns by looking each up once per solution (a
`Lateral` join in `oxigraph query --explain`), and through our embedded store, which first
writes star joins worth hashing as one sub-select a pattern (server/store/joins.py). The rows
must be the same; prints the best of --rounds for each and the ratio. No HTTP: the engine alone.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from bench.endpoint import benchmark_queries

AGGREGATES = ("partnerships per theme", "funding per funder and year")
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
    import pyoxigraph as ox

    from coopgraph.server.store import open_store

    as_sent = {query.label: query.texts[0] for query in benchmark_queries(args.store)}
    oxigraph = ox.Store.read_only(str(args.store))

    def plain(text: str) -> Iterable[dict[str, str]]:
        solutions = oxigraph.query(text)
        names = [variable.value for variable in solutions.variables]  # type: ignore[union-attr]
        for row in solutions:  # type: ignore[union-attr]
            yield {name: row[name].value for name in names if row[name] is not None}

    with open_store(args.store, read_only=True) as store:
        for name in AGGREGATES:
            planned, rows = best_seconds(plain, as_sent[name], args.rounds)
            ours, our_rows = best_seconds(store.select, as_sent[name], args.rounds)
            if rows != our_rows:
                raise SystemExit(f"{name}: our store answers differently from pyoxigraph")
            print(
                f"{name:28s} pyoxigraph {planned * 1000:8.1f} ms   ours "
                f"{ours * 1000:8.1f} ms   {planned / ours:4.1f}×   "
                f"({sum(rows.values())} rows, the same)"
            )


if __name__ == "__main__":
    main()
