"""POST /validate through Flask's test client: every input form, every answer, every refusal.

The app's store is never opened: the tests give it a real (empty) store and check that its files
are byte for byte the same afterwards.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import CASES, SAMPLES, convert_text
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, Literal, Namespace, URIRef
from werkzeug.test import TestResponse

from coopgraph.cli import main
from coopgraph.errors import InputError
from coopgraph.server.app import create_app
from coopgraph.server.store import EmbeddedStore

SH = Namespace("http://www.w3.org/ns/shacl#")
RABAT = "rabat-mantes-la-jolie"
START_YEAR_SHAPE = "https://w3id.org/coopgraph/shapes#Partnership-startYear-year"
START_YEAR = "https://w3id.org/coopgraph/ontology#startYear"
RDF_ANSWERS = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
}


def _files(folder: Path) -> dict[str, str]:
    """Every file under `folder` by relative path → its SHA-256."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("submission") / "store"
    with EmbeddedStore(path):
        pass
    return path


@pytest.fixture(scope="module")
def app(store: Path) -> Flask:
    return create_app({"STORE": str(store), "MAX_UPLOAD_BYTES": 200_000})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _page(name: str = RABAT) -> str:
    return (SAMPLES / f"{name}.txt").read_text(encoding="utf-8")


def _failing() -> str:
    """The Rabat page with a start year that is not a year."""
    page = _page()
    assert "\n2019\n" in page
    return page.replace("\n2019\n", "\n20x9\n", 1)


def _post(client: FlaskClient, data: str | bytes, content_type: str | None, **kw: Any) -> Any:
    body = data.encode("utf-8") if isinstance(data, str) else data
    return client.post("/validate", data=body, content_type=content_type, **kw)


def _upload(client: FlaskClient, name: str, data: str | bytes, **kw: Any) -> TestResponse:
    body = data.encode("utf-8") if isinstance(data, str) else data
    return client.post("/validate", data={"file": (io.BytesIO(body), name)}, **kw)


def _record(response: TestResponse) -> dict[str, Any]:
    document = json.loads(response.data)
    assert document["format"] == 1
    (record,) = document["records"]
    return record  # type: ignore[no-any-return]


def _error(response: TestResponse) -> str:
    """The error a refused submission's JSON report gives (and its summary counts it)."""
    record = _record(response)
    assert record["conforms"] is None
    assert json.loads(response.data)["summary"]["unreadable"] == 1
    return str(record["error"])


# ---------------------------------------------------------------- the same report as the CLI


