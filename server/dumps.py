"""Dumps of the whole store at stable URLs, regenerated when the store changes.

Two files in the dumps directory (the setting DUMPS, default beside the store): `atlas.nq.gz`
(every named graph, N-Quads) and `atlas.ttl.gz` (the union of the graphs as Turtle, for tools
without quads). The store's state is fingerprinted by its number of named graphs and the last
load time; a dump older than the state is rewritten in a separate process that opens the store
read-only, into a temporary file renamed into place: a download never sees half a dump.
"""

from __future__ import annotations

import gzip
import json
import multiprocessing
import os
import threading
from pathlib import Path
from typing import IO, cast

from coopgraph.errors import StoreUnavailable

DUMPS = {"atlas.nq.gz": "application/n-quads", "atlas.ttl.gz": "text/turtle"}
FINGERPRINT_FILE = "fingerprint.json"
#: Writing the dumps of the Atlas takes seconds; this bounds a runaway.
TIMEOUT_S = 1800
_lock = threading.Lock()


def _write(store_path: str, directory: str) -> None:  # in a separate process
    import pyoxigraph as ox

    store = ox.Store.read_only(store_path)
    for name, media_type in DUMPS.items():
        temporary = Path(directory) / f".{name}.{os.getpid()}.tmp"
        with gzip.open(temporary, "wb", compresslevel=6) as output:
            if media_type == "application/n-quads":
                store.dump(cast(IO[bytes], output), ox.RdfFormat.N_QUADS)
            else:
                everything = store.query(
                    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True
                )
                assert isinstance(everything, ox.QueryTriples)
                everything.serialize(cast(IO[bytes], output), ox.RdfFormat.TURTLE)
        os.replace(temporary, Path(directory) / name)


def current_dumps(store_path: Path, directory: Path, fingerprint: dict[str, str]) -> Path:
    """The dumps directory, with dumps matching `fingerprint` (written first if they do not)."""
    with _lock:
        directory.mkdir(parents=True, exist_ok=True)
        recorded = directory / FINGERPRINT_FILE
        written = recorded.exists() and all((directory / name).exists() for name in DUMPS)
        if written and json.loads(recorded.read_text(encoding="utf-8")) == fingerprint:
            return directory
        process = multiprocessing.get_context("spawn").Process(
            target=_write, args=(str(store_path), str(directory)), daemon=True
        )
        process.start()
        process.join(TIMEOUT_S)
        if process.is_alive():
            process.kill()
            raise StoreUnavailable(f"writing the dumps took more than {TIMEOUT_S} s")
        if process.exitcode != 0:
            raise StoreUnavailable(f"writing the dumps failed (exit status {process.exitcode})")
        recorded.write_text(json.dumps(fingerprint), encoding="utf-8")
        return directory
