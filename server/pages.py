"""HTML pages for people: the dataset at a glance, partnerships, organisations, themes, countries.

French first (`?lang=en` for English). Each page shows what its SPARQL queries return, links to
the editor with those queries, and embeds schema.org JSON-LD for search engines. Charts are
inline SVG drawn by the templates: no script, no CDN.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from flask import current_app, url_for
from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.namespace import DCTERMS, ORG, SKOS
from rdflib.term import Node

from coopgraph.errors import ResourceNotFound
from coopgraph.ontology import COOP, COUNTRY, SCHEMA
from coopgraph.server import queries
from coopgraph.server.pagekit import (
    PREFIXES,
    FundingRow,
    Link,
    country_code,
    country_name,
    editor_link,
    fields,
    inbound,
    json_ld,
    label,
    language,
    page,
    pick,
    short,
    text,
)

# ---------------------------------------------------------------- resources


def resource(iri: URIRef, graph: Graph) -> str:
    """The page of any resource: a partnership, an organisation, a theme, or anything else."""
    types = set(graph.objects(iri, RDF.type))
    if COOP.Partnership in types:
        return partnership(iri, graph)
    if ORG.Organization in types:
        return organisation(iri, graph)
    if SKOS.Concept in types or SKOS.ConceptScheme in types:
        return concept(iri, graph)
    return _generic(iri, graph)


def _generic(iri: URIRef, graph: Graph, template: str = "resource.html", **extra: Any) -> str:
    name = label(graph, iri) or short(str(iri))
    query = f"DESCRIBE <{iri}>"
    return page(
        template,
        iri=str(iri),
        name=name,
        fields=fields(graph, iri),
        inbound=inbound(graph, iri),
        queries=[(text("Description", "Description"), editor_link(query))],
        json_ld=json_ld({"@id": str(iri), "name": name, "url": str(iri)}),
        **extra,
    )


def partnership(iri: URIRef, graph: Graph) -> str:
    """A partnership: its fields, partners with roles, funding table and chart, theme path."""
    # SAMPLE(COALESCE(…)), not COALESCE(SAMPLE(…), …): the same name (a funder with a name in
    # the page's language has it on every row), and Virtuoso 7.2 cannot compile the latter.
    funding_query = f"""{PREFIXES}SELECT ?funding ?year ?amount ?funder
  (SAMPLE(COALESCE(?localName, ?frenchName)) AS ?funderName)
  (SAMPLE(?instrumentLabel) AS ?instrumentName)
WHERE {{
  ?funding schema:fundedItem <{iri}> ; coop:amountEUR ?amount .
  OPTIONAL {{ ?funding coop:year ?year }}
  OPTIONAL {{ ?funding schema:funder ?funder
    OPTIONAL {{ ?funder skos:prefLabel ?localName FILTER (LANG(?localName) = "{language()}") }}
    OPTIONAL {{ ?funder skos:prefLabel ?frenchName FILTER (LANG(?frenchName) IN ("fr", "")) }} }}
  OPTIONAL {{ ?funding coop:instrument/skos:prefLabel ?instrumentLabel
             FILTER (LANG(?instrumentLabel) = "{language()}") }}
}} GROUP BY ?funding ?year ?amount ?funder ORDER BY ?year ?funderName"""
    roles_query = f"""{PREFIXES}SELECT ?membership ?member (SAMPLE(?label) AS ?name) ?roleName
  (SAMPLE(?spatial) AS ?country)
