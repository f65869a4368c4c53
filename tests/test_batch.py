"""Validating many records in worker processes: flat memory however many records.

The worker's job (`batch._work`) is replaced here by one that says which process ran it and
counts the records done; forked workers inherit the replacement.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from coopgraph.converters.to_rdf import ConversionOptions
from coopgraph.shapes import batch
from coopgraph.shapes.batch import validate_paths

done = multiprocessing.get_context("fork").Value("i", 0)


def _pid_of_worker(path: Path) -> Any:
    with done.get_lock():
        done.value += 1
    return (path.name, os.getpid())


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Path]]:
    monkeypatch.setattr(batch, "_work", _pid_of_worker)
    done.value = 0
    paths = [tmp_path / f"{number:03}.txt" for number in range(200)]
    for path in paths:
        path.touch()
    yield paths


def test_records_come_back_in_order_from_the_workers(files: list[Path]) -> None:
    ran = list(validate_paths(files, ConversionOptions(), jobs=2))
    assert [name for name, _ in ran] == [path.name for path in files]  # in order, none lost
    assert os.getpid() not in {pid for _, pid in ran}


def test_a_slow_reader_holds_back_the_workers(files: list[Path]) -> None:
    """Records are validated only a window ahead of the one read, not all at once."""
    reports = validate_paths(files, ConversionOptions(), jobs=2)
    next(reports)
    time.sleep(1.5)  # time enough for the workers to do all 200 if nothing held them
    chunk = batch.chunk_size(len(files), 2)
    window = 2 * batch.AHEAD * chunk
    assert done.value <= window + chunk + 1
    assert len(list(reports)) == len(files) - 1


def test_a_reader_that_stops_early_leaves_no_process_waiting(files: list[Path]) -> None:
    reports = validate_paths(files, ConversionOptions(), jobs=2)
    next(reports)
    closed = threading.Thread(target=reports.close)
    closed.start()
    closed.join(timeout=10)
    assert not closed.is_alive(), "closing the reports hung: the pool's feeder still waits"
