"""Pages without an IRI of their own, and what harvesters look for.

`/` (the dataset at a glance), `/country/{ISO3}`, the dataset description (`/dataset`, and
`/.well-known/void` for VoID harvesters), the dumps (`/dumps/atlas.nq.gz`, `/dumps/atlas.ttl.gz`),
`/sitemap.xml` and `/robots.txt`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from xml.sax.saxutils import escape

from flask import Blueprint, Response, current_app, request, send_file, url_for
from rdflib import Graph

from coopgraph.errors import ResourceNotFound
from coopgraph.ontology import ONTOLOGY_IRI
from coopgraph.server import dataset, dumps, pagekit, pages, queries
from coopgraph.server.linkeddata import DOCUMENTS, document, split_suffix
from coopgraph.server.store.base import STATE_QUERY

blueprint = Blueprint("pages", __name__)
#: A sitemap file holds at most 50,000 URLs (sitemaps.org); past that, the first ones.
SITEMAP_LIMIT = 50_000


def _html(body: str) -> Response:
    response = Response(body, mimetype="text/html")
    response.mimetype_params["charset"] = "utf-8"
    response.set_etag(hashlib.sha256(body.encode()).hexdigest()[:32])
    response.make_conditional(request)
    return response


@blueprint.route("/")
def home() -> Response:
    return _html(pages.home())


@blueprint.route("/country/<code>")
def country(code: str) -> Response:
    return _html(pages.country(code))


def fingerprint() -> dict[str, str]:
    """The store's state: its records' graphs, their latest time and the last load or write
    (a change of any is a new state); one cheap query, `STATE_QUERY`, on any store."""
    (row,) = queries.select(STATE_QUERY)
    return {name: str(row.get(name, "")) for name in ("graphs", "last", "loaded")}


def dumps_directory() -> Path:
    configured = current_app.config.get("DUMPS")
    store = Path(current_app.config["STORE"])
    return Path(configured) if configured else store.with_name(store.name + ".dumps")


def dump_urls() -> dict[str, str]:
    """Media type (uncompressed) → absolute download URL."""
    return {
        media_type: url_for("pages.dump", name=name, _external=True)
        for name, media_type in dumps.DUMPS.items()
    }


@blueprint.route("/dumps/<name>")
def dump(name: str) -> Response:
    """A dump of the whole store (regenerated first if the store changed), gzip."""
    if name not in dumps.DUMPS:
        raise ResourceNotFound(f"no dump {name!r}: try {', '.join(dumps.DUMPS)}")
    remote = queries.remote()
    source: Path | dumps.RemoteDump = Path(current_app.config["STORE"])
    if remote is not None:
        ours = (f"{current_app.config['BASE']}graph/", str(ONTOLOGY_IRI))
        source = dumps.RemoteDump(remote.endpoint, ours)
    directory = dumps.current_dumps(source, dumps_directory(), fingerprint())
    return send_file(
        directory / name,
        mimetype="application/gzip",
        as_attachment=True,
        download_name=name,
        conditional=True,
        etag=True,
    )


def _description() -> Graph:
    """The DCAT/VoID description; its figures cost a few full scans, so they are computed once
    for each state of the store (see `fingerprint`) and kept."""
    state = fingerprint()
    cached = current_app.extensions.get("coopgraph.statistics")
    if cached is None or cached[0] != state:
        cached = (state, dataset.dataset_statistics(queries.select))
        current_app.extensions["coopgraph.statistics"] = cached
    return dataset.dataset_description(
        cached[1],
        base=current_app.config["BASE"],
        sparql_endpoint=url_for("sparql.endpoint", _external=True),
        dumps=dump_urls(),
        publish_personal_data=bool(current_app.config["PUBLISH_PERSONAL_DATA"]),
        landing_page=url_for("pages.home", _external=True),
    )


@blueprint.route("/dataset")
@blueprint.route("/dataset.<suffix>")
def dataset_page(suffix: str | None = None) -> Response:
    """The DCAT and VoID description, as RDF or as a page."""
    _, fixed = split_suffix(request.path)
    if suffix and not fixed:
        raise ResourceNotFound(f"no /dataset.{suffix}: use one of {', '.join(DOCUMENTS.values())}")
    iri = dataset.dataset_iri(current_app.config["BASE"])
    return document("/dataset", fixed, _description, lambda graph: pages.resource(iri, graph))


@blueprint.route("/.well-known/void")
def void() -> Response:
    """VoID's well-known location (RFC 8615): the same description, Turtle by default."""
    accept = request.headers.get("Accept")
    fixed = None if accept and "text/html" not in accept else "text/turtle"
    iri = dataset.dataset_iri(current_app.config["BASE"])
    return document("/dataset", fixed, _description, lambda graph: pages.resource(iri, graph))


@blueprint.route("/robots.txt")
def robots() -> Response:
    """Crawl the pages and documents; leave the query endpoint alone."""
    body = (
        "User-agent: *\nDisallow: /sparql\nAllow: /\n"
        f"Sitemap: {url_for('pages.sitemap', _external=True)}\n"
    )
    return Response(body, mimetype="text/plain")


@blueprint.route("/sitemap.xml")
def sitemap() -> Response:
    """Every page: home, dataset, ontology, partnerships, organisations, themes, countries."""
    rows = queries.select(
        "PREFIX coop: <https://w3id.org/coopgraph/ontology#> "
        "PREFIX org: <http://www.w3.org/ns/org#> "
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
        "SELECT DISTINCT ?page WHERE { "
        "{ ?page a coop:Partnership } UNION { ?page a org:Organization } "
        "UNION { ?page a skos:Concept } UNION { ?o <http://purl.org/dc/terms/spatial> ?page } }"
        f" LIMIT {SITEMAP_LIMIT}"
    )
    urls = [url_for("pages.home", _external=True), url_for("pages.dataset_page", _external=True)]
    urls.append(url_for("linkeddata.ontology", _external=True))
    root = request.host_url.rstrip("/")
    for row in rows:
        local = pagekit.href(row["page"])
        if local:
            urls.append(root + local)
    body = "".join(f"<url><loc>{escape(url)}</loc></url>\n" for url in urls[:SITEMAP_LIMIT])
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{body}</urlset>\n"
    )
    return Response(xml, mimetype="application/xml")