WHERE {{
  ?membership org:organization <{iri}> ; org:member ?member ; org:role ?role .
  OPTIONAL {{ ?member skos:prefLabel ?label }}
  OPTIONAL {{ ?role skos:prefLabel ?roleName FILTER (LANG(?roleName) = "{language()}") }}
  OPTIONAL {{ ?member dct:spatial ?spatial }}
}} GROUP BY ?membership ?member ?roleName ORDER BY ?roleName ?name"""
    themes_query = f"""{PREFIXES}SELECT ?theme ?name ?broader WHERE {{
  <{iri}> dct:subject/skos:broader* ?theme .
  OPTIONAL {{ ?theme skos:prefLabel ?name }} OPTIONAL {{ ?theme skos:broader ?broader }}
}}"""
    funding = [
        FundingRow(
            year=str(row.get("year", "")),
            amount=Decimal(str(row["amount"])),
            funder=Link.of(row["funder"], str(row.get("funderName", "")) or None)
            if "funder" in row
            else None,
            instrument=str(row.get("instrumentName", "")),
        )
        for row in queries.select(funding_query)
    ]
    by_year: dict[str, Decimal] = defaultdict(Decimal)
    for item in funding:
        by_year[item.year] += item.amount
    roles: dict[str, list[Link]] = defaultdict(list)
    for member in queries.select(roles_query):
        link = Link.of(member["member"], str(member.get("name", "")) or None)
        if "country" in member:
            link.name += f" ({country_name(country_code(member['country']) or '')})"
        roles[str(member.get("roleName", ""))].append(link)
    theme_path = _theme_path(queries.select(themes_query))
    title = label(graph, iri) or short(str(iri))
    data = {
        "@type": "Project",
        "@id": str(iri),
        "name": title,
        "url": str(iri),
        "funder": sorted({item.funder.name for item in funding if item.funder}),
        "endDate": str(graph.value(iri, SCHEMA.endDate) or "") or None,
        "about": [step.name for step in theme_path] or None,
    }
    return _generic(
        iri,
        graph,
        "partnership.html",
        funding=funding,
        funding_total=sum((item.amount for item in funding), Decimal(0)),
        funding_by_year=sorted(by_year.items()),
        roles=sorted(roles.items()),
        theme_path=theme_path,
        extra_queries=[
            (text("Financements", "Funding"), editor_link(funding_query)),
            (text("Partenaires et rôles", "Partners and roles"), editor_link(roles_query)),
        ],
        partnership_json_ld=json_ld({k: v for k, v in data.items() if v}),
    )


def _theme_path(rows: list[dict[str, Node]]) -> list[Link]:
    """From the broadest theme to the most specific, as links."""
    broader = {str(row["theme"]): str(row.get("broader", "")) for row in rows}
    names = {str(row["theme"]): str(row.get("name", "")) for row in rows}
    narrowest = [theme for theme in broader if theme not in broader.values()]
    path: list[Link] = []
    current = narrowest[0] if narrowest else None
    while current and len(path) < 10:
        path.insert(0, Link.of(URIRef(current), names.get(current) or None))
        current = broader.get(current) or None
    return path


def organisation(iri: URIRef, graph: Graph) -> str:
    """An organisation: its partnerships in every role, the funding it gave and received."""
    roles_query = f"""{PREFIXES}SELECT ?partnership ?title ?roleName WHERE {{
  ?membership org:member <{iri}> ; org:organization ?partnership ; org:role ?role .
  OPTIONAL {{ ?partnership dct:title ?title }}
  OPTIONAL {{ ?role skos:prefLabel ?roleName FILTER (LANG(?roleName) = "{language()}") }}
}} ORDER BY ?title"""
    totals = "SELECT ?year (SUM(?amount) AS ?euros) (COUNT(?funding) AS ?fundings)"
    given_query = f"""{PREFIXES}{totals}
WHERE {{
  ?funding schema:funder <{iri}> ; coop:amountEUR ?amount .
  OPTIONAL {{ ?funding coop:year ?year }}
}} GROUP BY ?year ORDER BY ?year"""
    received_query = f"""{PREFIXES}{totals}
