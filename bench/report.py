"""Tables, targets and the scaling plot of `python -m bench`, from its results (results.json)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

BEGIN, END = "<!-- report: written by python -m bench -->", "<!-- end of report -->"
AGGREGATES = ("partnerships per theme", "funding per funder and year")
CACHED = "  the same, cached repeat"
LATENCY = ("p50_ms", "p95_ms")
STAGES = {"convert_s": "convert", "validate_s": "validate", "load_s": "load (all three)"}


def _rate(count: float, seconds: float | None) -> str:
    return f"{count / seconds:,.0f}" if seconds else "–"


def stage_table(stages: Sequence[dict[str, Any]], startup: dict[int, float]) -> str:
    """One row a N: throughput and peak memory of each stage, store size, serve start-up."""
    lines = [
        "| records | convert rec/s (MiB) | validate rec/s (MiB) | load rec/s (MiB) | load s "
        "| reload s | triples | store MiB | serve start-up s |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in stages:
        n = row["count"]
        up = startup.get(n)
        lines.append(
            f"| {n:,} | {_rate(n, row['convert_s'])} ({row['convert_mib']:.0f}) "
            f"| {_rate(n, row['validate_s'])} ({row['validate_mib']:.0f}) "
            f"| {_rate(n, row['load_s'])} ({row['load_mib']:.0f}) | {row['load_s']:.1f} "
            f"| {row['reload_s']:.1f} | {row['triples']:,} | {row['store_mib']:,.0f} "
            f"| {f'{up:.1f}' if up is not None else '–'} |"
        )
    return "\n".join(lines)


def _cell(m: dict[str, Any]) -> str:
    if m.get("rps") is None:
        why = m.get("first_error") or m.get("note") or "not measured"
        return f"– ({why[:40].strip()})"
    mark = "" if m.get("matches") in (True, None) else " ≠rows"
    if m.get("errors"):
        mark += f" ({m['errors']} errors)"
    latency = " / ".join(f"{m[key]:.1f}" if m.get(key) is not None else "–" for key in LATENCY)
    return f"{latency} ms, {m['rps']:,.1f}/s{mark}"


def query_table(measurements: Sequence[dict[str, Any]], connections: int) -> str:
    """Rows: queries; columns: peers (p50 / p95, req/s); and the best peer's req/s ÷ ours."""
    cells = [m for m in measurements if m["connections"] == connections]
    peers = list(dict.fromkeys(m["peer"] for m in cells))
    queries = list(dict.fromkeys(m["query"] for m in cells))
    by = {(m["peer"], m["query"]): m for m in cells}
    lines = [
        "| query | " + " | ".join(peers) + " | best ÷ ours (req/s) |",
        "|---|" + "---:|" * (len(peers) + 1),
    ]
    for query in queries:
        rates = {peer: by[(peer, query)].get("rps") for peer in peers if (peer, query) in by}
        best = max((rate for rate in rates.values() if rate), default=None)
        ours = rates.get("ours")
        ratio = f"{best / ours:.2f}" if best and ours else "–"
        row = " | ".join(_cell(by[(peer, query)]) if (peer, query) in by else "–" for peer in peers)
        lines.append(f"| {query.strip()} | {row} | {ratio} |")
    return "\n".join(lines)


def _speedup(measurements: Sequence[dict[str, Any]], query: str, peer: str) -> float | None:
    """How many times ours' req/s is the peer's, at the fewest connections measured."""
    fewest = min(m["connections"] for m in measurements)
    rates = {
        m["peer"]: m.get("rps")
        for m in measurements
        if m["query"] == query and m["connections"] == fewest
    }
    ours, theirs = rates.get("ours"), rates.get(peer)
    return ours / theirs if ours and theirs else None


def _single_answers(
    measurements: Sequence[dict[str, Any]], query: str, peer: str
) -> tuple[float, float] | None:
    """Ours' and the peer's single answer in ms, where both answered (same rows) but one or
    both took longer than a cell, so that their req/s were not measured; else None."""
    firsts = {
        m["peer"]: m
        for m in measurements
        if m["query"] == query and m.get("first_ms") and not m.get("first_error")
    }
    ours, theirs = firsts.get("ours"), firsts.get(peer)
    if ours is None or theirs is None or theirs.get("matches") is False:
        return None
    return ours["first_ms"], theirs["first_ms"]


def _ratio_line(
    measurements: Sequence[dict[str, Any]], count: int, query: str, name: str, target: float
) -> str | None:
    """One query target against `oxigraph serve`: by req/s, or by single answers where a side
    was not loaded (one answer longer than a cell); None when there is nothing to compare."""
    ratio = _speedup(measurements, query, "oxigraph")
    basis = "oxigraph serve's req/s"
    if ratio is None:
        single = _single_answers(measurements, query, "oxigraph")
        if single is None:
            return None
        ours_ms, theirs_ms = single
        ratio = theirs_ms / ours_ms
        basis = (
            f"as fast as oxigraph serve by single answers ({ours_ms:,.0f} ms against "
            f"{theirs_ms:,.0f} ms; not loaded: an answer took more than a cell)"
        )
    figure = f"{ratio:.2f}×" if target < 10 else f"{ratio:.0f}×"
    return (
        f"[{count:,}] {name}: ours {figure} {basis} (target ≥ {target:g}): "
        f"{_verdict(ratio >= target)}"
    )


