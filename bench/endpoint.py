"""Endpoint benchmark: our SPARQL endpoint beside oxigraph, rdflib-endpoint and Virtuoso, same data.

    python -m bench.endpoint [--store DIR | --count 13600 --keep DIR] [--peers ours,oxigraph,...]
                             [--connections 4,16] [--seconds 10] [--timeout 30] [--json FILE]
                             [--work DIR]

One peer runs at a time (bench/peers.py starts and stops them), over the same records: ours
over the store, oxigraph over a copy of it, rdflib-endpoint and Virtuoso over its N-Quads dump;
each with the union of the graphs as its default graph. The queries are the editor's gallery and
four of ours (a lookup by IRI, an ASK, two aggregates), the same text to every peer. Each is
first asked once and its number of rows compared with ours (a peer that answers differently is
not comparable: marked ≠); then C keep-alive connections ask it again and again for --seconds
(GET, Accept: application/sparql-results+json): requests/s, p50 and p95 latency, errors (non-2xx
or no answer). Every request of a row differs by a trailing comment (the lookup also by IRI), so
a result cache keyed on the text misses; the "cached repeat" row sends the identical text each
time. A query whose single answer takes longer than a cell, or fails, is not loaded.

The load generator is Python threads with http.client in this process: it shares the machine's
cores with the server, so fast rows measure the client as much as the server. No target yet:
the table says where ours stands, row by row ("×best": how many times the best req/s).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import itertools
import json
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.client import first_answer, load_cell
from bench.convert import default_coopgraph, parse_counts, prepare_pages
from bench.load import timed
from bench.peers import PEERS, PeerFailed, Served, prepare, serving, too_big, unavailable
from bench.validate import tree_rss_kib

#: Numbers the requests of a whole run, so no two unique requests share a text, even across cells.
_REQUESTS = itertools.count()
PREFIXES = """PREFIX coop: <https://w3id.org/coopgraph/ontology#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX schema: <http://schema.org/>
"""


@dataclass(frozen=True)
class Query:
    """A benchmark query: its variants (asked in turn) and whether each request is made unique."""

    label: str
    texts: tuple[str, ...]
    unique: bool = True

    def text(self, n: int) -> str:
        """The text of the n-th request."""
        text = self.texts[n % len(self.texts)]
        return f"{text}\n# request {n}\n" if self.unique else text


@dataclass
class Measurement:
    """One peer × query × connection count (JSON-ready: `python -m bench` reads a list of them)."""

    peer: str
    query: str
    connections: int
    p50_ms: float | None = None
    p95_ms: float | None = None
    rps: float | None = None
    errors: int = 0
    rows: int | None = None  # of the single first answer (ASK: 1 true, 0 false)
    requests: int = 0
    first_ms: float | None = None
    first_error: str = ""  # why the first answer failed
    matches: bool | None = None  # same number of rows as the reference peer (ours)
    note: str = ""
    version: str = ""
    startup_s: float | None = None  # from start until answering, loading included
    load_s: float | None = None  # the bulk load alone (Virtuoso)
    rss_mib: float | None = None  # the peer's process tree, after the first answers


def _next_text(query: Query) -> str:
    return query.text(next(_REQUESTS))  # next() on a count is atomic under the GIL


def benchmark_queries(store: Path, lookups: int = 64) -> list[Query]:
    """The gallery's queries and ours; the lookup's IRIs are the store's first partnerships."""
    from coopgraph.server.examples import EXAMPLES
    from coopgraph.server.store import open_store

    with open_store(store, read_only=True) as opened:
        pick = f"{PREFIXES}SELECT ?p WHERE {{ ?p a coop:Partnership }} ORDER BY ?p LIMIT {lookups}"
        iris = [row["p"] for row in opened.select(pick)]
    if not iris:
        raise SystemExit(f"no coop:Partnership in {store}: load records first (coopgraph load)")
    funding = f"""{PREFIXES}SELECT ?funder ?year (SUM(?amount) AS ?euros)
WHERE {{
  ?funding a coop:Funding ; schema:funder ?funder ; coop:year ?year ; coop:amountEUR ?amount .
}}
GROUP BY ?funder ?year
ORDER BY ?year DESC(?euros)
"""
    # Grouped by IRI, not by label: each record graph repeats its themes' and organisations'
    # labels, and the default graph is their union as a bag, so a label join multiplies rows.
    per_theme = f"""{PREFIXES}SELECT ?theme (COUNT(DISTINCT ?partnership) AS ?partnerships)
WHERE {{ ?partnership a coop:Partnership ; dct:subject ?theme . }}
GROUP BY ?theme
ORDER BY DESC(?partnerships)
"""
    ask = f"""{PREFIXES}ASK {{
  ?funding a coop:Funding ; schema:fundedItem ?partnership ; coop:amountEUR ?amount .
  ?partnership coop:foreignPartner ?partner .
  FILTER (?amount > 20000)
}}
"""
    lookup = "SELECT ?property ?value WHERE {{ <{}> ?property ?value }}\n"
    return [
        *(Query(f"gallery: {title}", (text,)) for title, text in EXAMPLES),
        Query("lookup: one partnership", tuple(lookup.format(iri) for iri in iris)),
        Query("ask: a funding over 20,000 €", (ask,)),
        Query("partnerships per theme", (per_theme,)),
        Query("funding per funder and year", (funding,)),
        Query("  the same, cached repeat", (funding,), unique=False),
    ]


