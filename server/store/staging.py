"""A first load built beside the embedded store and swapped in whole.

Loading records one transaction each into an empty store is what makes a large first load slow:
RocksDB compacts what it has just written, again and again as the store grows. pyoxigraph's bulk
loader writes sorted files instead, many times faster, but it is not transactional. So a first
load is built in a staging store beside the real one (`{name}.loading`, from the records'
N-Triples spooled to `{name}.spool` as they came), and only once it is whole is it renamed into
place:

    {name}.loading  →  {name}.complete  (whole: the rename marks it)
    {name}          →  {name}.replaced
    {name}.complete →  {name}
    rm -r {name}.replaced

A load killed at any step leaves either the old store (which held no records) or the new one,
never a part of it; `recover` finishes or discards an interrupted swap the next time the store is
opened for writing. Every writer holds `lock` (a file beside the store), so recovery never touches
a staging store that another process is still building.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path

from coopgraph.errors import StoreBusy, StoreUnavailable


def sibling(store: Path, state: str) -> Path:
    """The staging path of `store`: the directory loading, complete or replaced, or the spool."""
    return store.with_name(f"{store.name}.{state}")


def lock(store: Path) -> int:
    """Take the store's writer lock (a file descriptor to keep open), or StoreBusy."""
    path = store.with_name(f".{store.name}.lock")
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
    except OSError as error:
        raise StoreUnavailable(
            f"cannot open the store at {store}: {error}",
            hint="check that its folder exists and is writable",
        ) from error
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as error:
        os.close(descriptor)
        raise busy(store) from error
    return descriptor


def busy(store: Path) -> StoreBusy:
    """The error for a store another process writes (our lock, or RocksDB's own)."""
    return StoreBusy(
        f"the store at {store} is in use by another coopgraph process",
        hint="wait for the other load (or stop the server), or open it read-only",
    )


def recover(store: Path) -> None:
    """Finish an interrupted swap, or discard an interrupted staging store (lock held)."""
    complete, replaced = sibling(store, "complete"), sibling(store, "replaced")
    shutil.rmtree(replaced, ignore_errors=True)  # left by a swap killed while cleaning up
    if complete.exists():  # the new store is whole: finish putting it in place
        if store.exists():
            os.replace(store, replaced)
        os.replace(complete, store)
        shutil.rmtree(replaced, ignore_errors=True)
    shutil.rmtree(sibling(store, "loading"), ignore_errors=True)
    sibling(store, "spool").unlink(missing_ok=True)


def swap_in(store: Path) -> None:
    """Put the whole staging store in place of `store` (both closed, lock held)."""
    os.replace(sibling(store, "loading"), sibling(store, "complete"))
    recover(store)
