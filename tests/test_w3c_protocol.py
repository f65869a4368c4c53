"""The W3C SPARQL 1.1 Protocol test manifest, sent request by request to a live coopgraph serve.

Each test's requests are sent as the manifest writes them (method, path, headers, body and its
encoding), with only the `/sparql/` prefix replaced by our endpoint. Query tests must all pass.
Update tests that expect success do not apply: the public endpoint is read-only (updates over
HTTP are issue 7); update tests that expect a 4xx are run (a refusal is a 4xx).
"""

from __future__ import annotations

import http.client
import json
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ROOT
from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.collection import Collection
from servers import coopgraph_server

from coopgraph.server.store import EmbeddedStore

SUITE = ROOT / "tests" / "w3c" / "sparql11-protocol"  # copied from ../shared/w3c, licence kept
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
RDFS_LABEL = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
NOT_APPLICABLE = (
    "SPARQL Update is not offered: the endpoint is read-only; records are written, validated"
    " first, through PUT/POST/DELETE /records"
)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: frozenset[int]  # the hundreds accepted: 2, 3, 4…
    expected_format: str | None
    expected_boolean: bool | None


@dataclass(frozen=True)
class Case:
    name: str
    title: str
    requests: tuple[Request, ...]


def _cases() -> list[Case]:
    manifest = Graph().parse(SUITE / "manifest.ttl", format="turtle")
    head = manifest.value(predicate=RDF.type, object=MF.Manifest)
    cases = []
    for entry in Collection(manifest, manifest.value(head, MF.entries)):
        action = manifest.value(entry, MF.action)
        requests = []
        for node in Collection(manifest, manifest.value(action, HT.requests)):
            headers = {}
            for header in Collection(manifest, manifest.value(node, HT.headers) or RDF.nil):
                headers[str(manifest.value(header, HT.fieldName))] = str(
                    manifest.value(header, HT.fieldValue)
                )
            body = manifest.value(node, HT.body)
            data = None
            if body is not None:
                encoding = str(manifest.value(body, CNT.characterEncoding) or "UTF-8")
                data = str(manifest.value(body, CNT.chars)).encode(encoding)
            response = manifest.value(node, HT.resp)
            statuses = frozenset(
                int(str(code).rsplit("StatusCode", 1)[1][0])
                for code in manifest.objects(response, MF.expectedStatus)
            )
            expected_format = manifest.value(response, MF.expectedFormat)
            expected_boolean = manifest.value(response, MF.expectedBoolean)
            requests.append(
                Request(
                    str(manifest.value(node, HT.methodName)),
                    str(manifest.value(node, HT.absolutePath)),
                    headers,
                    data,
                    statuses,
                    str(expected_format) if expected_format is not None else None,
                    expected_boolean.toPython() if expected_boolean is not None else None,
                )
            )
        name = str(entry).rsplit("#", 1)[1]
        cases.append(Case(name, str(manifest.value(entry, MF.name)), tuple(requests)))
    return cases


CASES = _cases()


def _applies(case: Case) -> bool:
    return not (case.name.startswith("update_") and any(2 in r.statuses for r in case.requests))


@pytest.fixture(scope="module")
def w3c_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live server whose store holds the manifest's data graphs under their labels."""
    manifest = Graph().parse(SUITE / "manifest.ttl", format="turtle")
    store = tmp_path_factory.mktemp("w3c") / "store"
    with EmbeddedStore(store) as embedded:
        for data in manifest.objects(None, UT.graphData):
            path = Path(str(manifest.value(data, UT.graph)).removeprefix("file://"))
            path = SUITE / path.name
            embedded.replace_graph(str(manifest.value(data, RDFS_LABEL)), path.read_text())
    with coopgraph_server(store) as url:
        yield url


def _check_format(request: Request, content_type: str, body: bytes) -> None:
    media = content_type.split(";")[0].strip()
    if request.expected_format == "RDF":
        format_ = {
            "text/turtle": "turtle",
            "application/n-triples": "nt",
            "application/ld+json": "json-ld",
            "application/rdf+xml": "xml",
        }[media]
        Graph().parse(data=body.decode("utf-8"), format=format_)
    elif request.expected_format in ("boolean", "tabular"):
        assert media in (
            "application/sparql-results+json",
            "application/sparql-results+xml",
            "text/csv",
            "text/tab-separated-values",
        ), media
        if request.expected_boolean is not None:
            assert media == "application/sparql-results+json", media
            assert json.loads(body)["boolean"] is request.expected_boolean


@pytest.mark.parametrize(
    "case",
    [
        c if _applies(c) else pytest.param(c, marks=pytest.mark.skip(reason=NOT_APPLICABLE))
        for c in CASES
    ],
    ids=lambda c: c.name,
)
def test_w3c_protocol(w3c_endpoint: str, case: Case) -> None:
    endpoint = urllib.parse.urlsplit(w3c_endpoint)
    for request in case.requests:
        path = request.path.replace("/sparql/", endpoint.path, 1)
        connection = http.client.HTTPConnection(endpoint.hostname or "", endpoint.port, timeout=30)
        try:
            connection.request(request.method, path, body=request.body, headers=request.headers)
            response = connection.getresponse()
            body = response.read()
        finally:
            connection.close()
        assert response.status // 100 in request.statuses, (case.title, response.status, body[:300])
        if response.status // 100 == 2:
            _check_format(request, response.getheader("Content-Type", ""), body)
