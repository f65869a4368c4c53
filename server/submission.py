"""`/validate`: a record submitted over HTTP, validated against the shapes, stored nowhere.

`POST /validate` reads the record as `coopgraph validate` reads a file of the same format (the
same converters, RDF readers and shapes) and answers with the CLI's JSON report (programs, the
default), the `sh:ValidationReport` (Turtle, JSON-LD, N-Triples by Accept) or, for a browser, a
page showing the record's fields with each problem beside its field. `GET /validate` is the form.

Bounded: the body (COOPGRAPH_MAX_UPLOAD_BYTES), one record a submission (`intake`: one
partnership, `MAX_TRIPLES`); nothing submitted opens a connection; one `RecordValidator` a
process, used by one request at a time. The store is never opened; the body is never logged.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import PurePosixPath

from flask import Blueprint, Response, current_app, g, render_template, request
from flask.blueprints import BlueprintSetupState
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, SKOS
from rdflib.term import Node
from werkzeug.exceptions import RequestEntityTooLarge

from coopgraph.converters.pipeline import Conversion
from coopgraph.converters.to_rdf import ConversionOptions
from coopgraph.errors import (
    CoopgraphError,
    InputError,
    NotAcceptable,
    PayloadTooLarge,
    UnreadableInput,
)
from coopgraph.ontology import COOP, load
from coopgraph.server import pagekit
from coopgraph.server.intake import (
    INPUTS,
    SUFFIX_TYPES,
    Submission,
    check_namespaces,
    check_one_record,
    media_type,
    read_record,
)
from coopgraph.server.linkeddata import serialize
from coopgraph.server.negotiation import negotiate
from coopgraph.server.pagekit import Link
from coopgraph.shapes import SH, shapes_graph
from coopgraph.shapes.report import RecordReport, ReportWriter
from coopgraph.shapes.validate import Finding, RecordValidator

blueprint = Blueprint("submission", __name__)

#: Answers: media type → what it carries. JSON first: a client that says nothing gets JSON.
ANSWERS = {
    "application/json": "the CLI's JSON report",
    "text/html": "the report page",
    "text/turtle": "sh:ValidationReport",
    "application/ld+json": "sh:ValidationReport",
    "application/n-triples": "sh:ValidationReport",
}
_VALIDATING = threading.Lock()


@blueprint.record_once
def _check_settings(state: BlueprintSetupState) -> None:
    limit = state.app.config["MAX_UPLOAD_BYTES"]
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InputError(
            f"COOPGRAPH_MAX_UPLOAD_BYTES={limit!r} is not a number of bytes",
            hint="e.g. 5242880 for 5 MiB",
        )


@cache
def _validator(publish_personal_data: bool) -> RecordValidator:
    """One validator a process (parsing the shapes takes about a second), reused."""
    return RecordValidator(publish_personal_data=publish_personal_data)


def _pasted_format(value: str | None) -> str:
    """The `format` form field: a media type, or a file suffix such as `ttl`."""
    value = (value or "text/plain").strip().lower()
    return SUFFIX_TYPES.get(f".{value}") or media_type(value, "the format field")


def _received(limit: int) -> Submission:
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        upload = request.files.get("file")
        if upload is not None and upload.filename:
            name = PurePosixPath(upload.filename.replace("\\", "/")).name[-200:] or "upload"
            suffix = PurePosixPath(name).suffix.lower()
            kind = SUFFIX_TYPES.get(suffix) or media_type(upload.mimetype, f"the file {name}")
            charset = upload.mimetype_params.get("charset")
            data, g.source = upload.read(limit + 1), name
            return Submission(data, kind, charset, name, PurePosixPath(name).stem)
        g.source, g.chosen = "text", request.form.get("format")
        g.pasted = request.form.get("text", "")
        kind = _pasted_format(g.chosen)
        return Submission(g.pasted.encode("utf-8"), kind, None, "text", "record")
    kind = media_type(request.mimetype or None)
    charset = request.mimetype_params.get("charset")
    return Submission(request.get_data(cache=False), kind, charset, "body", "record")


def received() -> Submission:
    """The submitted record: the body, an uploaded file or a pasted text, within the limit."""
    limit = int(current_app.config["MAX_UPLOAD_BYTES"])
    # werkzeug refuses a larger Content-Length, and cuts a chunked body after limit + 1 bytes
    # (silently): one byte more than allowed tells a cut body from one that ends at the limit.
    request.max_content_length = limit + 1
    request.max_form_memory_size = limit  # a pasted text is a form field
    size = f" ({request.content_length:,} bytes)" if request.content_length else ""
    too_large = PayloadTooLarge(
        f"the request body{size} is over the limit of {limit:,} bytes",
        hint="send one record at a time (the limit is COOPGRAPH_MAX_UPLOAD_BYTES)",
    )
    try:
        submission = _received(limit)
    except RequestEntityTooLarge as error:
        raise too_large from error
    if len(submission.data) > limit:
        raise too_large
    if not submission.data.strip():
        raise UnreadableInput(
            "nothing was submitted",
            source=submission.source,
            hint="send the record as the body, or as the form field text or file",
        )
    return submission


def validate_submission(submission: Submission) -> tuple[RecordReport, Graph, Conversion]:
    """Read, check and validate one submitted record: (report, sh:ValidationReport, record)."""
    personal = bool(current_app.config["PUBLISH_PERSONAL_DATA"])
    base = str(current_app.config["BASE"])
    options = ConversionOptions(base=base, include_personal_data=personal)
    conversion = read_record(submission, options)
    graph = conversion.graph
    check_one_record(graph, submission.source)
    check_namespaces(graph, base, submission)
    partnership = next(graph.subjects(RDF.type, COOP.Partnership), None)
    identifier = graph.value(partnership, DCTERMS.identifier) if partnership else None
    validator = _validator(personal)
    with _VALIDATING:  # one pyshacl Validator, reused: one record at a time
        conforms, report_graph, found = validator.validate(graph)
    report = RecordReport(
        source=submission.source,
        identifier=str(identifier) if identifier is not None else submission.identifier,
        conforms=conforms,
        findings=found,
        conversion_warnings=[str(warning) for warning in conversion.warnings],
    )
    return report, report_graph, conversion


def json_document(report: RecordReport) -> str:
    """The CLI's JSON report (`coopgraph validate --format json`) of this one record."""
    stream = io.StringIO()
    writer = ReportWriter(stream, "json", pagekit.language())
    writer.write(report)
    writer.close()
    return stream.getvalue()


