"""A load killed with SIGKILL leaves every record whole, and the next load finishes the job."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import SAMPLES, literal_values
from rdflib import Dataset, Graph, URIRef

from bench.synthetic import write_pages
from coopgraph.converters.pipeline import convert_file
from coopgraph.converters.to_rdf import ConversionOptions
from coopgraph.server.store import EmbeddedStore

COOPGRAPH = str(Path(sys.executable).parent / "coopgraph")
SALE_GRAPH = "http://localhost:5000/graph/partnership/sale-woippy"
PAGES = 240
FIRST = 20  # records loaded before the killed load, so that it writes one record at a time


#: `coopgraph` bulk-loading a first load in chunks of 256 KiB, so that the few pages here take
#: many chunks to build (at 32 MiB they take one, built in a fraction of a second).
SMALL_CHUNKS = (
    "from coopgraph.server.store import embedded; embedded.BULK_CHUNK_BYTES = 2**18; "
    "from coopgraph.cli import main; main()"
)


def _load(pages: Path, store: Path, *, small_chunks: bool = False) -> subprocess.Popen[bytes]:
    program = [sys.executable, "-c", SMALL_CHUNKS] if small_chunks else [COOPGRAPH]
    command = [*program, "load", str(pages), "--store", str(store), "--jobs", "1"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _stored(store: Path) -> Dataset:
    dataset = Dataset()
    with EmbeddedStore(store) as embedded:
        path = store.parent / "dump.nq"
        with path.open("wb") as output:
            embedded.dump(output, "nquads")
    dataset.parse(path, format="nquads")
    return dataset


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pages")
    write_pages(folder, PAGES, seed=7)
    return folder


def _kill_when(process: subprocess.Popen[bytes], started: Callable[[], bool]) -> None:
    """SIGKILL the load once `started` says it is writing (not after a fixed time)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if started():
            time.sleep(0.3)
            os.kill(process.pid, signal.SIGKILL)
            break
        time.sleep(0.05)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the load ended before the kill"


def _record_graphs(dataset: Dataset) -> dict[str, Graph]:
    return {
        str(g.identifier): g
        for g in dataset.graphs()
        if len(g) and "/graph/partnership/" in str(g.identifier)
    }


def _assert_whole(records: dict[str, Graph], pages: Path) -> None:
    options = ConversionOptions()
    for path in sorted(pages.iterdir()):
        expected = convert_file(path, options)
        iri = str(expected.graph_iri)
        if iri in records:
            assert literal_values(records[iri]) == literal_values(expected.graph), (
                f"{iri} is not whole"
            )