def targets(results: dict[str, Any]) -> list[str]:
    """Each target of issue 8, met or missed, with its figure."""
    lines: list[str] = []
    stages = {row["count"]: row for row in results["stages"]}
    if 13_600 in stages:
        seconds = stages[13_600]["load_s"]
        lines.append(f"Atlas size end to end < 90 s: {seconds:.0f} s: {_verdict(seconds < 90)}")
    if 136_000 in stages:
        seconds = stages[136_000]["load_s"]
        lines.append(f"136,000 records < 15 min: {seconds / 60:.1f} min: {_verdict(seconds < 900)}")
        if 13_600 in stages:
            growth = stages[136_000]["load_mib"] / stages[13_600]["load_mib"] - 1
            lines.append(
                f"load memory flat in N (13,600 → 136,000, within 25 %): {growth:+.0%}: "
                f"{_verdict(growth < 0.25)}"
            )
    for count, measurements in results["queries"].items():
        checks = [(query, query, 1.5) for query in AGGREGATES] + [(CACHED, "cached repeat", 50)]
        for query, name, target in checks:
            line = _ratio_line(measurements, int(count), query, name, target)
            if line is not None:
                lines.append(line)
        rdflib = [m for m in measurements if m["peer"] == "rdflib"]
        if not any(m.get("rps") for m in rdflib):
            why = next((m["note"] for m in rdflib if m.get("note")), "not among the peers")
            lines.append(f"[{int(count):,}] ahead of rdflib-endpoint: not measured ({why})")
            continue
        behind = [
            m["query"].strip()
            for m in rdflib
            if m.get("rps") and (_speedup(measurements, m["query"], "rdflib") or 0) < 1
        ]
        lines.append(
            f"[{int(count):,}] ahead of rdflib-endpoint on every query: "
            + (_verdict(not behind) if not behind else f"NO, behind on {', '.join(behind)}")
        )
    return lines


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def tables(results: dict[str, Any]) -> str:
    """The whole report as Markdown."""
    startup = {
        int(count): m["startup_s"]
        for count, measurements in results["queries"].items()
        for m in measurements
        if m["peer"] == "ours" and m.get("startup_s") is not None
    }
    parts = [
        f"Measured on {results['machine']}; the whole run took "
        f"{results.get('minutes', 0):.0f} min.",
        "",
        "### Stages (records/s, peak MiB of the process tree)",
        "",
        stage_table(results["stages"], startup),
    ]
    for count, measurements in results["queries"].items():
        for connections in sorted({m["connections"] for m in measurements}):
            parts += [
                "",
                f"### Queries at {int(count):,} records, {connections} connections "
                "(p50 / p95 latency, requests/s)",
                "",
                query_table(measurements, connections),
            ]
    parts += ["", "### Targets", "", *(f"- {line}" for line in targets(results))]
    parts += [f"\nNote: {line}." for line in results.get("replaced", [])]
    return "\n".join(parts)


def write_readme(results: dict[str, Any], readme: Path, command: str) -> None:
    """Put the report between the README's markers (the text around them is kept)."""
    block = f"{BEGIN}\n`{command}`\n\n{tables(results)}\n\n![scaling](scaling.png)\n{END}"
    text = readme.read_text(encoding="utf-8") if readme.exists() else f"{BEGIN}\n{END}\n"
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.DOTALL)
    readme.write_text(pattern.sub(lambda _: block, text), encoding="utf-8")


def plot(results: dict[str, Any], path: Path) -> None:
    """Seconds of each stage against N, log-log, one line a stage; a line for linear growth."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    stages = sorted(results["stages"], key=lambda row: row["count"])
    counts = [row["count"] for row in stages]
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for key, label in {**STAGES, "reload_s": "reload (unchanged)"}.items():
        axes.plot(counts, [row[key] for row in stages], marker="o", label=label)
    if counts:
        first = stages[0]["load_s"]
        axes.plot(
            counts, [first * n / counts[0] for n in counts], "k:", label="linear in N (from load)"
        )
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("records")
    axes.set_ylabel("seconds")
    axes.set_title("coopgraph: cost of each stage against the number of records")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def replace_peers(results: dict[str, Any], count: int, measured: list[dict[str, Any]]) -> None:
    """Put a later run's measurements of some peers in place of theirs at `count` records."""
    peers = {m["peer"] for m in measured}
    kept = [m for m in results["queries"].get(str(count), []) if m["peer"] not in peers]
    results["queries"][str(count)] = measured + kept
    results["queries"] = dict(sorted(results["queries"].items(), key=lambda item: int(item[0])))
    results.setdefault("replaced", []).append(
        f"at {count:,} records, the rows of {', '.join(sorted(peers))} come from a second run "
        "(python -m bench.endpoint), side by side in that run"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Re-render the README from results.json, optionally with some peers measured again."""
    import argparse
    import json

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("results", type=Path)
    parser.add_argument("--replace", type=Path, help="bench.endpoint --json output")
    parser.add_argument("--count", type=int, help="the records of that run")
    parser.add_argument("--readme", type=Path)
    args = parser.parse_args(argv)
    results = json.loads(args.results.read_text(encoding="utf-8"))
    if args.replace:
        replace_peers(results, args.count, json.loads(args.replace.read_text(encoding="utf-8")))
        args.results.write_text(json.dumps(results, indent=1), encoding="utf-8")
    readme = args.readme or args.results.parent / "README.md"
    write_readme(results, readme, results.get("command", "python -m bench"))
    print(tables(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
