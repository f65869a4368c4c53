"""SPARQL 1.1 Protocol requests: which operation an HTTP request asks for, or why it is wrong.

Pure functions over the method, media type, URL parameters and body, so that the rules of the
protocol (https://www.w3.org/TR/sparql11-protocol/) are tested apart from any web framework.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from coopgraph.errors import MethodNotAllowed, ProtocolError, UnsupportedMediaType

FORM = "application/x-www-form-urlencoded"
QUERY_MEDIA_TYPE = "application/sparql-query"
UPDATE_MEDIA_TYPE = "application/sparql-update"
#: The methods the endpoint answers (a 405 lists them in `Allow`).
ALLOWED_METHODS = ("GET", "HEAD", "POST")


@dataclass(frozen=True)
class Operation:
    """A query or an update, with the RDF dataset the request names."""

    kind: str  # "query" or "update"
    text: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


def _media_type(content_type: str | None) -> tuple[str, dict[str, str]]:
    if not content_type:
        return "", {}
    kind, *parameters = (part.strip() for part in content_type.split(";"))
    pairs = (p.split("=", 1) for p in parameters if "=" in p)
    return kind.lower(), {key.strip().lower(): value.strip().strip('"') for key, value in pairs}


def _utf8(body: bytes, charset: str | None) -> str:
    if charset and charset.lower().replace("-", "") != "utf8":
        raise UnsupportedMediaType(
            f"charset {charset} is not supported", hint="send the body in UTF-8"
        )
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProtocolError(
            f"the body is not UTF-8 (byte {error.start})", hint="send the body in UTF-8"
        ) from error


def _one(parameters: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = parameters.get(name, [])
    if len(values) > 1:
        raise ProtocolError(f"{len(values)} '{name}' parameters", hint=f"send one {name}")
    return values[0] if values else None


def _graphs(parameters: Mapping[str, Sequence[str]], name: str) -> tuple[str, ...]:
    return tuple(parameters.get(name, []))


def _operation(parameters: Mapping[str, Sequence[str]]) -> Operation | None:
    """The query or update of URL or form parameters, with its dataset parameters."""
    query, update = _one(parameters, "query"), _one(parameters, "update")
    if query is not None and update is not None:
        raise ProtocolError("both a query and an update", hint="send one operation per request")
    if query is not None:
        return Operation(
            "query",
            query,
            _graphs(parameters, "default-graph-uri"),
            _graphs(parameters, "named-graph-uri"),
        )
    if update is not None:
        return Operation(
            "update",
            update,
            _graphs(parameters, "using-graph-uri"),
            _graphs(parameters, "using-named-graph-uri"),
        )
    return None


def parse_operation(
    method: str,
    content_type: str | None,
    url_parameters: Mapping[str, Sequence[str]],
    body: bytes,
) -> Operation | None:
    """The operation a request carries; None for a GET without one (a service description)."""
    method = method.upper()
    if method in ("GET", "HEAD"):  # HEAD: what GET would answer, without its body
        if "update" in url_parameters:
            raise MethodNotAllowed(
                f"an update cannot be sent with {method}", allowed=ALLOWED_METHODS, hint="POST it"
            )
        return _operation(url_parameters)
    if method != "POST":
        raise MethodNotAllowed(
            f"{method} is not a SPARQL protocol method",
            allowed=ALLOWED_METHODS,
            hint="use GET or POST",
        )
    kind, parameters = _media_type(content_type)
    if kind == FORM:
        text = _utf8(body, parameters.get("charset"))
        try:
            fields = urllib.parse.parse_qs(text, keep_blank_values=True, strict_parsing=bool(text))
        except ValueError as error:
            raise ProtocolError(f"malformed form body: {error}") from error
        operation = _operation(fields)
        if operation is None:
            raise ProtocolError("the form has neither 'query' nor 'update'")
        return operation
    if kind in (QUERY_MEDIA_TYPE, UPDATE_MEDIA_TYPE):
        text = _utf8(body, parameters.get("charset"))
        # A direct POST carries the operation in the body and the dataset in the URL.
        field = "query" if kind == QUERY_MEDIA_TYPE else "update"
        if field in url_parameters:
            raise ProtocolError(f"a {field} both in the URL and in the body")
        operation = _operation({**url_parameters, field: [text]})
        assert operation is not None
        return operation
    raise UnsupportedMediaType(
        f"a POST body of type {kind or 'unknown (no Content-Type)'} is not a SPARQL operation",
        hint=f"use {FORM}, {QUERY_MEDIA_TYPE} or {UPDATE_MEDIA_TYPE}",
    )
