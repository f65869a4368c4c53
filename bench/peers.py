"""The SPARQL servers that bench/endpoint.py compares, started one at a time on loopback.

Each peer runs on a free 127.0.0.1 port until its block ends, then is stopped (its whole process
group: gunicorn's workers, Virtuoso's threads). Its output goes to a log file in the work folder,
never a pipe (a pipe nobody reads fills up and blocks the server).

- ours: `coopgraph serve` over the store itself (read-only: no COOPGRAPH_TOKENS).
- oxigraph: `oxigraph serve` over a copy of the store (it opens it read-write), whose default
  graph is the merge of the record graphs, as ours queries it.
- rdflib: `rdflib-endpoint serve DUMP`: an in-memory rdflib Dataset whose default graph is the
  union of the named graphs, each triple once (the merge).
- ours-virtuoso: `coopgraph serve --endpoint` in front of that same Virtuoso (a remote store):
  what a deployment that outgrew one machine serves; its memory is ours alone, not Virtuoso's.
- virtuoso: Debian's virtuoso-t with a fresh database, DUMP bulk-loaded (ld_dir, rdf_loader_run):
  without FROM it queries all graphs, a triple once per graph holding it: a join through a
  triple that many records repeat (an organisation's label) multiplies rows there.

Ours and Virtuoso get the same query time limit; rdflib-endpoint has none, and oxigraph's dies
under load (see `serving`).
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import signal
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

PEERS = ("ours", "ours-virtuoso", "oxigraph", "rdflib", "virtuoso")
#: Seconds a peer may take to answer its first query: rdflib-endpoint parses the whole dump first.
STARTUP_LIMIT_S = {
    "ours": 60.0,
    "ours-virtuoso": 120.0,
    "oxigraph": 60.0,
    "rdflib": 1800.0,
    "virtuoso": 120.0,
}
VIRTUOSO_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
#: rdflib-endpoint's resident memory per byte of the N-Quads dump it serves (measured: 2,920 MiB
#: for the 440 MB dump of 13,600 records, in the report run of bf1bc9c).
RDFLIB_BYTES_PER_DUMP_BYTE = 7
#: The share of the available memory a peer may be expected to take.
MEMORY_SHARE = 0.8


class PeerFailed(Exception):
    """A peer could not be started or loaded; the message says why, with its log's tail."""


@dataclass(frozen=True)
class Data:
    """The same data in the forms the peers read."""

    store: Path  # the loaded coopgraph store (ours reads it, read-only), or its merged copy
    copy: Path | None  # a copy of it, default graph merged, for oxigraph (opens it read-write)
    dump: Path | None  # its N-Quads dump, for rdflib and Virtuoso


@dataclass(frozen=True)
class Served:
    """A peer answering queries."""

    peer: str
    url: str  # its SPARQL query endpoint
    version: str
    pid: int
    startup_s: float  # from start until it answered, loading included
    load_s: float | None  # the bulk load alone, where it is a separate step (Virtuoso)
    process: subprocess.Popen[bytes]
    log: Path

    def exited(self) -> str:
        """ "" while the server runs; once it has exited, its status and the end of its log."""
        if self.process.poll() is None:
            return ""
        return f"exited with {self.process.returncode}: {_tail(self.log, 600)}"


def _bin(name: str) -> Path:
    """A console script of the running interpreter's environment."""
    return Path(sys.executable).parent / name


def unavailable(peer: str) -> str | None:
    """Why a peer cannot run here, or None when its tools are installed."""
    if peer == "ours":
        return None if _bin("coopgraph").is_file() else "no coopgraph script: pip install -e ."
    if peer == "oxigraph":
        return None if _bin("oxigraph").is_file() else "no oxigraph CLI: pip install -e '.[bench]'"
    if peer == "rdflib":
        if not _bin("rdflib-endpoint").is_file():
            return "no rdflib-endpoint CLI: pip install -e '.[bench]'"
        return None
    if peer in ("virtuoso", "ours-virtuoso"):
        missing = [tool for tool in ("virtuoso-t", "isql-vt") if not shutil.which(tool)]
        if missing or not VIRTUOSO_INI.is_file():
            return f"no {', '.join(missing) or VIRTUOSO_INI}: apt-get install virtuoso-opensource"
        return None
    return f"unknown peer (choose among {', '.join(PEERS)})"