@pytest.mark.parametrize("name", [RABAT, "sale-woippy"])
def test_json_answer_is_what_coopgraph_validate_prints(
    client: FlaskClient, app: Flask, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    response = _upload(client, f"{name}.txt", _page(name))
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    monkeypatch.chdir(SAMPLES)  # the CLI names the file as given: the same name as the upload
    cli = CliRunner().invoke(
        main,
        ["validate", "--format", "json", "-j", "1", "--base", app.config["BASE"], f"{name}.txt"],
    )
    assert cli.exit_code == 0, cli.output
    assert json.loads(response.data) == json.loads(cli.stdout)


def test_bundled_records_conform_and_rabat_has_its_warning(client: FlaskClient) -> None:
    rabat = _record(_post(client, _page(), "text/plain"))
    assert (rabat["conforms"], rabat["violations"], rabat["warnings"]) == (True, 0, 1)
    assert rabat["results"][0]["shape"].endswith("Partnership-ongoingButEnded")
    sale = _record(_post(client, _page("sale-woippy"), "text/plain"))
    assert (sale["conforms"], sale["violations"]) == (True, 0)


def test_a_failing_record_is_validated_with_status_200(client: FlaskClient) -> None:
    response = _post(client, _failing(), "text/plain")
    assert response.status_code == 200
    record = _record(response)
    assert record["conforms"] is False
    assert record["violations"] == 1
    (violation,) = [r for r in record["results"] if r["severity"] == "Violation"]
    assert violation["shape"] == START_YEAR_SHAPE
    assert violation["path"] == START_YEAR
    assert violation["value"] == "20x9"
    assert violation["field"]["fr"] == "Année de début du partenariat"
    assert "n'est pas une année" in violation["message"]["fr"]
    english = _record(_post(client, _failing(), "text/plain", query_string={"lang": "en"}))
    assert "is not a year" in english["results"][0]["text"]


def _rdf_inputs() -> dict[str, tuple[str, bytes]]:
    """The Rabat record in every accepted form: media type → (file name, bytes)."""
    case = CASES / RABAT
    graph = convert_text(_page(), RABAT).graph
    return {
        "text/plain": (f"{RABAT}.txt", _page().encode()),
        "text/html": (f"{RABAT}.html", (case / "input.html").read_bytes()),
        "application/json": (f"{RABAT}.json", (case / "input.json").read_bytes()),
        "text/turtle": (f"{RABAT}.ttl", graph.serialize(format="turtle", encoding="utf-8")),
        "application/n-triples": (f"{RABAT}.nt", graph.serialize(format="nt", encoding="utf-8")),
        "application/ld+json": (
            f"{RABAT}.jsonld",
            graph.serialize(format="json-ld", encoding="utf-8"),
        ),
    }


@pytest.mark.parametrize("media_type", list(_rdf_inputs()))
def test_every_input_form_gives_the_same_findings(client: FlaskClient, media_type: str) -> None:
    name, data = _rdf_inputs()[media_type]
    expected = _record(_upload(client, f"{RABAT}.txt", _page()))
    by_body = _record(_post(client, data, media_type))
    by_upload = _record(_upload(client, name, data))
    by_paste = _record(client.post("/validate", data={"text": data.decode(), "format": media_type}))
    # a page names no identifier: an upload takes its file's stem, a body or a paste "record"
    unnamed = media_type in ("text/plain", "text/html")
    for record in (by_body, by_upload, by_paste):
        named = record is by_upload or not unnamed
        assert record["identifier"] == (RABAT if named else "record")
        results = json.dumps(record["results"]).replace("/record", f"/{RABAT}")
        assert json.loads(results) == expected["results"]
    assert (by_body["source"], by_upload["source"], by_paste["source"]) == ("body", name, "text")


def test_a_pasted_text_may_name_its_format_by_suffix(client: FlaskClient) -> None:
    graph = convert_text(_failing(), RABAT).graph.serialize(format="turtle")
    response = client.post("/validate", data={"text": graph, "format": "ttl"})
    assert _record(response)["results"][0]["shape"] == START_YEAR_SHAPE


def test_a_declared_charset_is_read(client: FlaskClient) -> None:
    page = _page().encode("cp1252")
    response = _post(client, page, "text/plain; charset=windows-1252")
    assert response.status_code == 200
    assert _record(response)["conforms"] is True


# ---------------------------------------------------------------- RDF and HTML answers


@pytest.mark.parametrize("media_type", RDF_ANSWERS)
def test_the_shacl_report_in_rdf_by_accept(client: FlaskClient, media_type: str) -> None:
    response = _post(client, _failing(), "text/plain", headers={"Accept": media_type})
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert response.headers["Vary"] == "Accept"
    report = Graph().parse(data=response.data, format=RDF_ANSWERS[media_type])
    (node,) = report.subjects(URIRef(SH.conforms), None)
    assert report.value(node, SH.conforms) == Literal(False)
    assert (None, SH.sourceShape, URIRef(START_YEAR_SHAPE)) in report
    assert "20x9" in {str(value) for value in report.objects(None, SH.value)}


def _row(html: str, field: str) -> str:
    """The table row of a field in the HTML report."""
    rows = re.findall(r"<tr[^>]*>.*?</tr>", html, flags=re.S)
    found = [row for row in rows if f">{field}</th>" in row]
    assert found, f"no row for {field}"
    return found[0]


def test_html_report_shows_each_problem_beside_its_field(client: FlaskClient) -> None:
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    response = _post(client, _failing(), "text/plain", headers=browser)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "Non conforme" in html
    start = _row(html, "Année de début du partenariat")
    assert "20x9" in start
    assert "n&#39;est pas une année" in start
    assert 'class="problem violation"' in start
    assert "Avertissement" in _row(html, "Date de fin du partenariat")
    title = _row(html, "Titre")
    assert "Accompagnement à la structuration" in title and 'class="problem ' not in title
    assert "Mantes la Jolie" in _row(html, "Collectivités territoriales partenaires")
    assert "Financement" in html and "Montant en euros" in html

    english = _post(client, _failing(), "text/plain", headers=browser, query_string={"lang": "en"})
    html = english.get_data(as_text=True)
    assert "Does not conform" in html
    assert "is not a year" in _row(html, "Start year of the partnership")


def test_form_page_in_french_and_english_without_external_resources(client: FlaskClient) -> None:
    french = client.get("/validate")
    assert french.status_code == 200
    html = french.get_data(as_text=True)
    assert "Valider un enregistrement" in html
    assert 'method="post"' in html and 'enctype="multipart/form-data"' in html
    for field in ('name="text"', 'name="format"', 'name="file"'):
        assert field in html
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html.split("<main>")[0])
    assert "<script" not in html
    english = client.get("/validate", query_string={"lang": "en"}).get_data(as_text=True)
    assert "Validate a record" in english
    assert 'action="/validate?lang=en"' in english