WHERE {{
  ?partnership coop:projectOwner <{iri}> .
  ?funding schema:fundedItem ?partnership ; coop:amountEUR ?amount .
  FILTER NOT EXISTS {{ ?funding schema:funder <{iri}> }}
  OPTIONAL {{ ?funding coop:year ?year }}
}} GROUP BY ?year ORDER BY ?year"""
    partnerships: dict[str, tuple[Link, list[str]]] = {}
    for row in queries.select(roles_query):
        key = str(row["partnership"])
        link = Link.of(row["partnership"], str(row.get("title", "")) or None)
        partnerships.setdefault(key, (link, []))[1].append(str(row.get("roleName", "")))

    def by_year(query: str) -> list[tuple[str, Decimal, int]]:
        return [
            (str(row.get("year", "")), Decimal(str(row["euros"])), int(str(row["fundings"])))
            for row in queries.select(query)
        ]

    given, received = by_year(given_query), by_year(received_query)
    name = label(graph, iri) or short(str(iri))
    country = graph.value(iri, DCTERMS.spatial)
    data: dict[str, Any] = {"@type": "Organization", "@id": str(iri), "name": name}
    if country is not None:
        data["location"] = {"@type": "Country", "name": country_name(country_code(country) or "")}
    return _generic(
        iri,
        graph,
        "organisation.html",
        partnerships=sorted(partnerships.values(), key=lambda item: item[0].name),
        given=given,
        received=received,
        extra_queries=[
            (text("Partenariats et rôles", "Partnerships and roles"), editor_link(roles_query)),
            (text("Financements donnés", "Funding given"), editor_link(given_query)),
            (text("Financements reçus", "Funding received"), editor_link(received_query)),
        ],
        organisation_json_ld=json_ld(data),
    )


def concept(iri: URIRef, graph: Graph) -> str:
    """A theme (or any concept): its place in the scheme and the partnerships under it."""
    query = f"""{PREFIXES}SELECT DISTINCT ?partnership ?title WHERE {{
  ?partnership a coop:Partnership ; dct:subject/skos:broader* <{iri}> .
  OPTIONAL {{ ?partnership dct:title ?title }}
}} ORDER BY ?title LIMIT 1000"""
    partnerships = [
        Link.of(row["partnership"], str(row.get("title", "")) or None)
        for row in queries.select(query)
    ]
    return _generic(
        iri,
        graph,
        "concept.html",
        partnerships=partnerships,
        extra_queries=[(text("Partenariats", "Partnerships"), editor_link(query))],
    )


def ontology(graph: Graph) -> str:
    """Documentation of the ontology: classes and properties, with labels and comments."""
    terms: dict[str, list[dict[str, Any]]] = {"classes": [], "properties": []}
    for subject in sorted(set(graph.subjects()), key=str):
        if not str(subject).startswith(str(COOP)):
            continue
        types = set(graph.objects(subject, RDF.type))
        kind = "classes" if URIRef("http://www.w3.org/2002/07/owl#Class") in types else "properties"
        terms[kind].append(
            {
                "anchor": str(subject)[len(str(COOP)) :],
                "iri": str(subject),
                "label": pick(list(graph.objects(subject, RDFS.label))),
                "comment": pick(list(graph.objects(subject, RDFS.comment))),
                "domain": [Link.of(d, None) for d in graph.objects(subject, RDFS.domain)],
                "range": [Link.of(r, None) for r in graph.objects(subject, RDFS.range)],
            }
        )
    schemes = sorted(
        (Link.of(s, label(graph, s)) for s in graph.subjects(RDF.type, SKOS.ConceptScheme)),
        key=lambda link: link.name,
    )
    return page(
        "ontology.html",
        iri=str(COOP),
        name=text("Ontologie coopgraph", "coopgraph ontology"),
        terms=terms,
        schemes=schemes,
        json_ld=json_ld({"@type": "DefinedTermSet", "@id": str(COOP), "name": "coopgraph"}),
    )


# ---------------------------------------------------------------- pages without an IRI


def home() -> str:
    """The dataset at a glance: counts, partnerships per country, funding per year, loads."""
    counts_query = f"""{PREFIXES}SELECT
  (COUNT(DISTINCT ?partnership) AS ?partnerships) WHERE {{ ?partnership a coop:Partnership }}"""
    organisations_query = f"""{PREFIXES}SELECT (COUNT(DISTINCT ?organisation) AS ?organisations)