def _form_page(template: str = "validate.html", status: int = 200, **context: object) -> Response:
    """The form (validate.html), or a report above it, the pasted text kept to be fixed."""
    context.setdefault("name", pagekit.text("Valider un enregistrement", "Validate a record"))
    body = render_template(
        template,
        chosen=g.get("chosen") or "text/plain",
        pasted=g.get("pasted", ""),
        limit=int(current_app.config["MAX_UPLOAD_BYTES"]),
        inputs=INPUTS,
        **pagekit.chrome(),
        **context,
    )
    response = Response(body, status=status, mimetype="text/html")
    response.mimetype_params["charset"] = "utf-8"
    return response


@blueprint.get("/validate")
def form() -> Response:
    """The form: paste a record or upload a file, in French or English (`?lang=en`)."""
    return _form_page()


@blueprint.post("/validate")
def validate() -> Response:
    """Validate the submitted record and answer in the format Accept prefers; store nothing."""
    answer = negotiate(ANSWERS, request.headers.get("Accept"))
    submission = received()
    report, report_graph, conversion = validate_submission(submission)
    if answer == "text/html":
        nodes, elsewhere = record_view(conversion.graph, report.findings)
        response = _form_page(
            "validation_report.html",
            name=pagekit.text("Rapport de validation", "Validation report"),
            report=report,
            nodes=nodes,
            elsewhere=elsewhere,
        )
    elif answer == "application/json":
        response = Response(json_document(report), mimetype="application/json")
    else:
        response = Response(serialize(report_graph, answer), mimetype=answer)
    response.headers["Vary"] = "Accept"
    return response