def times_best(rps: dict[str, float | None]) -> dict[str, float | None]:
    """For each peer, the best req/s divided by its own (1.0 for the best; None if not measured)."""
    best = max((value for value in rps.values() if value), default=None)
    return {peer: best / value if best and value else None for peer, value in rps.items()}


def measure_peer(
    served: Served,
    queries: list[Query],
    connections: list[int],
    seconds: float,
    timeout: float,
    reference: dict[str, tuple[str, int]],
    log: Callable[[str], None],
) -> list[Measurement]:
    """First answers (rows compared with the reference's, which they set if unset), then cells."""
    peer, results = served.peer, []
    firsts = {}
    for query in queries:
        # A generous wait: rdflib-endpoint has no time limit and answers the gallery in about 1 min.
        rows, milliseconds, error = first_answer(served.url, query.texts[0], max(4 * timeout, 120))
        matches = None
        if rows is not None:
            known = reference.setdefault(query.label, (peer, rows))
            matches = rows == known[1]
            if not matches:
                log(
                    f"!! MISMATCH: {peer} answers {rows} rows to {query.label.strip()!r}, "
                    f"{known[0]} {known[1]}: not comparable"
                )
        log(
            f"  {peer:<9} {query.label:<38} first answer {milliseconds:>9.1f} ms, "
            f"{'rows ' + str(rows) if rows is not None else error}"
        )
        firsts[query.label] = (rows, milliseconds, error, matches)
    rss_mib = tree_rss_kib(served.pid) / 1024
    for count in connections:
        for query in queries:
            rows, milliseconds, error, matches = firsts[query.label]
            measurement = Measurement(
                peer, query.label, count, rows=rows, first_ms=milliseconds, matches=matches,
                version=served.version, startup_s=served.startup_s, load_s=served.load_s,
                rss_mib=rss_mib,
            )  # fmt: skip
            measurement.first_error = error
            if served.exited():
                measurement.note = f"server {served.exited()}"
            elif error:
                measurement.note = "not loaded: the first answer failed"
            elif milliseconds / 1000 > seconds:
                measurement.note = f"not loaded: one answer takes {milliseconds / 1000:.0f} s"
            else:
                texts = functools.partial(_next_text, query)
                cell = load_cell(served.url, texts, count, seconds, timeout + 10)
                for key, value in cell.items():
                    setattr(measurement, key, value)
            results.append(measurement)
    return results


