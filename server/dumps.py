"""Dumps of the whole store at stable URLs, regenerated when the store changes.

Two files in the dumps directory (the setting DUMPS, default beside the store): `atlas.nq.gz`
(every named graph, N-Quads) and `atlas.ttl.gz` (the union of the graphs as Turtle, for tools
without quads). The store's state is fingerprinted (`site.fingerprint`); a dump older than the
state is rewritten in a separate process, into a temporary file renamed into place: a download
never sees half a dump. From the embedded store, that process opens it read-only. From a remote
store (`RemoteDump`), it asks for coopgraph's graphs (records, ontology, bookkeeping: not a
Virtuoso's own) one request each, which no store's row cap cuts; its `atlas.ttl.gz` is then
N-Triples, one triple a line (N-Triples is Turtle).
"""

from __future__ import annotations

import gzip
import json
import multiprocessing
import os
import threading
from dataclasses import dataclass
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

    from coopgraph.server.store.embedded import dump_named_graphs, has_merged_default_graph

    store = ox.Store.read_only(store_path)
    merged = has_merged_default_graph(store)
    for name, media_type in DUMPS.items():
        temporary = Path(directory) / f".{name}.{os.getpid()}.tmp"
        with gzip.open(temporary, "wb", compresslevel=6) as output:
            if media_type == "application/n-quads":
                dump_named_graphs(store, cast(IO[bytes], output), ox.RdfFormat.N_QUADS)
            else:
                everything = store.query(
                    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
                    use_default_graph_as_union=not merged,
                )
                assert isinstance(everything, ox.QueryTriples)
                everything.serialize(cast(IO[bytes], output), ox.RdfFormat.TURTLE)
        os.replace(temporary, Path(directory) / name)


@dataclass(frozen=True)
class RemoteDump:
    """Where to dump from when the store is remote: its query URL, and which graphs are ours."""

    endpoint: str
    graphs_under: tuple[str, ...]  # IRI prefixes of coopgraph's graphs


def _write_remote(source: RemoteDump, directory: str) -> None:  # in a separate process
    from coopgraph.server.store import RemoteStore

    store = RemoteStore(source.endpoint)
    graphs = list(store.graph_iris(source.graphs_under))
    for name, media_type in DUMPS.items():
        temporary = Path(directory) / f".{name}.{os.getpid()}.tmp"
        with gzip.open(temporary, "wb", compresslevel=6) as output:
            written = "nquads" if media_type == "application/n-quads" else "ntriples"
            store.dump_graphs(cast(IO[bytes], output), written, graphs)
        os.replace(temporary, Path(directory) / name)


def current_dumps(source: Path | RemoteDump, directory: Path, fingerprint: dict[str, str]) -> Path:
    """The dumps directory, with dumps matching `fingerprint` (written first if they do not).

    `source` is the embedded store's directory, or a remote store.
    """
    with _lock:
        directory.mkdir(parents=True, exist_ok=True)
        recorded = directory / FINGERPRINT_FILE
        written = recorded.exists() and all((directory / name).exists() for name in DUMPS)
        if written and json.loads(recorded.read_text(encoding="utf-8")) == fingerprint:
            return directory
        target, argument = (
            (_write_remote, source) if isinstance(source, RemoteDump) else (_write, str(source))
        )
        process = multiprocessing.get_context("spawn").Process(
            target=target, args=(argument, str(directory)), daemon=True
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
