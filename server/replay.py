"""Kept answers replayed before Flask: a repeated GET /sparql costs a dictionary lookup.

A dashboard asking the same query again is answered from memory (server/cache.py), yet Flask
would still parse the request, negotiate, check the query and build the response: most of
the cost of a repeat. This WSGI layer, in front of the whole app, remembers the response
Flask gave for a request that the cache answered: its status and headers, and which kept
answer (`Cached`) its body was. The same request again gets that response at once, but only
while the cache still holds that very answer: once a write or a change of the store retires
it, or it is evicted, the request goes to Flask as any other.

"The same request" is the same method (GET, no body), path, query string, scheme, server and
every header but those that cannot change the answer (`IGNORED_HEADERS`): a header the app may
read one day is part of the key already. Bounded in bytes (`MAX_BYTES`), least recently used out.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from coopgraph.server.cache import Cached, ResultCache
from coopgraph.server.executor import Job

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

#: Where the /sparql view says which kept answer it served (`remember`).
ENVIRON_KEY = "coopgraph.replay"
#: Request headers that never change an answer's bytes or headers.
IGNORED_HEADERS = frozenset(
    {
        "HTTP_CONNECTION",
        "HTTP_KEEP_ALIVE",
        "HTTP_USER_AGENT",
        "HTTP_ACCEPT_ENCODING",
        "HTTP_REFERER",
        "HTTP_X_FORWARDED_FOR",
        "HTTP_X_REAL_IP",
        "HTTP_TE",
    }
)
#: The rest of the WSGI environment that decides a response (URLs are built from it).
ENVIRON_PARTS = (
    "PATH_INFO",
    "QUERY_STRING",
    "SCRIPT_NAME",
    "SERVER_NAME",
    "SERVER_PORT",
    "wsgi.url_scheme",
)
#: A request whose key is longer is not remembered (a query this long is rarely repeated).
MAX_KEY_BYTES = 16 * 1024
#: What all that is remembered may weigh: the bytes of keys, jobs and headers.
MAX_BYTES = 8 * 1024 * 1024
#: Bytes an entry costs besides its strings (objects, dict slot): a guess on the high side.
ENTRY_OVERHEAD = 1024


@dataclass(frozen=True)
class Replayable:
    """What the view served from memory: the cache's entry, and the job it answers."""

    job: Job
    cached: Cached


@dataclass(frozen=True)
class _Entry:
    status: str
    headers: list[tuple[str, str]]
    job: Job
    cached: weakref.ref[Cached]  # not kept alive here: the cache alone bounds the answers
    weight: int


def remember(environ: WSGIEnvironment, job: Job, cached: Cached) -> None:
    """Called by the view that answered this request with `cached`: the response may be replayed."""
    environ[ENVIRON_KEY] = Replayable(job, cached)


def _key(environ: WSGIEnvironment) -> tuple[str, ...] | None:
    """What decides the response to this request, or None if it is not one to remember."""
    if environ.get("REQUEST_METHOD") != "GET" or "HTTP_TRANSFER_ENCODING" in environ:
        return None
    if environ.get("CONTENT_LENGTH") not in (None, "", "0"):
        return None  # a GET with a body: the app decides what it means
    headers = sorted(
        f"{name}={value}"
        for name, value in environ.items()
        if name.startswith("HTTP_") and name not in IGNORED_HEADERS
    )
    key = (*(str(environ.get(part, "")) for part in ENVIRON_PARTS), *headers)
    return key if sum(len(part) for part in key) <= MAX_KEY_BYTES else None


class Replay:
    """WSGI middleware: responses the result cache gave, given again without the app."""

    def __init__(self, app: WSGIApplication, cache: Callable[[], ResultCache | None]) -> None:
        self.app = app
        self.cache = cache  # the app's cache, once it has one
        self.size = 0
        self._entries: OrderedDict[tuple[str, ...], _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        key = _key(environ)
        if key is None:
            return self.app(environ, start_response)
        replayed = self._replay(key)
        if replayed is not None:
            status, headers, body = replayed
            start_response(status, [*headers, ("Content-Length", str(len(body)))])
            return [body]

        def remembering(status: str, headers: list[tuple[str, str]], *info: Any) -> Any:
            served = environ.get(ENVIRON_KEY)
            if isinstance(served, Replayable) and status.startswith("200 "):
                self._keep(key, status, headers, served)
            return start_response(status, headers, *info)

        return self.app(environ, remembering)

    def _replay(self, key: tuple[str, ...]) -> tuple[str, list[tuple[str, str]], bytes] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
        cache, cached = self.cache(), entry.cached()
        if cache is None or cached is None or cache.lookup(entry.job) is not cached:
            return None  # retired or evicted: the app answers, and may remember it again
        return entry.status, entry.headers, cached.body

    def _keep(
        self, key: tuple[str, ...], status: str, headers: list[tuple[str, str]], served: Replayable
    ) -> None:
        kept = [(name, value) for name, value in headers if name.lower() != "content-length"]
        weight = (
            ENTRY_OVERHEAD
            + sum(len(part) for part in key)
            + len(served.job.query)
            + sum(len(name) + len(value) for name, value in kept)
        )
        entry = _Entry(status, kept, served.job, weakref.ref(served.cached), weight)
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self.size -= previous.weight
            self._entries[key] = entry
            self.size += weight
            while self.size > MAX_BYTES:
                _, evicted = self._entries.popitem(last=False)
                self.size -= evicted.weight
