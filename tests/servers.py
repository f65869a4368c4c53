"""Real SPARQL servers for the tests, on free loopback ports, stopped when the tests end."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Endpoints:
    """The URLs of a running SPARQL 1.1 store."""

    query: str
    update: str
    graph_store: str | None


def free_port() -> int:
    """A TCP port nobody listens on right now, on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    """Poll `url` until it answers; fail with the server's output if it dies or never answers."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            raise RuntimeError(f"the server exited with {process.returncode}: {output[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except urllib.error.HTTPError:
            return  # it answers, even if not 200
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"no answer from {url} after {seconds} s")


@contextmanager
def _running(command: list[str], probe: str, env: dict[str, str] | None = None) -> Iterator[None]:
    """Run a server until the block ends; wait first until `probe` answers."""
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env
    ) as process:
        try:
            wait_until_up(probe, process)
            yield
        finally:
            process.terminate()
            process.wait(timeout=20)


@contextmanager
def oxigraph_server(location: Path) -> Iterator[Endpoints]:
    """`oxigraph serve` (the PyPI `oxigraph` package) with a union default graph."""
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "oxigraph"),
        "serve",
        "--location",
        str(location),
        "--bind",
        f"127.0.0.1:{port}",
        "--union-default-graph",
    ]
    base = f"http://127.0.0.1:{port}"
    with _running(command, f"{base}/query?query=ASK%7B%7D"):
        yield Endpoints(f"{base}/query", f"{base}/update", f"{base}/store")


@contextmanager
def coopgraph_server(store: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """`coopgraph serve` (gunicorn) over a store, on a free loopback port; yields /sparql's URL.

    `env` is added to the server's environment: settings such as COOPGRAPH_MAX_ROWS.
    """
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "coopgraph"),
        "serve",
        "--port",
        str(port),
        "--store",
        str(store),
    ]
    url = f"http://127.0.0.1:{port}/sparql"
    with _running(command, url, {**os.environ, **env} if env else None):
        yield url


def virtuoso_endpoints() -> Endpoints | None:
    """The Virtuoso started by scripts/virtuoso.sh, when COOPGRAPH_TEST_VIRTUOSO names it."""
    url = os.environ.get("COOPGRAPH_TEST_VIRTUOSO")
    return Endpoints(url, url, None) if url else None
