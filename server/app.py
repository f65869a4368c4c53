"""The Flask application: settings, blueprints, one error handler, CORS."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

from coopgraph import settings
from coopgraph.errors import CoopgraphError, ResourceNotFound
from coopgraph.machine import usable_cores
from coopgraph.server.store import default_store_path


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create and configure an instance of the Flask application."""
    app = Flask(__name__)
    app.config.from_mapping(
        STORE=str(default_store_path()),
        ENDPOINT=None,  # a remote SPARQL 1.1 store's query URL: served instead of STORE
        UPDATE_ENDPOINT=None,  # its SPARQL Update URL (default: ENDPOINT), for /records
        GRAPH_STORE=None,  # its Graph Store Protocol URL: records replaced by PUT
        REMOTE_CONNECTIONS=8,  # queries sent to the remote store at once
        REMOTE_CHECK_S=10,  # seconds between looks at the remote store's state; 0: never
        BASE=settings.as_base(),
        PUBLISH_PERSONAL_DATA=settings.as_bool(settings.PUBLISH_PERSONAL_DATA),
        DUMPS=None,  # default: beside the store, {STORE}.dumps
        QUERY_TIMEOUT_S=30,
        QUERY_WORKERS=usable_cores() + 1,  # one more than the cores: none idles between
        QUERY_MEMORY_MB=1024,
        MAX_ROWS=100_000,
        RESULT_CACHE_MB=64,  # answers kept in memory for repeated queries; 0: none
        ALLOWED_SERVICES=[],
        MAX_UPLOAD_BYTES=5 * 1024 * 1024,  # a record submitted to /validate or /records
        TOKENS=None,  # write tokens, "name:token,name2:token2"; none: writes are off
    )
    app.config.from_prefixed_env("COOPGRAPH")  # COOPGRAPH_QUERY_TIMEOUT_S=10, …
    if test_config:
        app.config.update(test_config)

    from coopgraph.server import auth, linkeddata, openapi, records, site, sparql, submission
    from coopgraph.server.replay import Replay

    # Behind a reverse proxy, X-Forwarded-Proto/Host/Prefix give the URLs clients see.
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_prefix=1)  # type: ignore[method-assign]
    # Outermost: a repeated query answered from memory skips the rest (server/replay.py).
    app.wsgi_app = Replay(app.wsgi_app, lambda: app.extensions.get("coopgraph.results"))  # type: ignore[method-assign]

    app.config["BASE"] = settings.as_base(str(app.config["BASE"]))
    app.config["PUBLISH_PERSONAL_DATA"] = settings.as_bool(
        settings.PUBLISH_PERSONAL_DATA, str(app.config["PUBLISH_PERSONAL_DATA"])
    )

    auth.parse_tokens(app.config["TOKENS"])  # a malformed or short token stops the start here

    app.register_blueprint(sparql.blueprint)
    app.register_blueprint(linkeddata.blueprint)
    app.register_blueprint(site.blueprint)
    app.register_blueprint(submission.blueprint)
    app.register_blueprint(records.blueprint)
    app.register_blueprint(openapi.blueprint)
    app.register_error_handler(CoopgraphError, _error)
    app.register_error_handler(ResourceNotFound, linkeddata.not_found)
    app.after_request(_cors)
    return app


def _error(error: CoopgraphError) -> Response:
    """Every error a client can cause, with the status its class carries, as plain text."""
    return Response(
        f"{error}\n", status=error.status, mimetype="text/plain", headers=error.headers()
    )


def _cors(response: Response) -> Response:
    """Any origin may query (no credentials): notebooks and editors elsewhere can use it."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = (
        "Coopgraph-Row-Limit, Coopgraph-Truncated, Coopgraph-Cache"
    )
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, PUT, DELETE, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept, Authorization"
    return response
