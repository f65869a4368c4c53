"""Soak test: a live `coopgraph serve` under a mixed load at its measured capacity, 5 minutes.

    python -m bench.soak [--seconds 300] [--ramp-seconds 25] [--count 2000] [--store DIR]
                         [--mix lookup=30,aggregate=10,...] [--p95-bound 2.0] [--html-partnerships]
                         [--server-log FILE]

Data: `--count` synthetic pages (seed 0) loaded with `coopgraph load` into a temporary store, or
a copy of `--store DIR` (served under the BASE its IRIs have). The server is `coopgraph serve` on
a free loopback port with a generated write token and COOPGRAPH_BASE=http://127.0.0.1:PORT/, so
that every IRI dereferences on it; it is stopped at the end, on an error and on Ctrl-C.

Mix (bench/soak_mix.py, weights by `--mix`): SPARQL lookups of one resource by IRI, aggregates,
GET of /id/… IRIs as Turtle and as HTML, POST /validate of a page, and authenticated writes:
PUT /records/{id} of new records and of stored ones with new content. Reads never name what the
soak rewrites, so a 404 is a real one. Partnership pages are left out of the HTML mix unless
`--html-partnerships`: at 2,000 records one takes from 7 s to over 30 s (its funding query),
holding a query worker, and every write waits for all of them: the soak would measure that alone
(a 60 s run with them: 4.7 req/s instead of 18, a write waiting 31 s, 3 timeouts).

Capacity: a ramp of closed-loop steps (each `--ramp-seconds`/5 long, at least 3 s) with 1, 2,
4, … clients; the clients are doubled while the throughput rises by 10 % or more and the p95
stays under `--p95-bound`. The soak then runs
closed loop with the last client count that raised the throughput. Closed, not open loop: at
exactly the measured rate an open loop has no slack, so any slowdown (a write holding every
query worker, another job on the machine) builds a queue that never drains and the run would
measure overload, not leaks; closed loop holds the server at capacity and shows a slowdown as
falling throughput (printed per window).

Checks (exit 1 on a failure): no 5xx but announced timeouts (408, or a 503 saying a query or a
write gave up in time; counted apart), every request answered whole, every acknowledged write
in the store afterwards with its content (its graph's coop:sourceHash is the SHA-256 of the page
sent; checked through /sparql, then on disk after the server stopped), and the memory of the
server's process tree (gunicorn and its query workers, from /proc every 2 s) at the end within
20 % of its memory after warm-up (the ramp and the soak's first 30 s). The server's log is not a
check, but a traceback in it is reported (each exception counted, the last in full) and the log
kept (`--server-log`), since the work folder is deleted.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from bench.convert import prepare_pages
from bench.peers import free_port
from bench.soak_mix import (
    DEFAULT_MIX,
    FAILURES,
    WRITE_KINDS,
    Client,
    Ledger,
    Mix,
    Outcome,
    Write,
    closed_loop,
    parse_mix,
    percentile,
    verdict,
)
from bench.soak_server import (
    Sampler,
    disk_hashes,
    live_hashes,
    load_store,
    read_targets,
    server,
)

TRACEBACK_START = "Traceback (most recent call last):"
MEMORY_TOLERANCE = 0.20
WARM_UP_S = 30.0  # of the soak, after the ramp
RAMP_GAIN = 0.10
MAX_CLIENTS = 64


# ---------------------------------------------------------------- pure logic


@dataclass(frozen=True)
class Level:
    """One step of the ramp: clients, requests per second, p95 seconds."""

    clients: int
    rate: float
    p95: float


def capacity(levels: Sequence[Level], p95_bound: float, gain: float = RAMP_GAIN) -> Level:
    """The last level that raised the throughput by `gain` within the p95 bound (or the first)."""
    chosen = levels[0]
    for level in levels[1:]:
        if level.p95 > p95_bound or level.rate < (1 + gain) * chosen.rate:
            break
        chosen = level
    return chosen


def memory_check(
    baseline_kib: float, end_kib: float, tolerance: float = MEMORY_TOLERANCE
) -> tuple[bool, float]:
    """(end within `tolerance` of the baseline, relative change)."""
    change = (end_kib - baseline_kib) / baseline_kib
    return abs(change) <= tolerance, change


def mean_between(samples: Sequence[tuple[float, int]], start: float, end: float) -> float | None:
    """Mean of the samples taken in [start, end], None if there is none."""
    chosen = [kib for when, kib in samples if start <= when <= end]
    return sum(chosen) / len(chosen) if chosen else None


def missing(expected: Iterable[Write], found: dict[str, set[str]]) -> list[Write]:
    """The writes whose graph does not hold their page's hash (`found`: graph → its hashes)."""
    return [w for w in expected if f"sha256:{w.sha256}" not in found.get(w.graph_iri, set())]


