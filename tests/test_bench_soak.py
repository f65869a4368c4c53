"""The soak test's own logic (bench/soak.py, bench/soak_mix.py): no server, no timed run."""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import logging
import random
from pathlib import Path

import pytest

from bench.soak import (
    Level,
    capacity,
    mean_between,
    memory_check,
    missing,
    traceback_lines,
    tracebacks,
)
from bench.soak_mix import (
    ANNOUNCED_TIMEOUTS,
    Ledger,
    Write,
    is_announced_timeout,
    parse_mix,
    percentile,
    verdict,
)
from coopgraph.errors import ExecutorBusy, QueryTimeout, QueryTooLarge, RequestTimedOut

REPO = Path(__file__).resolve().parents[1]
BASE = "http://127.0.0.1:5000/"


def _as_served(error: Exception) -> bytes:
    """An error's body as the app's one handler (server/app.py) writes it."""
    return f"{error}\n".encode()


def test_the_phrases_are_the_servers_own_wording() -> None:
    """A server that rewords its timeouts must fail here, not make the soak count them as 5xx."""
    raised = (REPO / "server" / "executor.py").read_text(encoding="utf-8")
    for phrase in ANNOUNCED_TIMEOUTS:
        assert phrase in raised, phrase


def test_announced_timeouts_are_told_from_other_5xx() -> None:
    stopped = QueryTimeout("the query was stopped after 30 s", hint="narrow it")
    busy = ExecutorBusy("every query worker is busy after 30 s", hint="try again shortly")
    write = ExecutorBusy("the query workers stayed busy; the write was not made")
    assert QueryTimeout.status == ExecutorBusy.status == 503
    for error in (stopped, busy, write):
        assert is_announced_timeout(503, _as_served(error))
    assert is_announced_timeout(RequestTimedOut.status, b"the request did not arrive whole")
    too_large = QueryTooLarge("the query needed more than the 1024 MiB a query may use")
    assert not is_announced_timeout(503, _as_served(too_large))
    assert not is_announced_timeout(503, b"the query worker stopped unexpectedly\n")
    assert not is_announced_timeout(500, _as_served(stopped))  # only a 503 says it this way
    assert not is_announced_timeout(200, _as_served(stopped))


def test_verdicts() -> None:
    assert verdict("lookup", 200, json.dumps({"results": {}}).encode()) == "ok"
    assert verdict("lookup", 200, b'{"results": {"bindings": [') == "cut"
    assert verdict("deref_html", 200, b"<html>") == "ok"  # not JSON, not expected to be
    assert verdict("deref_ttl", 404, b"") == "refused"
    assert verdict("write_new", 422, b"{}") == "refused"
    assert verdict("lookup", 503, b"the query was stopped after 30 s\n") == "timeout"
    assert verdict("deref_html", 502, b"Bad Gateway") == "5xx"
    assert verdict("validate", 0, b"ConnectionResetError()") == "no answer"


def test_memory_check_allows_20_percent_either_way() -> None:
    within, change = memory_check(400_000, 470_000)
    assert within and change == pytest.approx(0.175)
    assert memory_check(400_000, 490_000)[0] is False  # +22.5 %: a leak
    assert memory_check(400_000, 300_000)[0] is False  # -25 %: not the steady state either
    assert mean_between([(0.0, 10), (1.0, 20), (2.0, 60)], 0.5, 2.0) == 40
    assert mean_between([(0.0, 10)], 1.0, 2.0) is None


def test_capacity_is_the_last_step_that_raised_the_throughput() -> None:
    levels = [Level(1, 10.0, 0.3), Level(2, 19.0, 0.4), Level(4, 20.0, 0.6), Level(8, 30.0, 3.0)]
    assert capacity(levels, p95_bound=2.0) == Level(2, 19.0, 0.4)  # 4 clients: +5 %, no more
    assert capacity(levels[:2], p95_bound=0.35) == Level(1, 10.0, 0.3)  # 2 clients: p95 too high
    assert capacity([Level(1, 5.0, 9.0)], p95_bound=2.0) == Level(1, 5.0, 9.0)