def test_a_refused_submission_shows_the_form_again_with_the_message(client: FlaskClient) -> None:
    response = client.post(
        "/validate",
        data={"text": "@prefix ex: <http://x/> .\nex:a ex:b", "format": "text/turtle"},
        headers={"Accept": "text/html"},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html and "malformed turtle" in html
    assert "ex:a ex:b</textarea>" in html  # the pasted text is kept, to be fixed
    assert '<option value="text/turtle" selected>' in html


# ---------------------------------------------------------------- bad input


def test_a_body_over_the_limit_is_413(client: FlaskClient) -> None:
    big = "x" * 200_001
    assert _post(client, big[:-1], "text/plain").status_code == 400  # at the limit: read
    for response in (
        _post(client, big, "text/plain"),
        _upload(client, "big.txt", big),
        client.post("/validate", data={"text": big, "format": "text/plain"}),
    ):
        assert response.status_code == 413
        assert "over the limit of 200,000 bytes" in _error(response)
    chunked = client.post(  # no Content-Length, as gunicorn passes a chunked body on
        "/validate",
        input_stream=io.BytesIO(big.encode()),
        headers={"Content-Type": "text/plain", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert chunked.status_code == 413
    assert "over the limit" in _error(chunked)
    plain = _post(client, big, "text/plain", headers={"Accept": "text/turtle"})
    assert plain.status_code == 413
    assert "COOPGRAPH_MAX_UPLOAD_BYTES" in plain.get_data(as_text=True)


def test_the_limit_is_a_setting(monkeypatch: pytest.MonkeyPatch, store: Path) -> None:
    monkeypatch.setenv("COOPGRAPH_MAX_UPLOAD_BYTES", "1000")
    client = create_app({"STORE": str(store)}).test_client()
    assert _post(client, _page(), "text/plain").status_code == 413
    monkeypatch.setenv("COOPGRAPH_MAX_UPLOAD_BYTES", "5MiB")
    with pytest.raises(InputError, match="COOPGRAPH_MAX_UPLOAD_BYTES"):
        create_app({"STORE": str(store)})


@pytest.mark.parametrize(
    ("media_type", "body", "line", "column"),
    [
        ("text/turtle", "@prefix ex: <http://x/> .\nex:a ex:b ex:c ;\n  ex:d ]] .\n", 3, 7),
        ("application/n-triples", "<a:s> <a:p> <a:o> .\n<a:s> <a:p> o .", 2, 13),
        ("application/json", '{\n  "identifier": "x",\n  "title": \n}', 4, 1),
        ("application/ld+json", '{"@id": "http://x/a",\n "http://x/p": [1, }', 2, 20),
    ],
)
def test_malformed_rdf_and_json_are_400_with_line_and_column(
    client: FlaskClient, media_type: str, body: str, line: int, column: int
) -> None:
    response = _post(client, body, media_type)
    assert response.status_code == 400
    error = _error(response)
    assert error.startswith(f"body:{line}: malformed")
    assert f"(column {column})" in error


@pytest.mark.parametrize("media_type", ["application/json", "application/ld+json"])
def test_json_nested_too_deeply_is_400(client: FlaskClient, media_type: str) -> None:
    response = _post(client, "[" * 100_000, media_type)
    assert response.status_code == 400
    assert "nested too deeply" in _error(response)


def test_a_json_record_off_the_schema_is_422_naming_the_field(client: FlaskClient) -> None:
    response = _post(client, '{"identifier": "x", "titel": "y"}', "application/json")
    assert response.status_code == 422
    assert "titel" in _error(response)


def test_a_text_that_is_no_atlas_page_is_400(client: FlaskClient) -> None:
    response = _post(client, "Bonjour,\nceci n'est pas une fiche.\n", "text/plain")
    assert response.status_code == 400
    assert _error(response)


@pytest.mark.parametrize(
    ("request_args", "named"),
    [
        ({"data": b"%PDF-1.4", "content_type": "application/pdf"}, "application/pdf"),
        ({"data": b"<a> <b> <c> ."}, "no stated type"),
        ({"data": {"file": (io.BytesIO(b"x"), "record.bin")}}, "record.bin"),
        ({"data": {"text": "x", "format": "rdfxml"}}, "rdfxml"),
    ],
)
def test_an_unsupported_media_type_is_415_listing_the_accepted_ones(
    client: FlaskClient, request_args: dict[str, Any], named: str
) -> None:
    response = client.post("/validate", **request_args)
    assert response.status_code == 415
    error = _error(response)
    assert named in error
    for accepted in ("text/plain", "text/html", "application/json", "text/turtle"):
        assert accepted in error


@contextlib.contextmanager
def _listener() -> Iterator[tuple[int, list[object]]]:
    """A loopback port that must receive no connection: (port, connections received)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(1)
    connections: list[object] = []

    def watch() -> None:
        with contextlib.suppress(OSError):  # the timeout: nobody connected, as it should
            connections.append(listener.accept())

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        yield listener.getsockname()[1], connections
    finally:
        watcher.join()
        listener.close()


def test_a_remote_jsonld_context_is_refused_and_never_fetched(client: FlaskClient) -> None:
    with _listener() as (port, connections):
        document = {"@context": f"http://127.0.0.1:{port}/context.jsonld", "@id": "x"}
        response = _post(client, json.dumps(document), "application/ld+json")
    assert response.status_code == 400
    assert "remote JSON-LD context" in _error(response)
    assert connections == []


def test_rdf_xml_is_415_and_its_entities_are_never_read(client: FlaskClient) -> None:
    with _listener() as (port, connections):
        xml = f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
  <!ENTITY lol "lol"> <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY remote SYSTEM "http://127.0.0.1:{port}/entity">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">&lol2;&remote;</rdf:RDF>"""
        response = _post(client, xml, "application/rdf+xml")
        uploaded = _upload(client, "record.rdf", xml)
    for refused in (response, uploaded):
        assert refused.status_code == 415
        assert "RDF/XML is not read" in _error(refused)
    assert connections == []


def test_invalid_utf8_is_400_naming_the_byte(client: FlaskClient) -> None:
    page = _page().encode("utf-8")
    broken = page.replace(b"Accompagnement", b"Accompagnement \xff", 1)
    offset = broken.index(b"\xff")
    response = _post(client, broken, "text/plain")
    assert response.status_code == 400
    error = _error(response)
    line = broken.count(b"\n", 0, offset) + 1
    assert error.startswith(f"body:{line}: not utf-8: byte 0xff at offset {offset}")


def test_iris_outside_the_publishers_namespace_are_422(client: FlaskClient) -> None:
    turtle = convert_text(_page(), RABAT).graph.serialize(format="turtle")
    foreign = turtle.replace(
        "<http://localhost:5000/id/organisation/mar/rabat>", "<https://evil.example/rabat>"
    )
    assert foreign != turtle
    response = _post(client, foreign, "text/turtle")
    assert response.status_code == 422
    error = _error(response)
    assert "outside this publisher's namespace" in error and "<https://evil.example/rabat>" in error
    assert re.match(r"body:\d+: ", error)
    relative = _post(client, "<a> <b> <c> .", "text/turtle")
    assert relative.status_code == 422
    assert "<a (relative)>" in _error(relative)
    assert str(Path.cwd()) not in _error(relative)


def test_several_partnerships_are_422(client: FlaskClient) -> None:
    graph = convert_text(_page(), RABAT).graph + convert_text(_page("sale-woippy"), "sale").graph
    response = _post(client, graph.serialize(format="nt"), "application/n-triples")
    assert response.status_code == 422
    assert "2 partnerships" in _error(response)


def test_nothing_submitted_is_400(client: FlaskClient) -> None:
    assert _post(client, b"", "text/plain").status_code == 400
    assert client.post("/validate", data={"text": "", "format": "text/plain"}).status_code == 400


def test_an_unacceptable_answer_is_406(client: FlaskClient) -> None:
    response = _post(client, _page(), "text/plain", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "application/json" in response.get_data(as_text=True)


# ---------------------------------------------------------------- nothing stored, nothing logged


def test_nothing_is_stored_and_the_body_is_never_logged(
    client: FlaskClient, store: Path, caplog: pytest.LogCaptureFixture
) -> None:
    before = _files(store)
    marker = "Marqueur-secret-7f3a"
    page = _failing().replace("Accompagnement", marker, 1)
    with caplog.at_level(logging.DEBUG):
        for accept in ("application/json", "text/html", "text/turtle"):
            assert _post(client, page, "text/plain", headers={"Accept": accept}).status_code == 200
        assert _post(client, f"{marker} <", "text/turtle").status_code == 400
    assert marker not in caplog.text
    assert _files(store) == before
