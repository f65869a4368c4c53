"""The load generator of bench/endpoint.py: threads, each with one keep-alive HTTP connection.

Python threads and http.client in the benchmark's own process: light, but it shares the cores
with the server it measures, and the GIL caps it near one core.
"""

from __future__ import annotations

import http.client
import json
import math
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Sequence

ACCEPT = "application/sparql-results+json"
#: Longer query URLs go as a POST form (no query here is that long).
MAX_GET_TARGET = 4000


class Connection:
    """One persistent HTTP connection to a SPARQL endpoint, reopened when the server closes it."""

    def __init__(self, url: str, timeout: float) -> None:
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.path, self.timeout = parts.path or "/", timeout
        self._http: http.client.HTTPConnection | None = None

    def ask(self, query: str) -> tuple[int, bytes]:
        """(status, body) of one query; raises OSError when there is no answer."""
        target = f"{self.path}?{urllib.parse.urlencode({'query': query})}"
        method, body, headers = "GET", None, {"Accept": ACCEPT}
        if len(target) > MAX_GET_TARGET:
            method, target, body = "POST", self.path, urllib.parse.urlencode({"query": query})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for _ in range(2):
            reused = self._http is not None
            if self._http is None:
                self._http = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self._http.request(method, target, body, headers)
                response = self._http.getresponse()
                data = response.read()
                if response.will_close:
                    self.close()
                return response.status, data
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if not reused:  # a fresh connection failed: the server's fault, not keep-alive's
                    raise
            except (OSError, http.client.HTTPException):
                self.close()
                raise
        raise ConnectionError("closed twice")  # unreachable: the second try raises or returns

    def close(self) -> None:
        """Close the connection (the next request opens another)."""
        if self._http is not None:
            self._http.close()
            self._http = None


def count_rows(body: bytes) -> int:
    """Rows of a SPARQL JSON result (an ASK: 1 if true, 0 if false)."""
    result = json.loads(body)
    if "boolean" in result:
        return int(bool(result["boolean"]))
    return len(result["results"]["bindings"])


def whole(body: bytes) -> bool:
    """Whether a JSON answer ends as a JSON answer does (`}`), not cut short."""
    # A server that stops a query at its limit after the first bytes (oxigraph) has already
    # sent 200: it can only cut the answer short.
    return body.rstrip().endswith(b"}")


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The `fraction` quantile, linearly interpolated between the closest ranks (None if empty)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = fraction * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def first_answer(url: str, text: str, timeout: float) -> tuple[int | None, float, str]:
    """Ask a query once, alone: (rows, milliseconds, error or "")."""
    connection = Connection(url, timeout)
    started = time.perf_counter()
    try:
        status, body = connection.ask(text)
    except (OSError, http.client.HTTPException) as error:
        return None, (time.perf_counter() - started) * 1000, f"no answer: {type(error).__name__}"
    finally:
        connection.close()
    milliseconds = (time.perf_counter() - started) * 1000
    if not 200 <= status < 300:
        return None, milliseconds, f"HTTP {status}: {body[:160].decode(errors='replace')!r}"
    try:
        return count_rows(body), milliseconds, ""
    except (ValueError, KeyError, TypeError) as error:
        problem = "cut short: 200, then the answer stops" if not whole(body) else "not JSON"
        return None, milliseconds, f"{problem} ({error})"


def load_cell(
    url: str, next_text: Callable[[], str], connections: int, seconds: float, timeout: float
) -> dict[str, float | int | str | None]:
    """C threads, each with its keep-alive connection, asking until `seconds` have passed."""
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client() -> None:
        connection = Connection(url, timeout)
        mine: list[float] = []
        failed: Counter[str] = Counter()
        while time.perf_counter() < deadline:
            text = next_text()
            started = time.perf_counter()
            try:
                status, body = connection.ask(text)
            except ConnectionRefusedError:
                failed["connection refused"] += 1
                break  # nobody listens any more: asking again would only count the same error
            except (OSError, http.client.HTTPException) as error:
                failed[type(error).__name__] += 1
                continue
            if 200 <= status < 300 and not whole(body):
                failed["cut answer"] += 1
            elif 200 <= status < 300:
                mine.append(time.perf_counter() - started)
            else:
                failed[f"HTTP {status}"] += 1
        connection.close()
        with lock:
            latencies.extend(mine)
            errors.update(failed)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
    return {
        "p50_ms": None if p50 is None else p50 * 1000,
        "p95_ms": None if p95 is None else p95 * 1000,
        "rps": len(latencies) / elapsed,
        "errors": sum(errors.values()),
        "requests": len(latencies) + sum(errors.values()),
        "note": ", ".join(f"{count} × {kind}" for kind, count in errors.most_common()),
    }
