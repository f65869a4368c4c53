"""`coopgraph serve`: the Flask app under gunicorn, a production WSGI server.

One gunicorn process with threads (gthread) takes the connections; queries run in the app's
pool of query worker processes (COOPGRAPH_QUERY_WORKERS), which is where CPU is spent and where
a query can be stopped. More gunicorn processes would each start their own pool.

A request must arrive whole, headers and body, within COOPGRAPH_REQUEST_TIMEOUT_S of its first
byte. gunicorn's gthread worker bounds only the wait for that first byte (5 s in a thread, then
`keepalive` in its poller): once a request has begun, each of its threads reads it with blocking
`recv()` calls and no deadline, so a client sending a byte now and then (slow loris) would hold a
thread for as long as it likes, and `--threads` such clients would stop the server. Our worker
reads the request through a reader with a deadline: past it the client gets a 408 and its
connection is closed, freeing the thread. Writing the answer is never bounded by it (a large
query result streams to a slow reader as before). The worker leans on gthread's internals as of
gunicorn 27: a connection's `parser` (which `TConn.init` keeps if one is set) and `handle`.
"""

from __future__ import annotations

import contextlib
import math
import socket
import time
from typing import Any, NoReturn

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.http.parser import RequestParser
from gunicorn.http.unreader import SocketUnreader
from gunicorn.http2.negotiation import prior_knowledge_allowed
from gunicorn.util import write_nonblock
from gunicorn.workers.gthread import ThreadWorker

from coopgraph.errors import InputError, RequestTimedOut

#: Seconds a request may take to arrive, headers and body (COOPGRAPH_REQUEST_TIMEOUT_S).
REQUEST_TIMEOUT_S = 10


class _DeadlineReader(SocketUnreader):  # type: ignore[misc]
    """gunicorn's socket reader, with a deadline for the whole request (headers and body).

    Each `recv()` may wait only for what is left before the deadline, which starts at the
    request's first read; the socket is blocking again after it, so writes are never cut.
    """

    def __init__(self, sock: socket.socket, parser: RequestParser, seconds: float) -> None:
        super().__init__(sock)
        self.parser = parser
        self.seconds = seconds
        self.deadline: float | None = None
        self.expired = False

    def restart(self) -> None:
        """A new request: its deadline starts at its first read."""
        self.deadline, self.expired = None, False

    def chunk(self, size_hint: int | None = None) -> bytes:
        if self.deadline is None:
            self.deadline = time.monotonic() + self.seconds
        bounded = self.sock.gettimeout()  # gunicorn draining an unread body sets its own
        remaining = self.deadline - time.monotonic()
        try:
            if remaining <= 0:
                raise TimeoutError
            self.sock.settimeout(remaining if bounded is None else min(bounded, remaining))
            try:
                data: bytes = super().chunk(size_hint)
                return data
            finally:
                self.sock.settimeout(bounded)
        except TimeoutError:
            if bounded is None:
                self._expire()
            self.expired = True  # the drain stops on the timeout it expects; we close it
            raise

    def _expire(self) -> NoReturn:
        self.expired = True
        if self.parser.mesg is not None:
            self.parser.mesg.force_close()  # an answer to a late body says Connection: close
        raise RequestTimedOut(
            f"the request did not arrive whole within {self.seconds:g} s",
            hint="send it again; the limit is COOPGRAPH_REQUEST_TIMEOUT_S",
        )


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    """gunicorn running an application object we built (no import string, no config file)."""

    def __init__(self, app: Flask, options: dict[str, Any], request_timeout_s: float) -> None:
        self.application = app
        self.options = options
        self.request_timeout_s = request_timeout_s
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


class DeadlineWorker(ThreadWorker):  # type: ignore[misc]
    """gunicorn's gthread worker, reading each HTTP/1 request with a deadline."""

    def handle(self, conn: Any) -> Any:
        """Serve one request of `conn`; a request not whole by its deadline closes it.

        So does a body the app did not read (a 401, say) that gunicorn cannot drain in time.
        """
        reader = self._reader(conn)
        if reader is None:
            return super().handle(conn)
        reader.restart()
        outcome = super().handle(conn)
        if not reader.expired:
            return outcome
        self.log.warning(
            "closed the connection of %s: its request did not arrive in time",
            conn.client[0] if isinstance(conn.client, tuple) else conn.client,
        )
        # Shut it here: gunicorn closes it in its main loop, gracefully, waiting up to 2 s
        # for the client to close its side (a slow client would not) while serving nobody.
        with contextlib.suppress(OSError):  # already gone
            conn.sock.shutdown(socket.SHUT_RDWR)
        return False

    def _reader(self, conn: Any) -> _DeadlineReader | None:
        """The connection's deadline reader, made on its first request; None for TLS or h2."""
        if conn.parser is None:
            if self.cfg.is_ssl or prior_knowledge_allowed(self.cfg, conn.client):
                return None  # gunicorn wraps or sniffs the socket first: its own parser
            if getattr(self.cfg, "protocol", "http") != "http":
                return None
            # what gunicorn's TConn.init would make, with our reader (init keeps a parser it finds)
            conn.parser = RequestParser(self.cfg, conn.sock, conn.client)
            conn.parser.unreader = _DeadlineReader(
                conn.sock, conn.parser, float(self.app.request_timeout_s)
            )
        reader = getattr(conn.parser, "unreader", None)
        return reader if isinstance(reader, _DeadlineReader) else None

    def handle_error(self, req: Any, client: socket.socket, addr: Any, exc: BaseException) -> None:
        """Headers that came too late: a 408 as the app words it; other errors as gunicorn does."""
        if not isinstance(exc, RequestTimedOut):
            super().handle_error(req, client, addr, exc)
            return
        body = f"{exc}\n".encode()
        head = (
            "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        with contextlib.suppress(OSError):  # the client is gone, or reads nothing
            write_nonblock(client, head.encode() + body)


def request_timeout(app: Flask) -> float:
    """COOPGRAPH_REQUEST_TIMEOUT_S, checked: seconds a request may take to arrive."""
    value = app.config.get("REQUEST_TIMEOUT_S", REQUEST_TIMEOUT_S)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < math.inf:
        raise InputError(
            f"COOPGRAPH_REQUEST_TIMEOUT_S={value!r} is not a number of seconds",
            hint=f"e.g. {REQUEST_TIMEOUT_S}",
        )
    return float(value)


def serve(app: Flask, *, host: str, port: int, threads: int = 8, timeout_s: int = 120) -> None:
    """Serve the app until interrupted (gunicorn, gthread worker with request deadlines)."""
    options = {
        "bind": f"{host}:{port}",
        "workers": 1,
        "worker_class": DeadlineWorker,
        "threads": threads,
        # gunicorn's own timeout must exceed the query deadline, which stops queries first
        "timeout": max(timeout_s, int(app.config["QUERY_TIMEOUT_S"]) + 30),
        "accesslog": "-",
        "errorlog": "-",
    }
    _Gunicorn(app, options, request_timeout(app)).run()
