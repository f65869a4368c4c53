"""SPARQL 1.1 Protocol request parsing and the SERVICE/LOAD guard (pure functions)."""

from __future__ import annotations

import urllib.parse

import pytest

from coopgraph.errors import (
    MethodNotAllowed,
    OperationRefused,
    ProtocolError,
    UnsupportedMediaType,
)
from coopgraph.server.guard import refuse_outbound
from coopgraph.server.protocol import Operation, parse_operation

ASK = "ASK {}"
G1, G2 = "http://example.org/g1", "http://example.org/g2"


def url(query: str) -> dict[str, list[str]]:
    return urllib.parse.parse_qs(query, keep_blank_values=True)


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_get_query_with_dataset(method: str) -> None:
    operation = parse_operation(
        method, None, url(f"query={ASK}&default-graph-uri={G1}&named-graph-uri={G2}"), b""
    )
    assert operation == Operation("query", ASK, (G1,), (G2,))


def test_get_without_operation_asks_for_the_service_description() -> None:
    assert parse_operation("GET", None, {}, b"") is None


def test_post_form_query_and_update() -> None:
    body = urllib.parse.urlencode({"query": ASK, "default-graph-uri": G1}).encode()
    assert parse_operation("POST", "application/x-www-form-urlencoded", {}, body) == Operation(
        "query", ASK, (G1,), ()
    )
    body = urllib.parse.urlencode({"update": "CLEAR ALL", "using-graph-uri": G1}).encode()
    update = parse_operation("POST", "application/x-www-form-urlencoded; charset=UTF-8", {}, body)
    assert update == Operation("update", "CLEAR ALL", (G1,), ())


def test_post_direct_query_takes_its_dataset_from_the_url() -> None:
    operation = parse_operation(
        "POST", "application/sparql-query", url(f"named-graph-uri={G2}"), ASK.encode()
    )
    assert operation == Operation("query", ASK, (), (G2,))


@pytest.mark.parametrize(
    ("method", "content_type", "parameters", "body", "error"),
    [
        ("PUT", "application/x-www-form-urlencoded", f"query={ASK}", b"", MethodNotAllowed),
        ("GET", None, "query=ASK{}&query=SELECT*{}", b"", ProtocolError),
        ("POST", "text/plain", "", ASK.encode(), UnsupportedMediaType),
        ("POST", None, "", b"query=ASK%20%7B%7D", UnsupportedMediaType),
        ("POST", None, "", ASK.encode(), UnsupportedMediaType),
        (
            "POST",
            "application/sparql-query; charset=UTF-16",
            "",
            ASK.encode("utf-16"),
            UnsupportedMediaType,
        ),
        ("POST", "application/sparql-query", "", "ASK { «é» }".encode("latin-1"), ProtocolError),
        ("GET", None, "update=CLEAR%20ALL", b"", MethodNotAllowed),
        ("HEAD", None, "update=CLEAR%20ALL", b"", MethodNotAllowed),
        (
            "POST",
            "application/x-www-form-urlencoded",
            "",
            b"update=CLEAR+ALL&update=CLEAR+ALL",
            ProtocolError,
        ),
        (
            "POST",
            "application/sparql-update; charset=UTF-16",
            "",
            "CLEAR ALL".encode("utf-16"),
            UnsupportedMediaType,
        ),
        (
            "POST",
            "application/x-www-form-urlencoded",
            "",
            b"query=ASK%7B%7D&update=CLEAR+ALL",
            ProtocolError,
        ),
        ("POST", "application/x-www-form-urlencoded", "", b"nothing=here", ProtocolError),
    ],
    ids=[
        "method",
        "two-queries",
        "wrong-media-type",
        "missing-form-type",
        "missing-direct-type",
        "utf16-query",
        "latin1-query",
        "update-get",
        "update-head",
        "two-updates",
        "utf16-update",
        "query-and-update",
        "no-operation",
    ],
)
def test_protocol_errors(
    method: str,
    content_type: str | None,
    parameters: str,
    body: bytes,
    error: type[Exception],
) -> None:
    with pytest.raises(error) as raised:
        parse_operation(method, content_type, url(parameters), body)
    assert 400 <= raised.value.status < 500  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { ?s ex:service ?o }",
        "SELECT ?service WHERE { ?service a ?t }",
        'SELECT * WHERE { ?s ?p "SERVICE <http://127.0.0.1:9/>" }',
        "SELECT * WHERE { ?s ?p <http://example.org/SERVICE> } # SERVICE <http://x/>",
        "SELECT * WHERE { ?s ?p '''LOAD and\nSERVICE''' }",
        "PREFIX load: <http://example.org/> SELECT * { ?s load:x ?o }",
    ],
)
def test_keywords_inside_other_tokens_are_not_refused(text: str) -> None:
    refuse_outbound(text)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "select * where { service silent <http://10.0.0.1/> { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE ?endpoint { ?s ?p ?o } VALUES ?endpoint { <http://x/> } }",
        "LOAD <http://127.0.0.1:9/data.ttl>",
        "load silent <file:///etc/passwd> into graph <http://g/>",
    ],
)
def test_service_and_load_are_refused(text: str) -> None:
    with pytest.raises(OperationRefused) as refused:
        refuse_outbound(text)
    assert refused.value.status == 400


def test_allow_listed_service_passes_and_others_do_not() -> None:
    allowed = ["https://query.example.org/sparql"]
    refuse_outbound("SELECT * { SERVICE <https://query.example.org/sparql> { ?s ?p ?o } }", allowed)
    with pytest.raises(OperationRefused, match="allowed here"):
        refuse_outbound("SELECT * { SERVICE <https://other.example.org/> { ?s ?p ?o } }", allowed)
    with pytest.raises(OperationRefused):
        refuse_outbound("SELECT * { SERVICE ?x { ?s ?p ?o } }", allowed)