WHERE {{ ?organisation a org:Organization }}"""
    countries_query = f"""{PREFIXES}SELECT ?country (COUNT(DISTINCT ?partnership) AS ?partnerships)
WHERE {{ ?partnership coop:foreignPartner/dct:spatial ?country }}
GROUP BY ?country ORDER BY DESC(?partnerships) ?country"""
    funding_query = f"""{PREFIXES}SELECT ?year (SUM(?amount) AS ?euros)
WHERE {{ ?funding a coop:Funding ; coop:year ?year ; coop:amountEUR ?amount }}
GROUP BY ?year ORDER BY ?year"""
    loads_query = f"""{PREFIXES}SELECT ?partnership ?title ?time WHERE {{
  ?graph prov:generatedAtTime ?time ; foaf:primaryTopic ?partnership .
  OPTIONAL {{ ?partnership dct:title ?title }}
}} ORDER BY DESC(?time) LIMIT 10"""
    partnerships = int(str(queries.select(counts_query)[0]["partnerships"]))
    organisations = int(str(queries.select(organisations_query)[0]["organisations"]))
    per_country = [
        (Link.of(row["country"], None), int(str(row["partnerships"])))
        for row in queries.select(countries_query)
    ]
    per_year = [
        (str(row["year"]), Decimal(str(row["euros"]))) for row in queries.select(funding_query)
    ]
    loads = [
        (Link.of(row["partnership"], str(row.get("title", "")) or None), str(row["time"]))
        for row in queries.select(loads_query)
    ]
    base = current_app.config["BASE"]
    return page(
        "home.html",
        name="coopgraph",
        partnerships=partnerships,
        organisations=organisations,
        countries=len(per_country),
        funding_total=sum((euros for _, euros in per_year), Decimal(0)),
        per_country=per_country[:15],
        per_year=per_year,
        loads=loads,
        queries=[
            (
                text("Partenariats par pays", "Partnerships per country"),
                editor_link(countries_query),
            ),
            (text("Financements par année", "Funding per year"), editor_link(funding_query)),
            (text("Derniers chargements", "Latest loads"), editor_link(loads_query)),
        ],
        json_ld=json_ld(
            {
                "@type": "Dataset",
                "@id": f"{base}dataset",
                "name": "Atlas français de la coopération décentralisée (coopgraph)",
                "url": url_for("pages.home", _external=True),
            }
        ),
    )


def country(code: str) -> str:
    """A country: the partnerships with a partner there, and its organisations."""
    code = code.upper()
    if not code.isalpha() or len(code) != 3:
        raise ResourceNotFound(f"{code!r} is not an ISO 3166 alpha-3 country code")
    country_iri = f"{COUNTRY}{code}"
    query = f"""{PREFIXES}SELECT ?partnership ?title ?organisation ?name WHERE {{
  ?organisation dct:spatial <{country_iri}> .
  OPTIONAL {{ ?organisation skos:prefLabel ?name }}
  OPTIONAL {{ ?membership org:member ?organisation ; org:organization ?partnership .
             OPTIONAL {{ ?partnership dct:title ?title }} }}
}} ORDER BY ?title ?name"""
    rows = queries.select(query)
    if not rows:
        raise ResourceNotFound(f"no organisation of the data is in {code}")
    partnerships = {
        str(row["partnership"]): Link.of(row["partnership"], str(row.get("title", "")) or None)
        for row in rows
        if "partnership" in row
    }
    organisations = {
        str(row["organisation"]): Link.of(row["organisation"], str(row.get("name", "")) or None)
        for row in rows
    }
    name = country_name(code)
    return page(
        "country.html",
        iri=country_iri,
        name=name,
        partnerships=sorted(partnerships.values(), key=lambda link: link.name),
        organisations=sorted(organisations.values(), key=lambda link: link.name),
        queries=[
            (
                text("Partenariats et organisations", "Partnerships and organisations"),
                editor_link(query),
            )
        ],
        json_ld=json_ld({"@type": "Country", "@id": country_iri, "name": name}),
    )