def too_big(peer: str, data: Data) -> str | None:
    """Why a peer cannot hold these data in this machine's memory, or None when it can.

    Only rdflib-endpoint holds everything in memory: its resident memory is about
    `RDFLIB_BYTES_PER_DUMP_BYTE` times the N-Quads dump it reads (2,920 MiB for the 440 MB dump
    of 13,600 records), and it is not started when that exceeds `MEMORY_SHARE` of the memory
    available now: swapping, or the kernel's OOM killer, would measure nothing.
    """
    if peer != "rdflib" or data.dump is None:
        return None
    needed = data.dump.stat().st_size * RDFLIB_BYTES_PER_DUMP_BYTE
    available = available_memory()
    if available is None or needed <= MEMORY_SHARE * available:
        return None
    return (
        f"not run: rdflib-endpoint holds the whole dump in memory, about {needed / 2**30:.0f} GiB "
        f"here, and {available / 2**30:.0f} GiB are available"
    )


def available_memory() -> int | None:
    """Bytes of memory available now (MemAvailable), None where /proc/meminfo is not."""
    try:
        lines = Path("/proc/meminfo").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    return None


def version(peer: str) -> str:
    """The peer's version, best effort (for the printed table and the JSON)."""
    try:
        if peer == "ours":
            return "coopgraph " + importlib.metadata.version("coopgraph")
        if peer == "rdflib":
            return f"rdflib-endpoint {importlib.metadata.version('rdflib-endpoint')}, " + (
                f"rdflib {importlib.metadata.version('rdflib')}"
            )
        if peer == "oxigraph":
            command = [str(_bin("oxigraph")), "--version"]
        else:
            command = ["virtuoso-t", "+version"]
        done = subprocess.run(command, capture_output=True, text=True, timeout=10)
        text = done.stdout + done.stderr
        found = re.search(r"oxigraph \S+|Version \S+", text)
        return found.group(0).replace("Version", "virtuoso") if found else text.strip()[:40]
    except (OSError, subprocess.SubprocessError, importlib.metadata.PackageNotFoundError):
        return "?"


