"""Real SPARQL servers for the tests, on free loopback ports, stopped when the tests end."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.peers import free_port as free_port  # one helper for the tests' and bench's servers


@dataclass(frozen=True)
class Endpoints:
    """The URLs of a running SPARQL 1.1 store."""

    query: str
    update: str
    graph_store: str | None


def wait_until_up(
    url: str, process: subprocess.Popen[bytes], log: Path, seconds: float = 30
) -> None:
    """Poll `url` until it answers; fail with the server's output if it dies or never answers."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = log.read_text(errors="replace")
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
    """Run a server until the block ends; wait first until `probe` answers.

    Its output goes to a file, not a pipe: a pipe nobody reads fills up after a few hundred
    access-log lines and the server blocks on it.
    """
    with tempfile.TemporaryDirectory() as directory:
        log = Path(directory) / "server.log"
        with (
            log.open("wb") as output,
            subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env) as process,
        ):
            try:
                wait_until_up(probe, process, log)
                yield
            finally:
                process.terminate()
                process.wait(timeout=20)


@contextmanager
def oxigraph_server(location: Path, *, union_default_graph: bool = True) -> Iterator[Endpoints]:
    """`oxigraph serve` (the PyPI `oxigraph` package), by default with a union default graph."""
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "oxigraph"),
        "serve",
        "--location",
        str(location),
        "--bind",
        f"127.0.0.1:{port}",
    ]
    if union_default_graph:
        command.append("--union-default-graph")
    base = f"http://127.0.0.1:{port}"
    with _running(command, f"{base}/query?query=ASK%7B%7D"):
        yield Endpoints(f"{base}/query", f"{base}/update", f"{base}/store")


@contextmanager
def coopgraph_server(
    store: Path | None,
    env: dict[str, str] | None = None,
    port: int | None = None,
    args: Sequence[str] = (),
) -> Iterator[str]:
    """`coopgraph serve` (gunicorn) over a store, on a free loopback port; yields /sparql's URL.

    `env` is added to the server's environment: settings such as COOPGRAPH_MAX_ROWS. `port`
    (default: a free one) lets a caller mint IRIs with the server's address before it starts.
    `args` are more options (`--endpoint URL` and no `store`: a remote store).
    """
    port = port or free_port()
    command = [str(Path(sys.executable).parent / "coopgraph"), "serve", "--port", str(port)]
    command += ["--store", str(store)] if store is not None else []
    command += args
    url = f"http://127.0.0.1:{port}/sparql"
    with _running(command, url, {**os.environ, **env} if env else None):
        yield url


def virtuoso_endpoints() -> Endpoints | None:
    """The Virtuoso started by scripts/virtuoso.sh, when COOPGRAPH_TEST_VIRTUOSO names it."""
    url = os.environ.get("COOPGRAPH_TEST_VIRTUOSO")
    return Endpoints(url, url, None) if url else None