def measure(
    store: Path,
    peers: Sequence[str],
    connections: Sequence[int],
    seconds: float,
    timeout: int = 30,
    log: Callable[[str], None] = lambda line: print(line, flush=True),
    keep: Path | None = None,
) -> list[Measurement]:
    """Run every available peer in turn over the store's records; all measurements.

    Ours runs first when chosen: its row counts are the reference the others are compared with.
    The copy, dump, databases and servers' logs go to a temporary folder, or stay in
    `keep`/endpoint-work.
    """
    peers = sorted(peers, key=lambda peer: peer != "ours")
    queries = benchmark_queries(store)
    results: list[Measurement] = []
    reference: dict[str, tuple[str, int]] = {}
    if keep is not None:
        shutil.rmtree(keep / "endpoint-work", ignore_errors=True)  # ours: a previous run's
        (keep / "endpoint-work").mkdir(parents=True)
    with (
        contextlib.nullcontext(str(keep / "endpoint-work"))
        if keep
        else tempfile.TemporaryDirectory(prefix="coopgraph-endpoint-")
    ) as temporary:
        work = Path(temporary)
        runnable = [peer for peer in peers if not unavailable(peer)]
        data, prepared = prepare(store, work, runnable)
        for step, step_seconds in prepared.items():
            log(f"data: {step} {step_seconds:.1f} s")
        for peer in peers:
            why = unavailable(peer) or too_big(peer, data)
            if not why:
                log(f"{peer}: starting")
                try:
                    with serving(peer, data, work, timeout) as served:
                        log(f"{peer}: {served.version}, answering after {served.startup_s:.1f} s")
                        results += measure_peer(
                            served, queries, list(connections), seconds, timeout, reference, log
                        )
                    continue
                except PeerFailed as error:
                    why = f"failed: {error}"
            log(f"{peer}: not available ({why})")
            results += [
                Measurement(peer, query.label, count, note=f"not available ({why})")
                for count in connections
                for query in queries
            ]
    return results


def _number(value: float | None, width: int) -> str:
    if value is None:
        return f"{'-':>{width}}"
    return f"{value:>{width}.{1 if value < 100 else 0}f}"


def _cell(m: Measurement, width: int) -> str:
    """What stands in a cell that has no numbers: why, shortly."""
    reason = m.note if m.note.startswith("server") else (m.first_error or m.note)
    reason = "n/a" if m.note.startswith("not available") else reason
    return f"{reason.split(':')[0][:width]:<{width}}"


def render_first(measurements: list[Measurement]) -> str:
    """Rows and time of each peer's single first answer; ≠ where the rows differ from ours."""
    firsts = {(m.peer, m.query): m for m in measurements}  # the same in every connection count
    peers = list(dict.fromkeys(m.peer for m in measurements))
    queries = list(dict.fromkeys(m.query for m in measurements))
    lines = [
        "first answers, one request alone (rows, ms); ≠: not the rows of the first peer",
        f"{'query':<38}" + "".join(f" | {peer:<18}" for peer in peers),
    ]
    notes = []
    for query in queries:
        line = f"{query:<38}"
        for peer in peers:
            m = firsts[peer, query]
            if m.rows is None:
                line += f" | {_cell(m, 18)}"
                if m.first_error:
                    notes.append(f"  {peer}, {query.strip()}: {m.first_error[:150]}")
            else:
                mark = "≠" if m.matches is False else " "
                line += f" | {m.rows:>7}{mark}{_number(m.first_ms, 10)}"
        lines.append(line)
    return "\n".join(lines + notes)