def free_port() -> int:
    """A TCP port nobody listens on right now, on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _tail(log: Path, characters: int = 1500) -> str:
    return log.read_text(errors="replace")[-characters:] if log.is_file() else "(no log)"


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path, seconds: float) -> None:
    """Poll `url` (an ASK) until it answers; PeerFailed if the server exits or never answers."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise PeerFailed(f"exited with {process.returncode}; its log ends:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError as error:
            if error.code < 500:  # answering, but refusing the probe: waiting will not help
                raise PeerFailed(f"answers {error.code} to {url}: {_tail(log)}") from error
            time.sleep(0.2)  # Virtuoso answers 500 while it starts
        except OSError:
            time.sleep(0.2)
    raise PeerFailed(f"no answer from {url} after {seconds:.0f} s; its log ends:\n{_tail(log)}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process group we started, SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    with_group = process.pid  # started with start_new_session: its group id is its pid
    try:
        os.killpg(with_group, signal.SIGTERM)
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(with_group, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


@contextmanager
def _process(
    command: list[str], log: Path, *, cwd: Path | None = None, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a server in its own process group until the block ends, its output in `log`."""
    with (
        log.open("wb") as output,
        subprocess.Popen(
            command,
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=env,
            start_new_session=True,
        ) as process,
    ):
        try:
            yield process
        finally:
            _stop(process)


def _probe(url: str) -> str:
    return f"{url}?query=ASK%7B%7D"


@contextmanager
def serving(peer: str, data: Data, work: Path, timeout_s: int) -> Iterator[Served]:
    """Start `peer` over `data` on a free loopback port; yield it answering; stop it after."""
    port = free_port()
    log = work / f"{peer}.log"
    base = f"http://127.0.0.1:{port}"
    env: dict[str, str] | None = None
    cwd: Path | None = None
    if peer == "ours":
        env = {k: v for k, v in os.environ.items() if k != "COOPGRAPH_TOKENS"}  # read-only
        env["COOPGRAPH_QUERY_TIMEOUT_S"] = str(timeout_s)
        command = [str(_bin("coopgraph")), "serve", "--store", str(data.store), "--port", str(port)]
        url = f"{base}/sparql"
    elif peer == "oxigraph":
        if data.copy is None:
            raise PeerFailed("no copy of the store was prepared")
        # No --union-default-graph: the copy's default graph is the merge already (the union
        # would add every named graph's triples again). No --timeout-s either: oxigraph 0.5.13
        # then starts a watchdog thread a query that lives as long as the limit, and at a few
        # thousand requests/s it dies ("failed to set up alternative stack guard page").
        command = [str(_bin("oxigraph")), "serve", "--location", str(data.copy)]
        command += ["--bind", f"127.0.0.1:{port}"]
        url = f"{base}/query"
    elif peer == "rdflib":
        if data.dump is None:
            raise PeerFailed("no N-Quads dump was prepared")
        command = [str(_bin("rdflib-endpoint")), "serve", str(data.dump)]
        command += ["--host", "127.0.0.1", "--port", str(port)]
        url = f"{base}/"
    elif peer in ("virtuoso", "ours-virtuoso"):
        if data.dump is None:
            raise PeerFailed("no N-Quads dump was prepared")
        cwd = work / "virtuoso"
        shutil.rmtree(cwd, ignore_errors=True)
        cwd.mkdir()
        sql_port = free_port()
        ini = virtuoso_ini(
            VIRTUOSO_INI.read_text(), cwd, sql_port, port, data.dump.parent, timeout_s
        )
        (cwd / "virtuoso.ini").write_text(ini)
        command = ["virtuoso-t", "+foreground", "+configfile", str(cwd / "virtuoso.ini")]
        url = f"{base}/sparql"
    else:
        raise PeerFailed(f"unknown peer {peer!r}")
    started = time.perf_counter()
    with _process(command, log, cwd=cwd, env=env) as process:
        wait_until_up(_probe(url), process, log, STARTUP_LIMIT_S[peer])
        load_s = None
        if peer in ("virtuoso", "ours-virtuoso") and data.dump is not None:
            load_s = virtuoso_load(f"127.0.0.1:{sql_port}", data.dump)
        if peer == "ours-virtuoso":
            with _in_front(url, work, timeout_s, started, load_s) as served:
                yield served
            return
        startup_s = time.perf_counter() - started
        yield Served(peer, url, version(peer), process.pid, startup_s, load_s, process, log)


@contextmanager
def _in_front(
    remote: str, work: Path, timeout_s: int, started: float, load_s: float | None
) -> Iterator[Served]:
    """`coopgraph serve --endpoint` over a running remote store; yield it answering."""
    port = free_port()
    log = work / "ours-virtuoso.front.log"
    env = {k: v for k, v in os.environ.items() if k != "COOPGRAPH_TOKENS"}  # read-only
    env["COOPGRAPH_QUERY_TIMEOUT_S"] = str(timeout_s)
    command = [str(_bin("coopgraph")), "serve", "--endpoint", remote, "--port", str(port)]
    url = f"http://127.0.0.1:{port}/sparql"
    with _process(command, log, env=env) as process:
        wait_until_up(_probe(url), process, log, STARTUP_LIMIT_S["ours"])
        startup_s = time.perf_counter() - started
        name = f"{version('ours')} over {version('virtuoso')}"
        yield Served("ours-virtuoso", url, name, process.pid, startup_s, load_s, process, log)


def virtuoso_ini(
    template: str, directory: Path, sql_port: int, http_port: int, dump_dir: Path, timeout_s: int
) -> str:
    """Debian's virtuoso.ini for a database in `directory`, on loopback, tuned as documented.

    Beyond paths and ports: DirsAllowed lets the bulk loader read the dump; buffers as the ini's
    own "4 GB free" advice (its default of 10,000 buffers is for tiny machines); keep-alive
    connections up to 64 (the default 10 closes a 16-connection client's extra connections after
    each answer); ResultSetMaxRows as ours (COOPGRAPH_MAX_ROWS, 100,000: the default 10,000 cuts
    results silently); the query time limit as the other peers', and no refusal up front on the
    optimiser's cost estimate (it refuses the gallery's label joins before trying them).
    """
    default_db = "/var/lib/virtuoso-opensource-7/db"
    overrides = {
        ("Parameters", "ServerPort"): f"127.0.0.1:{sql_port}",
        ("Parameters", "DirsAllowed"): f"., {directory}, {dump_dir}",
        ("Parameters", "NumberOfBuffers"): "340000",
        ("Parameters", "MaxDirtyBuffers"): "250000",
        ("HTTPServer", "ServerPort"): f"127.0.0.1:{http_port}",
        ("HTTPServer", "MaxClientConnections"): "64",
        ("HTTPServer", "MaxKeepAlives"): "64",
        ("URIQA", "DefaultHost"): f"127.0.0.1:{http_port}",
        ("SPARQL", "ResultSetMaxRows"): "100000",
        ("SPARQL", "MaxQueryExecutionTime"): str(timeout_s),
        ("SPARQL", "MaxQueryCostEstimationTime"): "0",
    }
    lines, section = [], ""
    for line in template.replace(default_db, str(directory)).splitlines():
        header = re.match(r"\s*\[(\w[\w ]*)\]", line)
        setting = re.match(r"\s*(\w+)\s*=", line)
        if header:
            section = header.group(1)
        elif setting and (section, setting.group(1)) in overrides:
            line = f"{setting.group(1)} = {overrides[section, setting.group(1)]}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def virtuoso_load(sql_address: str, dump: Path) -> float:
    """Bulk-load the N-Quads dump (each quad into its own graph), checkpoint; seconds taken."""
    started = time.perf_counter()
    statements = (
        f"ld_dir('{dump.parent}', '{dump.name}', 'urn:coopgraph:bench:unused');"
        " rdf_loader_run(); checkpoint;"
        " SELECT 'LOAD_ERRORS', COUNT(*) FROM DB.DBA.LOAD_LIST WHERE ll_error IS NOT NULL;"
        " SELECT 'LOADED_FILES', COUNT(*) FROM DB.DBA.LOAD_LIST WHERE ll_state = 2;"
    )
    done = subprocess.run(
        ["isql-vt", sql_address, "dba", "dba", f"exec={statements}"],
        capture_output=True,
        text=True,
        timeout=3600,
    )
    output = done.stdout + done.stderr
    errors = re.search(r"LOAD_ERRORS\s+(\d+)", output)
    loaded = re.search(r"LOADED_FILES\s+(\d+)", output)
    if done.returncode or "*** Error" in output or not errors or not loaded:
        raise PeerFailed(f"Virtuoso's bulk load failed:\n{output[-1500:]}")
    if errors.group(1) != "0" or loaded.group(1) == "0":
        raise PeerFailed(
            f"Virtuoso loaded {loaded.group(1)} file(s) with errors:\n{output[-1500:]}"
        )
    return time.perf_counter() - started


def is_merged(store: Path) -> bool:
    """Whether the store's default graph is the merge of its named graphs (coopgraph's layout)."""
    import pyoxigraph as ox

    from coopgraph.server.store.embedded import has_merged_default_graph

    return bool(has_merged_default_graph(ox.Store.read_only(str(store))))


def prepare(store: Path, work: Path, peers: list[str]) -> tuple[Data, dict[str, float]]:
    """Copy the store, merge and dump it, as far as `peers` need; (data, seconds by step).

    The store we are given stays untouched: `coopgraph dump` opens its store read-write, so the
    dump is written from the copy; a store written before coopgraph kept its default graph as
    the merge of the record graphs (ours then queries pyoxigraph's union, which counts a triple
    once per graph holding it) is merged in the copy, which ours then serves, as a load would.
    """
    seconds: dict[str, float] = {}
    merged = is_merged(store)
    copy = dump = None
    if not merged or {"oxigraph", "rdflib", "virtuoso", "ours-virtuoso"} & set(peers):
        started = time.perf_counter()
        copy = work / "store-copy"
        shutil.copytree(store, copy)
        seconds["copy"] = time.perf_counter() - started
    if copy is not None and not merged:
        from coopgraph.server.store import open_store

        started = time.perf_counter()
        with open_store(copy) as opened:
            opened.merge_default_graph()
        seconds["merge the copy's default graph"] = time.perf_counter() - started
    if copy is not None and {"rdflib", "virtuoso", "ours-virtuoso"} & set(peers):
        started = time.perf_counter()
        dump = work / "dump" / "records.nq"  # alone in its folder: Virtuoso may read that folder
        dump.parent.mkdir()
        command = [str(_bin("coopgraph")), "dump", "--store", str(copy), "--format", "nquads"]
        subprocess.run([*command, "-o", str(dump)], check=True)
        seconds["dump"] = time.perf_counter() - started
    return Data(store if merged else (copy or store), copy, dump), seconds