@blueprint.errorhandler(CoopgraphError)
def refused(error: CoopgraphError) -> Response:
    """An unreadable submission: the form with the message, the JSON report, or plain text."""
    try:
        answer = negotiate(ANSWERS, request.headers.get("Accept"))
    except NotAcceptable:
        answer = "text/plain"
    if answer == "text/html" and request.method == "POST":
        response = _form_page(status=error.status, error=str(error))
    elif answer == "application/json" and request.method == "POST":
        report = RecordReport(g.get("source", "body"), error=str(error))
        response = Response(json_document(report), error.status, mimetype="application/json")
    else:
        response = Response(f"{error}\n", status=error.status, mimetype="text/plain")
    response.headers["Vary"] = "Accept"
    return response


# ---------------------------------------------------------------- the report page


#: Sections of the page in this order: the partnership, its funding, memberships, organisations.
_SECTION_ORDER = (COOP.Partnership, COOP.Funding, ORG.Membership, ORG.Organization, ORG.Post)


@dataclass
class FieldRow:
    """One property of a resource: its values, shown by name, and the problems found with it."""

    property: str
    name: str
    values: list[tuple[str, str]]  # (shown text, IRI or "")
    problems: list[Finding]


@dataclass
class NodeView:
    """One resource of the submitted record: its fields and the problems about it as a whole."""

    iri: str
    kind: str
    name: str
    rows: list[FieldRow]
    problems: list[Finding]


@cache
def _terms() -> Graph:
    """Labels of our classes, properties and concepts; a property's name is its field's first.

    The shapes name each field as the Atlas form and the findings do ("Année de début du
    partenariat"); skos:prefLabel comes before the ontology's rdfs:label in `pagekit.label`.
    """
    graph, shapes = load(), shapes_graph(publish_personal_data=False)
    for shape, path in shapes.subject_objects(SH.path):
        if isinstance(path, URIRef):
            for name in shapes.objects(shape, SH.name):
                graph.add((path, SKOS.prefLabel, name))
    return graph


def _name(graph: Graph, node: Node) -> str:
    """The name the record or our vocabularies give `node` (else its country, else its end)."""
    return Link.of(node, pagekit.label(graph, node) or pagekit.label(_terms(), node)).name


def _shown(graph: Graph, value: Node) -> tuple[str, str]:
    if isinstance(value, Literal):
        return str(value), ""
    return _name(graph, value), str(value) if isinstance(value, URIRef) else ""


def _node(graph: Graph, subject: Node) -> NodeView:
    rows: dict[str, FieldRow] = {}
    for predicate, value in graph.predicate_objects(subject):
        if predicate != RDF.type:
            name = _name(_terms(), predicate)
            row = rows.setdefault(str(predicate), FieldRow(str(predicate), name, [], []))
            row.values.append(_shown(graph, value))
    kinds = sorted(_name(graph, kind) for kind in graph.objects(subject, RDF.type))
    return NodeView(
        str(subject),
        ", ".join(kinds),
        _name(graph, subject),
        list(rows.values()),
        [],
    )


def _section(graph: Graph, subject: Node) -> tuple[int, str]:
    types = set(graph.objects(subject, RDF.type))
    rank = next((i for i, kind in enumerate(_SECTION_ORDER) if kind in types), len(_SECTION_ORDER))
    return rank, str(subject)


def record_view(graph: Graph, findings: list[Finding]) -> tuple[list[NodeView], list[Finding]]:
    """The record's resources, the partnership first, each finding beside its field.

    Also returns the findings about a node the record does not describe.
    """
    subjects = sorted(set(graph.subjects()), key=lambda subject: _section(graph, subject))
    nodes = {str(subject): _node(graph, subject) for subject in subjects}
    elsewhere: list[Finding] = []
    for finding in findings:
        node = nodes.get(finding.focus)
        if node is None:
            elsewhere.append(finding)
        elif finding.path is None:
            node.problems.append(finding)
        else:
            row = next((row for row in node.rows if row.property == finding.path), None)
            if row is None:  # an absent field (or the type): a row of its own
                subject = next(s for s in subjects if str(s) == finding.focus)
                values = [_shown(graph, v) for v in graph.objects(subject, URIRef(finding.path))]
                row = FieldRow(finding.path, finding.field[pagekit.language()], values, [])
                node.rows.append(row)
            row.problems.append(finding)
    for node in nodes.values():  # the fields with problems first, then by name
        node.rows.sort(key=lambda row: (not row.problems, row.name.lower()))
    return list(nodes.values()), elsewhere
