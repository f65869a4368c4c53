"""The OpenAPI 3.1 description of the HTTP API (`/openapi.json`) and its page (`/openapi`).

Built from the same tables the routes negotiate with, so the media types it promises are the
ones served. The page is rendered by our own template: no external script.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, url_for

from coopgraph.server import pagekit
from coopgraph.server.linkeddata import DOCUMENTS
from coopgraph.server.negotiation import RDF_GRAPHS, SPARQL_RESULTS

blueprint = Blueprint("openapi", __name__)

#: Media types a record may be submitted in (`POST /validate`, `/records`).
RECORD_TYPES = (
    "text/plain",
    "text/html",
    "application/json",
    "text/turtle",
    "application/n-triples",
    "application/ld+json",
)
_TEXT = {"schema": {"type": "string"}}


def _answer(description: str, *media_types: str) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": description}
    if media_types:
        answer["content"] = {media_type: _TEXT for media_type in media_types}
    return answer


def _errors(*statuses: int) -> dict[str, Any]:
    meanings = {
        400: "Malformed request or input (the message names the line, column or field)",
        401: "No valid bearer token",
        403: "Writes are off, or the operation is refused on this endpoint",
        404: "Unknown resource",
        406: "No acceptable representation",
        409: "Conflict: the record's id is taken, or differs from the URL's",
        413: "Body over COOPGRAPH_MAX_UPLOAD_BYTES",
        415: "Unsupported media type",
        422: "The record does not conform (the body is the validation report) or is not one "
        "record of the publisher's namespace",
        503: "The query was stopped (timeout, memory) or the store is unavailable",
    }
    return {str(status): _answer(meanings[status], "text/plain") for status in statuses}


def _record_body() -> dict[str, Any]:
    content: dict[str, Any] = {media_type: _TEXT for media_type in RECORD_TYPES}
    content["multipart/form-data"] = {
        "schema": {
            "type": "object",
            "properties": {
                "file": {"type": "string", "format": "binary"},
                "text": {"type": "string"},
                "format": {"type": "string"},
            },
        }
    }
    return {"required": True, "content": content}


def _path_parameter(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string"},
    }


def _sparql() -> dict[str, Any]:
    results = (*SPARQL_RESULTS, *RDF_GRAPHS)
    parameters = [
        {"name": "query", "in": "query", "schema": {"type": "string"}},
        {"name": "default-graph-uri", "in": "query", "schema": {"type": "string"}},
        {"name": "named-graph-uri", "in": "query", "schema": {"type": "string"}},
        {"name": "format", "in": "query", "schema": {"type": "string"}},
    ]
    answered = _answer(
        "Results (SELECT/ASK or CONSTRUCT/DESCRIBE), the service description without a "
        "query, or the editor for a browser",
        *results,
        "text/html",
    )
    answered["headers"] = {
        "Coopgraph-Cache": {
            "schema": {"type": "string", "enum": ["hit", "miss"]},
            "description": "results: hit when answered from memory (COOPGRAPH_RESULT_CACHE_MB)",
        },
        "Coopgraph-Truncated": {
            "schema": {"type": "string", "enum": ["true", "false"]},
            "description": "SELECT results: whether rows were cut at Coopgraph-Row-Limit",
        },
        "Coopgraph-Row-Limit": {
            "schema": {"type": "string"},
            "description": "SELECT results: the most rows an answer has (COOPGRAPH_MAX_ROWS)",
        },
    }
    answers = {"200": answered, **_errors(400, 403, 406, 415, 503)}
    return {
        "get": {
            "summary": "SPARQL 1.1 query (read-only)",
            "parameters": parameters,
            "responses": answers,
        },
        "post": {
            "summary": "SPARQL 1.1 query, form-encoded or direct",
            "requestBody": {
                "content": {
                    "application/sparql-query": _TEXT,
                    "application/x-www-form-urlencoded": {
                        "schema": {"type": "object", "properties": {"query": {"type": "string"}}}
                    },
                }
            },
            "responses": answers,
        },
    }


def _records() -> dict[str, Any]:
    secured: list[dict[str, list[str]]] = [{"bearer": []}]
    identifier = _path_parameter("id", "the record's id (letters, digits, '.', '_', '-')")
    stored = {
        **_answer("The validation report (JSON) of the stored record", "application/json"),
        "headers": {"Location": {"schema": {"type": "string"}, "description": "its IRI"}},
    }
    return {
        "/records": {
            "post": {
                "summary": "Create a record (validated first)",
                "security": secured,
                "requestBody": _record_body(),
                "responses": {"201": stored, **_errors(400, 401, 403, 409, 413, 415, 422)},
            }
        },
        "/records/{id}": {
            "parameters": [identifier],
            "put": {
                "summary": "Create or replace the record under this id (validated first)",
                "security": secured,
                "requestBody": _record_body(),
                "responses": {
                    "200": stored,
                    "201": stored,
                    **_errors(400, 401, 403, 404, 409, 413, 415, 422),
                },
            },
            "delete": {
                "summary": "Delete the record's named graph",
                "security": secured,
                "responses": {"204": {"description": "Deleted"}, **_errors(401, 403, 404)},
            },
        },
    }


def _documents(path: str, summary: str, *parameters: dict[str, Any]) -> dict[str, Any]:
    return {
        path: {
            "get": {
                "summary": summary,
                "parameters": list(parameters),
                "responses": {
                    "200": _answer("The representation Accept asks for", *DOCUMENTS),
                    "304": {"description": "Not modified (If-None-Match)"},
                    **_errors(404, 406),
                },
            }
        }
    }


def description() -> dict[str, Any]:
    """The OpenAPI 3.1 document of this server."""
    resource = _path_parameter("path", "the rest of the IRI, with an optional format suffix")
    validate_answers = {
        "200": _answer(
            "The validation report: JSON, the sh:ValidationReport in RDF, or a page",
            "application/json",
            "text/turtle",
            "application/ld+json",
            "application/n-triples",
            "text/html",
        ),
        **_errors(400, 406, 413, 415, 422),
    }
    paths: dict[str, Any] = {
        "/sparql": _sparql(),
        "/validate": {
            "get": {"summary": "The validation form", "responses": {"200": _answer("Page")}},
            "post": {
                "summary": "Validate a record; store nothing",
                "requestBody": _record_body(),
                "responses": validate_answers,
            },
        },
        **_records(),
        **_documents("/id/{path}", "A resource of the data", resource),
        **_documents("/graph/{path}", "A record's named graph (its provenance)", resource),
        **_documents("/vocab/{path}", "A concept scheme or concept", resource),
        **_documents("/ontology", "The ontology and concept schemes"),
        **_documents("/dataset", "The dataset description (VoID, DCAT)"),
        "/dumps/{name}": {
            "get": {
                "summary": "A dump of the store (gzip)",
                "parameters": [_path_parameter("name", "atlas.nq.gz or atlas.ttl.gz")],
                "responses": {
                    "200": _answer("The dump", "application/gzip"),
                    **_errors(404, 503),
                },
            }
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "coopgraph",
            "version": "1",
            "description": "Linked data of the Atlas français de la coopération décentralisée: "
            "SPARQL, resources, validation and writing of records.",
        },
        "servers": [{"url": url_for("pages.home", _external=True).rstrip("/")}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": paths,
    }


@blueprint.route("/openapi.json")
def document() -> Response:
    return jsonify(description())


@blueprint.route("/openapi")
def page() -> str:
    return pagekit.page("openapi.html", name="API", api=description())