def _reload_finishes(pages: Path, store: Path, already: int) -> None:
    finished = subprocess.run(
        [COOPGRAPH, "load", str(pages), "--store", str(store)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    assert f"{PAGES - already} loaded" in finished.stderr
    assert f"{already} unchanged" in finished.stderr
    final = _record_graphs(_stored(store))
    assert len(final) == PAGES
    _assert_whole(final, pages)


def test_sigkill_mid_load_leaves_whole_records_and_reload_finishes(
    pages: Path, tmp_path: Path
) -> None:
    """A load into a store holding records writes one transaction a record: kill it mid-way."""
    store = tmp_path / "store"
    first = [str(path) for path in sorted(pages.iterdir())[:FIRST]]
    subprocess.run([COOPGRAPH, "load", *first, "--store", str(store)], check=True)
    wal_before = {f: f.stat().st_size for f in store.glob("*.log")}

    def size(log: Path) -> int:  # RocksDB may delete a log between glob and stat
        try:
            return log.stat().st_size
        except FileNotFoundError:
            return 0

    def writing() -> bool:
        return any(size(f) > wal_before.get(f, 0) + 200_000 for f in store.glob("*.log"))

    _kill_when(_load(pages, store), writing)

    records = _record_graphs(_stored(store))
    assert FIRST < len(records) < PAGES, f"{len(records)} records: kill not mid-way"
    _assert_whole(records, pages)
    _reload_finishes(pages, store, already=len(records))


@pytest.mark.parametrize("phase", ["spooling", "building"])
def test_sigkill_mid_first_load_leaves_the_store_as_it_was_and_reload_finishes(
    pages: Path, tmp_path: Path, phase: str
) -> None:
    """A first load spools its records, then builds the new store beside the old one and swaps
    it in whole: killed while doing either, it left nothing."""
    store = tmp_path / "store"
    loading, spool = tmp_path / "store.loading", tmp_path / "store.spool"

    def spooling() -> bool:
        return spool.exists() and spool.stat().st_size > 200_000

    def written() -> int:  # a new store holds one small table: oxigraph's version
        return len(list(loading.glob("*.sst")))

    def building() -> bool:
        return loading.exists() and written() > 1

    _kill_when(
        _load(pages, store, small_chunks=True), spooling if phase == "spooling" else building
    )

    assert loading.exists(), "the kill came after the swap"
    if phase == "spooling":
        assert written() <= 1, "the kill came after the records were spooled"
    assert _record_graphs(_stored(store)) == {}  # opening it for writing discards the staging
    assert not loading.exists() and not spool.exists()
    _reload_finishes(pages, store, already=0)


@pytest.mark.parametrize("store_left", [True, False], ids=["before-first-rename", "between"])
def test_a_swap_killed_mid_way_is_finished_when_the_store_is_next_opened(
    pages: Path, tmp_path: Path, store_left: bool
) -> None:
    """Killed after the new store was marked whole: the next writer puts it in place."""
    built = tmp_path / "built"
    subprocess.run([COOPGRAPH, "load", str(pages), "--store", str(built)], check=True)
    store = tmp_path / "store"
    if store_left:
        EmbeddedStore(store).close()  # the old store, still in place
    built.rename(tmp_path / "store.complete")
    (tmp_path / "store.replaced").mkdir()  # a leftover of an older swap

    with EmbeddedStore(store) as reopened:
        assert reopened.stats().records == PAGES
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("store")) == ["store"]


def test_a_load_while_the_store_is_in_use_fails_clearly_and_changes_nothing(
    pages: Path, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    first = subprocess.run(
        [COOPGRAPH, "load", str(SAMPLES), "--store", str(store)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert first.returncode == 0, first.stderr
    before = literal_values(_stored(store).graph(URIRef(SALE_GRAPH)))
    with EmbeddedStore(store):  # held open, as by a running load or server
        second = subprocess.run(
            [COOPGRAPH, "load", str(pages), "--store", str(store)],
            capture_output=True,
            text=True,
            check=False,
        )
    assert second.returncode == 3
    assert f"the store at {store} is in use by another coopgraph process" in second.stderr
    after = _stored(store)
    assert len([g for g in after.graphs() if "/graph/partnership/" in str(g.identifier)]) == 2
    assert literal_values(after.graph(URIRef(SALE_GRAPH))) == before


FULL_DISK = """
mount -t tmpfs -o size=8m tmpfs "$DISK" || exit 90
if [ -n "$FIRST" ]; then "$COOPGRAPH" load $FIRST --store "$DISK/store" --jobs 1 || exit 91; fi
"$COOPGRAPH" load "$PAGES" --store "$DISK/store" --jobs 1 2>"$OUT/stderr"
echo $? > "$OUT/status"
ls -A "$DISK" > "$OUT/listing"
cp -a "$DISK/store" "$OUT/store"
"""


def _load_on_a_full_disk(pages: Path, tmp_path: Path, first: list[str]) -> tuple[int, str, Path]:
    """Load `pages` into a store on an 8 MiB disk (after `first`); (status, stderr, store copy).

    The disk is a tmpfs mounted in a private mount namespace (`unshare`), so no root is needed
    where user namespaces are allowed; the store is copied out before the namespace ends.
    """
    disk, out = tmp_path / "disk", tmp_path / "out"
    disk.mkdir()
    out.mkdir()
    environment = {
        **os.environ,
        "DISK": str(disk),
        "OUT": str(out),
        "COOPGRAPH": COOPGRAPH,
        "PAGES": str(pages),
        "FIRST": " ".join(first),
    }
    command = ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", FULL_DISK]
    try:
        done = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=300)
    except FileNotFoundError:
        pytest.skip("unshare (util-linux) is missing")
    if done.returncode == 90 or "unshare:" in done.stderr:
        pytest.skip(f"cannot mount a small disk here (user namespaces?): {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    listing = (out / "listing").read_text()
    assert "store.loading" not in listing and "store.spool" not in listing  # nothing half-built
    return int((out / "status").read_text()), (out / "stderr").read_text(), out / "store"


def test_a_full_disk_is_a_clear_error_and_loses_nothing_already_stored(
    pages: Path, tmp_path: Path
) -> None:
    first = [str(path) for path in sorted(pages.iterdir())[:FIRST]]
    status, errors, store = _load_on_a_full_disk(pages, tmp_path, first)

    assert status == 3, errors
    assert "No space left on device" in errors and "check the free disk space" in errors
    assert "Traceback" not in errors
    records = _record_graphs(_stored(store))
    assert FIRST <= len(records) < PAGES
    _assert_whole(records, pages)


def test_a_full_disk_during_a_first_load_leaves_the_store_as_it_was(
    pages: Path, tmp_path: Path
) -> None:
    status, errors, store = _load_on_a_full_disk(pages, tmp_path, [])

    assert status == 3, errors
    assert "cannot write the new store" in errors and "the store was left as it was" in errors
    assert "Traceback" not in errors
    assert _record_graphs(_stored(store)) == {}
    _reload_finishes(pages, store, already=0)  # on a disk with room, the next load does it