# ---------------------------------------------------------------- phases


def prime(mix: Mix, port: int, outcomes: list[Outcome]) -> None:
    """One read of each kind and one validation: the query workers and the validator start."""
    client, rng = Client(port), random.Random(0)
    try:
        for kind in ("lookup", "aggregate", "deref_ttl", "deref_html", "validate"):
            call = mix.call(kind, rng)
            assert call is not None
            started = time.perf_counter()
            status, body = client.send(call)
            seconds = time.perf_counter() - started
            outcomes.append(
                Outcome(kind, status, seconds, time.monotonic(), verdict(kind, status, body))
            )
    finally:
        client.close()


def ramp(
    mix: Mix, port: int, seconds: float, bound: float, seed: int, outcomes: list[Outcome]
) -> list[Level]:
    """Closed-loop steps of seconds/5 with 1, 2, 4, … clients while the throughput rises."""
    step = max(3.0, seconds / 5)
    levels: list[Level] = []
    clients = 1
    print(f"ramp: closed loop, {step:.0f} s a step, p95 bound {bound * 1000:.0f} ms", flush=True)
    print(f"  {'clients':>7} {'req/s':>7} {'p95 ms':>7} {'requests':>9}", flush=True)
    while clients <= MAX_CLIENTS:
        answered: list[Outcome] = []
        started = time.monotonic()
        closed_loop(mix, port, clients, step, seed + clients, answered)
        elapsed = time.monotonic() - started
        p95 = percentile([o.seconds for o in answered], 0.95)
        level = Level(clients, len(answered) / elapsed, p95)
        levels.append(level)
        outcomes.extend(answered)
        print(
            f"  {clients:>7} {level.rate:>7.1f} {p95 * 1000:>7.0f} {len(answered):>9}", flush=True
        )
        if capacity(levels, bound) is not level:
            break
        clients *= 2
    return levels


def kind_table(outcomes: Sequence[Outcome], seconds: float) -> list[str]:
    """Per kind: requests, req/s, p50 and p95, and the answers by status and verdict."""
    lines = [f"  {'kind':<12} {'requests':>8} {'req/s':>6} {'p50 ms':>7} {'p95 ms':>7}  answers"]
    kinds = [k for k in DEFAULT_MIX if any(o.kind == k for o in outcomes)]
    for kind in [*kinds, "all"]:
        mine = [o for o in outcomes if kind in ("all", o.kind)]
        times = [o.seconds for o in mine]
        answers = Counter(
            str(o.status) + ("" if o.verdict in ("ok", "refused") else f" {o.verdict}")
            for o in mine
        )
        shown = ", ".join(f"{key}: {n}" for key, n in sorted(answers.items()))
        lines.append(
            f"  {kind:<12} {len(mine):>8} {len(mine) / seconds:>6.1f} "
            f"{percentile(times, 0.5) * 1000:>7.0f} {percentile(times, 0.95) * 1000:>7.0f}  {shown}"
        )
    return lines


def memory_lines(
    samples: Sequence[tuple[float, int]], soak: tuple[float, float], window: float
) -> tuple[list[str], tuple[float, float] | None]:
    """The memory curve in MiB, and (after warm-up, end) in KiB when both could be measured."""
    start, end = soak
    mib = 1024
    ramp_end = [kib for when, kib in samples if when <= start]
    warm = mean_between(samples, start + WARM_UP_S - 10, start + WARM_UP_S)
    final = mean_between(samples, end - 10, end)
    during = [(when, kib) for when, kib in samples if start <= when <= end]
    peak_at, peak = max(during, key=lambda sample: sample[1]) if during else (start, 0)
    curve = []
    moment = start
    while moment < end - 1:
        value = mean_between(samples, moment, min(moment + window, end))
        curve.append(f"{value / mib:.0f}" if value is not None else "-")
        moment += window
    lines = [
        "memory of the server's process tree (gunicorn and its query workers), MiB:",
        f"  idle after start {samples[0][1] / mib:.0f}; end of the ramp "
        f"{(ramp_end[-1] if ramp_end else 0) / mib:.0f}; after warm-up (soak "
        f"{WARM_UP_S - 10:.0f}-{WARM_UP_S:.0f} s) {(warm or 0) / mib:.0f}; peak {peak / mib:.0f} "
        f"at {peak_at - start:.0f} s; end (last 10 s) {(final or 0) / mib:.0f}",
        f"  mean every {window:.0f} s of the soak: {' '.join(curve)}",
    ]
    return lines, (warm, final) if warm and final else None


