"""Dereferenceable IRIs, pages, dataset description and dumps, through Flask's test client.

Over a real embedded store holding the two bundled records, with real query workers.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SAMPLES, iri
from flask import Flask
from flask.testing import FlaskClient
from rdflib import RDF, Dataset, Graph, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, SKOS, VOID

from coopgraph.converters.to_rdf import ConversionOptions
from coopgraph.ontology import COOP
from coopgraph.server.app import create_app
from coopgraph.server.load import load_paths
from coopgraph.server.store import EmbeddedStore

RABAT = "/id/partnership/rabat-mantes-la-jolie"
MANTES = "/id/organisation/fra/mantes-la-jolie"
THEME = "/vocab/theme/gouvernance-locale-et-appui-institutionnel"
FORMATS = {
    "text/turtle": ("ttl", "turtle"),
    "application/ld+json": ("jsonld", "json-ld"),
    "application/n-triples": ("nt", "nt"),
    "application/rdf+xml": ("rdf", "xml"),
}
SCHEMA = Namespace("http://schema.org/")


def _store(path: Path, pages: list[Path]) -> None:
    with EmbeddedStore(path) as store:
        load_paths(pages, store, ConversionOptions(), jobs=1)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    path = tmp_path_factory.mktemp("linkeddata") / "store"
    _store(path, sorted(SAMPLES.iterdir()))
    app = create_app({"STORE": str(path), "QUERY_WORKERS": 2})
    yield app
    pool = app.extensions.get("coopgraph.executor")
    if pool is not None:
        pool.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _parse(body: bytes, rdflib_format: str) -> Graph:
    return Graph().parse(data=body, format=rdflib_format)


# ---------------------------------------------------------------- content negotiation


@pytest.mark.parametrize("media_type", FORMATS)
def test_each_rdf_format_by_accept_describes_the_iri(client: FlaskClient, media_type: str) -> None:
    suffix, rdflib_format = FORMATS[media_type]
    response = client.get(RABAT, headers={"Accept": media_type})
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert response.headers["Vary"] == "Accept"
    assert response.headers["Content-Location"] == f"{RABAT}.{suffix}"
    graph = _parse(response.data, rdflib_format)
    assert (iri(RABAT[1:]), RDF.type, COOP.Partnership) in graph


@pytest.mark.parametrize("media_type", FORMATS)
def test_each_suffix_gives_its_format_whatever_accept_says(
    client: FlaskClient, media_type: str
) -> None:
    suffix, rdflib_format = FORMATS[media_type]
    response = client.get(f"{RABAT}.{suffix}", headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.mimetype == media_type
    assert "Vary" not in response.headers
    assert (iri(RABAT[1:]), RDF.type, COOP.Partnership) in _parse(response.data, rdflib_format)


def test_browsers_and_wildcards_get_html_with_links_to_every_format(client: FlaskClient) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    for accept in (browser, "*/*", None):
        headers = {"Accept": accept} if accept else {}
        response = client.get(RABAT, headers=headers)
        assert response.status_code == 200 and response.mimetype == "text/html", accept
    links = response.headers["Link"]
    for suffix, _ in FORMATS.values():
        assert f'<{RABAT}.{suffix}>; rel="alternate"' in links


def test_q_values_decide(client: FlaskClient) -> None:
    response = client.get(RABAT, headers={"Accept": "text/html;q=0.5, text/turtle"})
    assert response.mimetype == "text/turtle"


def test_nothing_acceptable_is_406(client: FlaskClient) -> None:
    response = client.get(RABAT, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/turtle" in response.get_data(as_text=True)


@pytest.mark.parametrize("media_type", [*FORMATS, "text/html"])
def test_unknown_iri_is_404_in_the_asked_format(client: FlaskClient, media_type: str) -> None:
    response = client.get("/id/partnership/no-such-thing", headers={"Accept": media_type})
    assert response.status_code == 404
    assert response.mimetype == media_type
    if media_type in FORMATS:
        assert len(_parse(response.data, FORMATS[media_type][1])) == 0
    else:
        assert "no-such-thing" in response.get_data(as_text=True)


def test_etag_gives_304_and_changes_with_the_format(client: FlaskClient) -> None:
    first = client.get(RABAT, headers={"Accept": "text/turtle"})
    etag = first.headers["ETag"]
    again = client.get(RABAT, headers={"Accept": "text/turtle", "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    other = client.get(RABAT, headers={"Accept": "application/n-triples", "If-None-Match": etag})
    assert other.status_code == 200 and other.headers["ETag"] != etag


def test_description_is_bounded_and_names_what_it_links_to(client: FlaskClient) -> None:
    graph = _parse(client.get(f"{RABAT}.ttl").data, "turtle")
    rabat = iri(RABAT[1:])
    # inbound: the fundings and memberships pointing at the partnership are listed
    fundings = set(graph.subjects(SCHEMA.fundedItem, rabat))
    assert len(fundings) == 9
    # outbound: every IRI it links to comes with a name
    for value in graph.objects(rabat, None):
        if isinstance(value, URIRef) and "/id/" in value:
            assert graph.value(value, SKOS.prefLabel) is not None, value
    # but nothing beyond: not the fundings' own amounts
    assert not list(graph.triples((None, COOP.amountEUR, None)))


# ---------------------------------------------------------------- ontology and schemes


def test_ontology_as_turtle_and_as_documentation(client: FlaskClient) -> None:
    turtle = client.get("/ontology", headers={"Accept": "text/turtle"})
    graph = _parse(turtle.data, "turtle")
    assert (COOP.Partnership, RDF.type, URIRef("http://www.w3.org/2002/07/owl#Class")) in graph
    page = client.get("/ontology").get_data(as_text=True)
    assert 'id="Partnership"' in page and "Partenariat" in page
    assert 'id="Partnership"' in client.get("/ontology?lang=en").get_data(as_text=True)


def test_concepts_and_schemes_dereference(client: FlaskClient) -> None:
    theme = URIRef(f"https://w3id.org/coopgraph/{THEME[1:]}")
    graph = _parse(client.get(f"{THEME}.ttl").data, "turtle")
    assert (theme, RDF.type, SKOS.Concept) in graph
    scheme = _parse(client.get("/vocab/role.ttl").data, "turtle")
    role = URIRef("https://w3id.org/coopgraph/vocab/role")
    assert (role, RDF.type, SKOS.ConceptScheme) in scheme
    assert len(set(scheme.subjects(SKOS.inScheme, role))) >= 4
    page = client.get(THEME).get_data(as_text=True)
    assert "Partenariat de coopération" in page or "rabat" in page.lower()


# ---------------------------------------------------------------- pages


def _json_ld(page: str) -> list[dict[str, object]]:
    found = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    return [json.loads(block) for block in found]


def test_home_page_shows_counts_charts_and_loads(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assert '<dd id="count-partnerships">2</dd>' in page
    assert page.count("<rect") >= 3  # bars: two countries, three funding years
    assert 'id="partnerships-per-country"' in page and 'id="funding-per-year"' in page
    assert RABAT in page and "/sparql?query=" in page
    assert any(block.get("@type") == "Dataset" for block in _json_ld(page))
    english = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "Partnerships per country" in english


def test_partnership_page_has_roles_funding_table_and_theme_path(client: FlaskClient) -> None:
    page = client.get(RABAT).get_data(as_text=True)
    table = page[
        page.index('<table id="funding"') : page.index("</table>", page.index('id="funding"'))
    ]
    assert table.count("<tr>") == 1 + 9 + 1  # header, nine fundings, total
    assert "24 750 €" in table and "6 600 €" in table
    assert f'href="{MANTES}"' in page
    assert "Maître" in page  # the roles, named from the role scheme
    assert THEME in page  # the theme path links to the theme
    projects = [block for block in _json_ld(page) if block.get("@type") == "Project"]
    assert projects and projects[0]["@id"] == str(iri(RABAT[1:]))


def test_organisation_page_lists_roles_and_funding_given_and_received(
    client: FlaskClient,
) -> None:
    page = client.get(MANTES).get_data(as_text=True)
    assert RABAT in page
    assert 'id="funding-given"' in page and 'id="funding-received"' in page
    assert "10 000 €" in page  # what Mantes-la-Jolie gave in 2019


def test_country_page_and_unknown_country(client: FlaskClient) -> None:
    page = client.get("/country/MAR").get_data(as_text=True)
    assert "Maroc" in page and RABAT in page
    assert "Morocco" in client.get("/country/MAR?lang=en").get_data(as_text=True)
    assert client.get("/country/XYZ").status_code == 404
    assert client.get("/country/not-a-code").status_code == 404


# ---------------------------------------------------------------- for harvesters


def test_dataset_description_at_both_addresses(client: FlaskClient) -> None:
    for path in ("/dataset.ttl", "/.well-known/void"):
        response = client.get(path)
        assert response.status_code == 200 and response.mimetype == "text/turtle", path
        graph = _parse(response.data, "turtle")
        (dataset,) = graph.subjects(RDF.type, VOID.Dataset)
        assert (dataset, RDF.type, DCAT.Dataset) in graph
        assert str(graph.value(dataset, VOID.sparqlEndpoint)).endswith("/sparql")
        dumps = {str(dump) for dump in graph.objects(dataset, VOID.dataDump)}
        assert {dump.rsplit("/", 1)[1] for dump in dumps} == {"atlas.nq.gz", "atlas.ttl.gz"}
        assert str(graph.value(dataset, VOID.uriSpace)) == str(iri("id/"))
        assert graph.value(dataset, DCTERMS.modified) is not None


def test_dumps_hold_the_store_and_follow_its_changes(tmp_path: Path, client: FlaskClient) -> None:
    store = tmp_path / "store"
    rabat, sale = sorted(SAMPLES.iterdir())
    _store(store, [rabat])

    def download(name: str) -> tuple[bytes, str]:
        app = create_app({"STORE": str(store), "QUERY_WORKERS": 1})
        try:
            response = app.test_client().get(f"/dumps/{name}")
            assert response.status_code == 200 and response.mimetype == "application/gzip"
            return gzip.decompress(response.data), response.headers["Last-Modified"]
        finally:
            app.extensions["coopgraph.executor"].close()

    quads, _ = download("atlas.nq.gz")
    dataset = Dataset()
    dataset.parse(data=quads, format="nquads")
    graphs = {str(graph.identifier) for graph in dataset.graphs()}
    assert str(iri("graph/partnership/rabat-mantes-la-jolie")) in graphs
    turtle, _ = download("atlas.ttl.gz")
    union = Graph().parse(data=turtle, format="turtle")
    assert (iri(RABAT[1:]), RDF.type, COOP.Partnership) in union
    _store(store, [rabat, sale])  # the store changes: the dumps follow
    changed, _ = download("atlas.nq.gz")
    assert b"sale-woippy" in changed and b"sale-woippy" not in quads
    edited = tmp_path / sale.name  # a record replaced: as many records, and still followed
    edited.write_text(sale.read_text(encoding="utf-8").replace("Woippy", "Woippy-Nouveau"))
    _store(store, [edited])
    replaced, _ = download("atlas.nq.gz")
    assert b"Woippy-Nouveau" in replaced and b"Woippy-Nouveau" not in changed
    unknown = client.get("/dumps/secrets.txt")
    assert unknown.status_code == 404


def test_sitemap_and_robots(client: FlaskClient) -> None:
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    locations = re.findall(r"<loc>(.*?)</loc>", sitemap)
    assert any(location.endswith(RABAT) for location in locations)
    assert any(location.endswith("/country/MAR") for location in locations)
    assert any(location.endswith(THEME) for location in locations)
    for location in locations:
        path = location.split("localhost", 1)[1]
        assert client.get(path).status_code == 200, location
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert "Disallow: /sparql" in robots and "Sitemap: http://localhost/sitemap.xml" in robots


def test_served_dataset_description_conforms_to_dcat_ap(client: FlaskClient) -> None:
    from test_dataset import _dcat_ap_violations

    graph = _parse(client.get("/dataset.ttl").data, "turtle")
    violations, report = _dcat_ap_violations(graph)
    assert not violations, report