def test_percentile_is_nearest_rank() -> None:
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 0.95) == 95.0
    assert percentile(values, 0.5) == 50.0
    assert percentile([], 0.95) == 0.0


def test_a_write_is_expected_once_acknowledged_and_never_runs_twice_at_once() -> None:
    ledger = Ledger(BASE, "t0", ["synthetic-000001"])
    first, body = ledger.new()
    assert first.identifier == "soak-t0-000000"
    assert first.graph_iri == f"{BASE}graph/partnership/soak-t0-000000"
    assert first.sha256 == hashlib.sha256(body).hexdigest()
    again, _ = ledger.again(random.Random(0)) or pytest.fail("a record is free")
    assert again.identifier == "synthetic-000001"
    assert ledger.again(random.Random(0)) is None  # being written: not drawn a second time
    ledger.settle(again, 0)  # no answer: unknown, not expected
    ledger.settle(first, 201)
    assert ledger.expected == {first.identifier: first}
    assert ledger.unknown == {"synthetic-000001"}
    assert first.identifier in ledger.rewritable  # acknowledged: may be written again
    refused, _ = ledger.new()
    ledger.settle(refused, 422)
    assert refused.identifier not in ledger.expected
    assert ledger.acknowledged == 1


def test_missing_writes_are_those_without_their_hash() -> None:
    kept = Write("a", f"{BASE}graph/partnership/a", "11")
    replaced = Write("b", f"{BASE}graph/partnership/b", "22")
    lost = Write("c", f"{BASE}graph/partnership/c", "33")
    found = {kept.graph_iri: {"sha256:11"}, replaced.graph_iri: {"sha256:00"}}
    assert missing([kept, replaced, lost], found) == [replaced, lost]


def test_the_mix_option() -> None:
    mix = parse_mix("lookup=50, write_new=0")
    assert mix["lookup"] == 50 and mix["write_new"] == 0 and mix["aggregate"] == 10
    for wrong in ("lookups=3", "lookup", "lookup=-1", ",".join(f"{k}=0" for k in mix)):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_mix(wrong)


def _logged_failures() -> str:
    """A server log as Python's logging writes it: a line, a chained traceback, a line, another."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("soak-test")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("GET /sparql 200")
        try:
            try:
                {}["missing"]
            except KeyError as error:
                raise RuntimeError("while answering") from error
        except RuntimeError:
            logger.exception("Error handling request /id/x")
        logger.warning("GET /id/y 200")
        try:
            raise BrokenPipeError(32, "Broken pipe")
        except BrokenPipeError:
            logger.exception("Error handling request /sparql")
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def test_tracebacks_are_cut_from_a_log_each_to_its_exception_line() -> None:
    found = tracebacks(_logged_failures())
    assert [block.splitlines()[-1] for block in found] == [
        "KeyError: 'missing'",
        "RuntimeError: while answering",
        "BrokenPipeError: [Errno 32] Broken pipe",
    ]
    assert all(block.startswith("Traceback (most recent call last):") for block in found)
    assert not any("200" in block for block in found)  # the lines around are not taken in


def test_a_log_with_tracebacks_is_kept_and_its_last_one_printed(tmp_path: Path) -> None:
    log, kept = _logged_failures(), tmp_path / "server.log"
    lines = traceback_lines(log, kept)
    assert kept.read_text() == log
    assert lines[0] == f"  server log: 3 tracebacks, kept in {kept}:"
    assert "    1 x BrokenPipeError: [Errno 32] Broken pipe" in lines
    assert lines[-1] == "    BrokenPipeError: [Errno 32] Broken pipe"
    assert traceback_lines("GET /sparql 200\n", tmp_path / "other.log") == [
        "  server log: no traceback"
    ]
    assert not (tmp_path / "other.log").exists()
