"""`coopgraph serve`: the Flask app under gunicorn, a production WSGI server.

One gunicorn process with threads (gthread) takes the connections; queries run in the app's
pool of query worker processes (COOPGRAPH_QUERY_WORKERS), which is where CPU is spent and where
a query can be stopped. More gunicorn processes would each start their own pool.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    """gunicorn running an application object we built (no import string, no config file)."""

    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


def serve(app: Flask, *, host: str, port: int, threads: int = 8, timeout_s: int = 120) -> None:
    """Serve the app until interrupted (gunicorn, gthread worker)."""
    options = {
        "bind": f"{host}:{port}",
        "workers": 1,
        "worker_class": "gthread",
        "threads": threads,
        # gunicorn's own timeout must exceed the query deadline, which stops queries first
        "timeout": max(timeout_s, int(app.config["QUERY_TIMEOUT_S"]) + 30),
        "accesslog": "-",
        "errorlog": "-",
    }
    _Gunicorn(app, options).run()