def render(measurements: list[Measurement], count: int, seconds: float) -> str:
    """The table for one connection count: rows the queries, columns the peers."""
    cells = [m for m in measurements if m.connections == count]
    peers = list(dict.fromkeys(m.peer for m in cells))
    queries = list(dict.fromkeys(m.query for m in cells))
    lookup = {(m.peer, m.query): m for m in cells}
    lines = [
        f"{count} connections, {seconds:g} s a cell; ms: p50 p95; ×best: best req/s ÷ this one",
        f"{'':<38}" + "".join(f" | {peer:<29}" for peer in peers),
        f"{'query':<38}" + " | p50 ms  p95 ms   req/s  ×best" * len(peers),
    ]
    notes = []
    for query in queries:
        row = {peer: lookup[peer, query] for peer in peers}
        comparable = {p: m.rps if m.matches is not False else None for p, m in row.items()}
        ratios = times_best(comparable)
        line = f"{query:<38}"
        for peer, m in row.items():
            if m.note.startswith("server"):
                notes.append(f"  {peer}, {query.strip()}: {m.note[:300]}")
            if m.rps is None:
                line += f" | {'not loaded' if m.rows is not None else _cell(m, 29):<29}"
                continue
            mark = "≠" if m.matches is False else _number(ratios[peer], 6)
            line += f" | {_number(m.p50_ms, 6)}  {_number(m.p95_ms, 6)} {_number(m.rps, 7)}"
            line += f" {mark:>6}"
            if m.errors:
                notes.append(
                    f"  {peer}, {query.strip()}: {m.errors} errors of {m.requests}: {m.note}"
                )
        lines.append(line)
    return "\n".join(lines + notes)


def render_peers(measurements: list[Measurement]) -> str:
    """One line a peer: version, time until it answered, bulk load, memory."""
    lines = [f"{'peer':<9} {'startup s':>9} {'load s':>7} {'RSS MiB':>8}  version"]
    for peer in dict.fromkeys(m.peer for m in measurements):
        m = next(m for m in measurements if m.peer == peer)
        if m.startup_s is None:
            lines.append(f"{peer:<9} {m.note}")
            continue
        lines.append(
            f"{peer:<9} {m.startup_s:>9.1f} {_number(m.load_s, 7)} {_number(m.rss_mib, 8)}  "
            f"{m.version}"
        )
    return "\n".join(lines)


def loaded_store(count: int, keep: Path, seed: int) -> Path:
    """A store of `count` synthetic records in `keep` (pages generated and loaded as needed)."""
    pages, store = keep / f"pages-{count}", keep / f"store-{count}"
    prepare_pages(pages, count, seed)
    command = [str(default_coopgraph()), "load", str(pages), "--store", str(store), "--jobs", "2"]
    seconds, _, _ = timed(command)  # unchanged pages are skipped: a kept store reloads fast
    print(f"data: {count} records loaded into {store} in {seconds:.0f} s", flush=True)
    return store


def main(argv: Sequence[str] | None = None) -> int:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="a loaded coopgraph store (read, never written)")
    parser.add_argument("--count", type=int, default=13_600, help="records, without --store")
    parser.add_argument("--keep", type=Path, help="pages and store here, without --store")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--peers", type=lambda text: text.split(","), default=list(PEERS))
    parser.add_argument("--connections", type=parse_counts, default=[4, 16])
    parser.add_argument("--seconds", type=float, default=10.0, help="of load, per cell")
    parser.add_argument("--timeout", type=int, default=30, help="query time limit of the peers")
    parser.add_argument("--json", type=Path, help="write every measurement here")
    parser.add_argument("--work", type=Path, help="keep copy, dump, logs in DIR/endpoint-work")
    args = parser.parse_args(argv)
    # A SIGTERM unwinds like an exception, so that every server started is stopped on the way.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("bench.endpoint: stopped by SIGTERM"))
    unknown = [peer for peer in args.peers if peer not in PEERS]
    if unknown:
        parser.error(f"unknown peer(s) {', '.join(unknown)}; choose among {', '.join(PEERS)}")
    with tempfile.TemporaryDirectory(prefix="coopgraph-bench-") as temporary:
        store = args.store or loaded_store(args.count, args.keep or Path(temporary), args.seed)
        measurements = measure(
            store, args.peers, args.connections, args.seconds, args.timeout, keep=args.work
        )
    print()
    print(render_peers(measurements))
    print()
    print(render_first(measurements))
    for count in args.connections:
        print()
        print(render(measurements, count, args.seconds))
    if args.json:
        args.json.write_text(json.dumps([asdict(m) for m in measurements], indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
