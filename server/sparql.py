"""The /sparql blueprint: SPARQL 1.1 Protocol queries, the service description, nothing else.

The route only chains the tested parts: parse the request, refuse updates and outbound
operations, negotiate the media type, run the query in a killable worker (or find its answer
in memory, server/cache.py, and let server/replay.py give the same request that answer again),
stream the answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

from flask import (
    Blueprint,
    Response,
    current_app,
    render_template,
    request,
    stream_with_context,
    url_for,
)

from coopgraph.errors import ReadOnlyEndpoint
from coopgraph.server.description import service_description
from coopgraph.server.examples import DEFAULT_QUERY, EXAMPLES
from coopgraph.server.executor import Answer, Job
from coopgraph.server.guard import query_form, refuse_outbound
from coopgraph.server.negotiation import RDF_GRAPHS, RDFLIB_FORMATS, SPARQL_RESULTS, negotiate
from coopgraph.server.protocol import parse_operation
from coopgraph.server.queries import results
from coopgraph.server.replay import remember

blueprint = Blueprint("sparql", __name__)


def _wants_html() -> bool:
    """A browser: text/html named (not only */*) and preferred over every RDF type."""
    named = any(value == "text/html" for value, _ in request.accept_mimetypes)
    return named and request.accept_mimetypes.best_match(["text/html", *RDF_GRAPHS]) == "text/html"


@blueprint.route("/sparql", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
def endpoint() -> Response:
    """Answer a SPARQL query, or describe the service when no query is given."""
    operation = parse_operation(
        request.method, request.content_type, request.args.to_dict(flat=False), request.get_data()
    )
    accept, format_ = request.headers.get("Accept"), request.values.get("format")
    endpoint_url = url_for("sparql.endpoint", _external=True)  # absolute, as clients see it
    if not format_ and _wants_html() and (operation is None or operation.kind == "query"):
        # A browser: the editor, opened on the query it was sent (a page's "see the query" link).
        page = render_template(
            "editor.html",
            endpoint=endpoint_url,
            examples=EXAMPLES,
            default_query=operation.text if operation else DEFAULT_QUERY,
            run_at_once=operation is not None,
        )
        return Response(page, mimetype="text/html", headers={"Vary": "Accept"})
    if operation is None:
        media_type = negotiate(RDF_GRAPHS, accept, format_)
        description = service_description(endpoint_url)
        body = description.serialize(format=RDFLIB_FORMATS[media_type])
        return Response(body, mimetype=media_type, headers={"Vary": "Accept"})
    if operation.kind == "update":
        raise ReadOnlyEndpoint("this endpoint is read-only: updates are refused")
    refuse_outbound(operation.text, current_app.config["ALLOWED_SERVICES"])
    table = (
        RDF_GRAPHS if query_form(operation.text) in ("CONSTRUCT", "DESCRIBE") else SPARQL_RESULTS
    )
    media_type = negotiate(table, accept, format_)
    max_rows = int(current_app.config["MAX_ROWS"]) or None
    job = Job(
        operation.text,
        media_type,
        operation.default_graphs,
        operation.named_graphs,
        endpoint_url,
        max_rows,
    )
    chunks, kept = results().run(job)
    if kept is not None:
        remember(request.environ, job, kept)  # the same request again: answered before Flask
    first = next(chunks, b"")  # a bad query fails here, before the status line is sent
    headers = {"Vary": "Accept", "Coopgraph-Cache": "miss" if kept is None else "hit"}
    if isinstance(first, Answer):
        # Truncation is announced, never silent: a header a client (or the editor) can read.
        headers["Coopgraph-Row-Limit"] = str(first.limit or max_rows)  # a remote store's cap
        headers["Coopgraph-Truncated"] = "true" if first.truncated else "false"
        first = next(chunks, b"")
    second = next(chunks, None)
    if second is None:  # the whole answer came at once: sent with its length, not chunked
        return Response(cast(bytes, first), mimetype=media_type, headers=headers)

    def stream() -> Iterator[bytes]:
        yield first  # type: ignore[misc]
        yield second  # type: ignore[misc]
        yield from chunks  # type: ignore[misc]

    return Response(stream_with_context(stream()), mimetype=media_type, headers=headers)