def throughput_line(outcomes: Sequence[Outcome], soak: tuple[float, float], window: float) -> str:
    """Requests per second in each window of the soak: a leak or a jam shows as a fall."""
    start, end = soak
    rates, moment = [], start
    while moment < end - 1:
        upper = min(moment + window, end)
        done = sum(1 for o in outcomes if moment <= o.ended < upper)
        rates.append(f"{done / (upper - moment):.1f}")
        moment += window
    return f"  req/s every {window:.0f} s: {' '.join(rates)}"


def checks(
    outcomes: Sequence[Outcome],
    ledger: Ledger,
    writes_in_mix: bool,
    lost: tuple[list[Write], list[Write]],
    memory: tuple[float, float] | None,
) -> list[tuple[bool, str]]:
    """The end checks, each (passed, what it says)."""
    verdicts = Counter(o.verdict for o in outcomes)
    lost_live, lost_disk = lost
    checked = len(ledger.expected) - len(ledger.unknown & set(ledger.expected))
    results = [
        (
            verdicts["5xx"] == 0,
            f"no 5xx but announced timeouts: {verdicts['5xx']} other 5xx "
            f"(announced timeouts: {verdicts['timeout']}, counted apart)",
        ),
        (
            verdicts["no answer"] + verdicts["cut"] == 0,
            f"every request answered whole: {verdicts['no answer']} without an answer, "
            f"{verdicts['cut']} cut",
        ),
        (
            not lost_live and not lost_disk and (ledger.acknowledged > 0 or not writes_in_mix),
            f"every acknowledged write stored with its content: {ledger.acknowledged} "
            f"acknowledged, last of each of {checked} records checked: "
            f"{checked - len(lost_live)} found live, {checked - len(lost_disk)} on disk after stop"
            + (
                f"; {len(ledger.unknown)} writes without an answer not checked"
                if ledger.unknown
                else ""
            ),
        ),
    ]
    if memory is None:
        results.append((False, "memory within 20 %: not measured (the soak is too short)"))
    else:
        within, change = memory_check(*memory)
        results.append(
            (
                within,
                f"memory at the end within {MEMORY_TOLERANCE:.0%} of after warm-up: {change:+.1%} "
                f"({memory[0] / 1024:.0f} -> {memory[1] / 1024:.0f} MiB)",
            )
        )
    return results


def tracebacks(log: str) -> list[str]:
    """The tracebacks in a server log, each from its first line to its exception line.

    Chained ones ("During handling of the above exception…") come out as separate tracebacks.
    """
    found: list[str] = []
    lines = log.splitlines()
    for start, line in enumerate(lines):
        if line.strip() != TRACEBACK_START:
            continue
        end = start + 1
        while end < len(lines) and (not lines[end] or lines[end][0].isspace()):
            end += 1
        found.append("\n".join(lines[start : end + 1]))
    return found


def traceback_lines(log: str, kept: Path) -> list[str]:
    """What the soak says of the server log's tracebacks: how many of each exception, the last
    one in full, and where the whole log is kept (the work folder is deleted)."""
    found = tracebacks(log)
    if not found:
        return ["  server log: no traceback"]
    kept.write_text(log)
    kinds = Counter(block.splitlines()[-1] for block in found)
    lines = [f"  server log: {len(found)} tracebacks, kept in {kept}:"]
    lines += [f"    {count} x {kind}" for kind, count in kinds.most_common()]
    lines += ["  the last one:", *(f"    {line}" for line in found[-1].splitlines())]
    return lines


