"""Writing records over HTTP: `POST /records`, `PUT /records/{id}`, `DELETE /records/{id}`.

Each write needs a bearer token (server/auth.py); the token's name is recorded in the record's
provenance. A record is read and validated exactly as `POST /validate` does it; a violation is a
422 with the validation report and stores nothing. A stored record replaces its named graph in
one transaction (server/writes.py); the pages, the dumps and the dataset description follow,
since they are keyed on the store's state.
"""

from __future__ import annotations

import dataclasses
import re

from flask import Blueprint, Response, current_app, request
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import FOAF, PROV

from coopgraph.converters.text import slugify
from coopgraph.converters.to_rdf import ConversionOptions
from coopgraph.errors import InvalidRecord, RecordConflict, ResourceNotFound
from coopgraph.ontology import COOP
from coopgraph.server import auth
from coopgraph.server.queries import executor, open_store
from coopgraph.server.submission import json_document, received, validate_submission
from coopgraph.server.writes import RecordWriter

blueprint = Blueprint("records", __name__)
#: What a record id may look like in a URL (the converters' slugs, the Atlas' numbers).
IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")


def writer() -> RecordWriter:
    """The app's one writer, over the store its query workers serve."""
    found = current_app.extensions.get("coopgraph.writer")
    if found is None:
        found = RecordWriter(open_store, executor(), current_app.config["BASE"])
        current_app.extensions["coopgraph.writer"] = found
    return found


def _writer_name() -> str:
    tokens = auth.parse_tokens(current_app.config.get("TOKENS"))
    return auth.writer_name(request.headers.get("Authorization"), tokens)


def _options() -> ConversionOptions:
    return ConversionOptions(base=current_app.config["BASE"])


def _checked_identifier(identifier: str) -> str:
    if not IDENTIFIER.match(identifier):
        raise ResourceNotFound(
            f"{identifier!r} is not a record id", hint="ids are letters, digits, '.', '_', '-'"
        )
    return identifier


def _attributed(graph: Graph, graph_iri: URIRef, name: str) -> str:
    """The record's N-Triples, with the writer (the token's name) in its provenance."""
    agent = URIRef(f"{current_app.config['BASE']}id/agent/{slugify(name)}")
    graph.add((graph_iri, PROV.wasAttributedTo, agent))
    graph.add((agent, RDF.type, PROV.Agent))
    graph.add((agent, FOAF.name, Literal(name)))
    return graph.serialize(format="nt")


def _store(identifier: str | None, *, must_be_new: bool) -> Response:
    name = _writer_name()  # 401/403 before the body is even read
    submission = received()
    if identifier is not None:
        submission = dataclasses.replace(submission, identifier=identifier)
    report, _, conversion = validate_submission(submission)
    if not report.conforms:
        return Response(
            json_document(report), status=InvalidRecord.status, mimetype="application/json"
        )
    record = report.identifier
    named_by_nothing = submission.source in ("body", "text") and record == submission.identifier
    if identifier is None and named_by_nothing:
        raise InvalidRecord(
            "the record names no id (an Atlas page gives none): it cannot be created by POST",
            hint="PUT it at /records/{id}, or upload it as a file named {id}.txt",
        )
    if identifier is not None and record != identifier:
        raise RecordConflict(
            f"the record's id is {record!r}, not {identifier!r}: it would replace another record",
            hint=f"PUT it at /records/{record}, or fix its identifier",
        )
    graph_iri = URIRef(str(conversion.graph_iri))
    ntriples = _attributed(conversion.graph, graph_iri, name)
    existed = writer().replace(str(graph_iri), ntriples, must_be_new=must_be_new)
    if existed and must_be_new:
        raise RecordConflict(
            f"a record {record!r} exists already", hint=f"replace it with PUT /records/{record}"
        )
    partnership = next(conversion.graph.subjects(RDF.type, COOP.Partnership))
    body = json_document(report)
    response = Response(body, status=200 if existed else 201, mimetype="application/json")
    response.headers["Location"] = str(partnership)
    return response


@blueprint.route("/records", methods=["POST"])
def create() -> Response:
    """Store a new record: 201 and its IRI in Location; 409 if its id is taken."""
    return _store(None, must_be_new=True)


@blueprint.route("/records/<identifier>", methods=["PUT"])
def replace(identifier: str) -> Response:
    """Store the record under this id (created: 201, replaced: 200)."""
    return _store(_checked_identifier(identifier), must_be_new=False)


@blueprint.route("/records/<identifier>", methods=["DELETE"])
def delete(identifier: str) -> Response:
    """Delete the record's graph, and so the facts only it asserted: 204, or 404."""
    _writer_name()
    graph_iri = str(_options().graph_iri(_checked_identifier(identifier)))
    if not writer().delete(graph_iri):
        raise ResourceNotFound(f"there is no record {identifier!r}")
    return Response(status=204)
