"""Where records are stored: the embedded pyoxigraph store, or a remote SPARQL 1.1 store."""

from __future__ import annotations

import os
from pathlib import Path

from coopgraph.server.store.base import Stats, Store, StoredRecord
from coopgraph.server.store.embedded import EmbeddedStore
from coopgraph.server.store.remote import RemoteStore

__all__ = [
    "EmbeddedStore",
    "RemoteStore",
    "Stats",
    "Store",
    "StoredRecord",
    "default_store_path",
    "open_store",
]


def default_store_path() -> Path:
    """COOPGRAPH_STORE, else $XDG_DATA_HOME/coopgraph/store (~/.local/share/coopgraph/store)."""
    if os.environ.get("COOPGRAPH_STORE"):
        return Path(os.environ["COOPGRAPH_STORE"])
    data = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data) / "coopgraph" / "store"


def open_store(
    path: Path | None = None,
    *,
    endpoint: str | None = None,
    update_endpoint: str | None = None,
    graph_store: str | None = None,
    read_only: bool = False,
) -> Store:
    """The remote store when an endpoint is given, else the embedded store at `path`."""
    if endpoint:
        return RemoteStore(endpoint, update_endpoint, graph_store)
    return EmbeddedStore(path or default_store_path(), read_only=read_only)