def soak(args: argparse.Namespace) -> int:
    """Prepare the store, run the server through the ramp and the soak, check, print."""
    with tempfile.TemporaryDirectory(prefix="coopgraph-soak-") as temporary:
        work = Path(temporary)
        store, port = work / "store", free_port()
        if args.store:
            shutil.copytree(args.store, store)
            origin = f"a copy of {args.store}"
        else:
            prepare_pages(work / "pages", args.count, 0)
            loaded = load_store(work / "pages", store, f"http://127.0.0.1:{port}/")
            origin = f"{args.count:,} synthetic pages (seed 0): {loaded}"
        targets, records = read_targets(store, args.html_partnerships, args.seed)
        token = secrets.token_urlsafe(24)
        ledger = Ledger(targets.base, secrets.token_hex(3), list(targets.rewritable))
        mix = Mix(args.mix, targets, ledger, token)
        print(f"store: {records:,} records, {origin}", flush=True)
        print(
            f"server: coopgraph serve on 127.0.0.1:{port}, BASE {targets.base}; reads name "
            f"{len(targets.resources):,} resources ({len(targets.pages):,} as pages), "
            f"{len(targets.rewritable):,} records are rewritten",
            flush=True,
        )
        print(f"mix: {', '.join(f'{k} {w}' for k, w in args.mix.items())}", flush=True)
        log = work / "server.log"
        before: list[Outcome] = []
        with server(store, port, targets.base, token, log) as pid:
            sampler = Sampler(pid)
            sampler.start()
            prime(mix, port, before)
            levels = ramp(mix, port, args.ramp_seconds, args.p95_bound, args.seed, before)
            chosen = capacity(levels, args.p95_bound)
            print(
                f"capacity: {chosen.rate:.1f} req/s with {chosen.clients} clients; soak for "
                f"{args.seconds:.0f} s, closed loop with {chosen.clients} clients",
                flush=True,
            )
            outcomes: list[Outcome] = []
            started, cpu = time.monotonic(), time.process_time()
            closed_loop(mix, port, chosen.clients, args.seconds, args.seed + 1000, outcomes)
            ended, cpu = time.monotonic(), time.process_time() - cpu
            sampler.done.set()
            sampler.join()
            expected = [w for i, w in ledger.expected.items() if i not in ledger.unknown]
            graphs = sorted({w.graph_iri for w in expected})
            lost_live = missing(expected, live_hashes(port, graphs))
            processes = len(sampler.pids)
        lost_disk = missing(expected, disk_hashes(store, graphs))
        server_log = log.read_text(errors="replace")
    seconds = ended - started
    window = max(10.0, round(args.seconds / 10))
    print(
        f"soak: {len(outcomes):,} requests in {seconds:.0f} s, {len(outcomes) / seconds:.1f} req/s"
    )
    print("\n".join(kind_table(outcomes, seconds)))
    print(f"  the clients' own CPU: {cpu:.0f} s ({cpu / seconds:.0%} of a core, same machine)")
    print(throughput_line(outcomes, (started, ended), window))
    writes = sum(1 for o in outcomes if o.kind in WRITE_KINDS)
    print(
        f"writes in the soak: {writes:,} sent; acknowledged over the whole run: "
        f"{ledger.acknowledged:,} ({len(ledger.expected):,} distinct records)"
    )
    lines, memory = memory_lines(sampler.samples, (started, ended), window)
    print("\n".join(lines))
    print(
        f"  processes seen in the tree: {processes} (a query worker stopped at its deadline is "
        f"replaced by a new one)"
    )
    print("\n".join(traceback_lines(server_log, args.server_log)))
    everything = [*before, *outcomes]
    writes_in_mix = any(args.mix[k] for k in WRITE_KINDS)
    results = checks(everything, ledger, writes_in_mix, (lost_live, lost_disk), memory)
    print("checks (ramp and soak):")
    for passed, text in results:
        print(f"  {'PASS' if passed else 'FAIL'}  {text}")
    failed = [o for o in everything if o.verdict in FAILURES]
    for outcome in failed[:10]:
        print(
            f"  failed: {outcome.kind} {outcome.status} {outcome.verdict} {outcome.seconds:.1f} s"
        )
    return 0 if all(passed for passed, _ in results) else 1


def _interrupted(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # the `with server(...)` block then stops the server


def main(argv: Sequence[str] | None = None) -> int:
    """Command line; exit 1 when a check fails, 130 when interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--seconds", type=float, default=300.0, help="length of the soak")
    parser.add_argument("--ramp-seconds", type=float, default=25.0, help="budget of the ramp")
    parser.add_argument("--count", type=int, default=2000, help="synthetic pages to load")
    parser.add_argument("--store", type=Path, help="serve a copy of this store instead")
    parser.add_argument("--mix", type=parse_mix, default=dict(DEFAULT_MIX), help="KIND=WEIGHT,…")
    parser.add_argument(
        "--p95-bound", type=float, default=2.0, help="seconds; the ramp stops past it"
    )
    parser.add_argument("--html-partnerships", action="store_true", help="partnership pages too")
    parser.add_argument("--seed", type=int, default=0, help="seed of the clients' choices")
    parser.add_argument(
        "--server-log",
        type=Path,
        default=Path(tempfile.gettempdir()) / f"coopgraph-soak-server-{os.getpid()}.log",
        help="where the server's log is kept when it holds a traceback",
    )
    args = parser.parse_args(argv)
    if args.seconds < WARM_UP_S + 10:
        parser.error(f"--seconds must be at least {WARM_UP_S + 10:.0f} (warm-up and an end)")
    signal.signal(signal.SIGTERM, _interrupted)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started ignoring it
    try:
        return soak(args)
    except KeyboardInterrupt:
        print("bench.soak: interrupted; the server was stopped", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
