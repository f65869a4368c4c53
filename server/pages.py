"""HTML pages for people: the dataset at a glance, partnerships, organisations, themes, countries.

French first (`?lang=en` for English). Each page shows what its SPARQL queries return, links to
the editor with those queries, and embeds schema.org JSON-LD for search engines. Charts are
inline SVG drawn by the templates: no script, no CDN.
"""

from __future__ import annotations

import gettext
import json
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

import pycountry
from flask import current_app, render_template, request, url_for
from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, SKOS
from rdflib.term import Node

from coopgraph.errors import ResourceNotFound
from coopgraph.ontology import COOP, COUNTRY, SCHEMA
from coopgraph.server import queries
from coopgraph.server.resources import LABELS, Namespaces

PREFIXES = """PREFIX coop: <https://w3id.org/coopgraph/ontology#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX schema: <http://schema.org/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
"""
LANGUAGES = ("fr", "en")
#: Labels of the properties the ontology reuses without naming them itself.
_PROPERTY_LABELS = {
    str(DCTERMS.title): ("Titre", "Title"),
    str(DCTERMS.identifier): ("Identifiant", "Identifier"),
    str(DCTERMS.subject): ("Thématique", "Theme"),
    str(DCTERMS.spatial): ("Pays", "Country"),
    str(SCHEMA.endDate): ("Date de fin", "End date"),
    str(SCHEMA.fundedItem): ("Partenariat financé", "Funded partnership"),
    str(SCHEMA.funder): ("Financeur", "Funder"),
    str(SKOS.prefLabel): ("Nom", "Name"),
    str(SKOS.broader): ("Thème parent", "Broader theme"),
    str(SKOS.inScheme): ("Schéma", "Scheme"),
    str(RDF.type): ("Type", "Type"),
    str(ORG.member): ("Membre", "Member"),
    str(ORG.organization): ("Partenariat", "Partnership"),
    str(ORG.role): ("Rôle", "Role"),
    str(ORG.postIn): ("Poste dans", "Post in"),
}


def language() -> str:
    """The page language: `?lang=en`, else French."""
    return "en" if request.args.get("lang") == "en" else "fr"


def text(fr: str, en: str) -> str:
    """The interface text in the page language."""
    return en if language() == "en" else fr


def chrome() -> dict[str, Any]:
    """What every page's frame needs: language, the other language's URL, the editor's URL."""
    lang = language()
    other = "fr" if lang == "en" else "en"
    args = {key: value for key, value in request.args.items() if key != "lang"}
    if other == "en":
        args["lang"] = "en"
    switch = request.path + ("?" + urllib.parse.urlencode(args) if args else "")
    return {"lang": lang, "other_lang": other, "switch_url": switch, "t": text}


def editor_link(query: str) -> str:
    """The SPARQL editor, opened on `query`."""
    return url_for("sparql.endpoint") + "?" + urllib.parse.urlencode({"query": query})


def pick(literals: list[Node]) -> str | None:
    """The literal in the page language, else French, else untagged, else any."""
    by_language: dict[str, str] = {}
    for literal in literals:
        if isinstance(literal, Literal):
            by_language.setdefault(literal.language or "", str(literal))
    for wanted in (language(), "fr", ""):
        if wanted in by_language:
            return by_language[wanted]
    return next(iter(by_language.values()), None)


def label(graph: Graph, node: Node) -> str | None:
    """The best name `graph` gives `node`."""
    for predicate in LABELS:
        found = pick(list(graph.objects(node, URIRef(predicate))))
        if found:
            return found
    return None


@cache
def _country_names(lang: str) -> dict[str, str]:
    names = {}
    translation = gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True
    )
    for country in pycountry.countries:
        names[country.alpha_3] = translation.gettext(country.name)
    return names


def country_name(code: str) -> str:
    """A country's name in the page language, from its ISO 3166 alpha-3 code."""
    return _country_names(language()).get(code.upper(), code.upper())


def _country_code(iri: Node) -> str | None:
    text_ = str(iri)
    return text_[len(str(COUNTRY)) :] if text_.startswith(str(COUNTRY)) else None


def href(iri: Node) -> str | None:
    """Where a link to `iri` goes on this site (None: nowhere here)."""
    code = _country_code(iri)
    if code:
        return url_for("pages.country", code=code)
    path = Namespaces(current_app.config["BASE"]).local_path(str(iri))
    if path and str(iri).startswith("https://w3id.org/coopgraph/ontology#"):
        return path + "#" + str(iri).split("#", 1)[1]
    return path


@dataclass
class Link:
    """Something a page links to, with its name."""

    iri: str
    name: str
    url: str | None

    @classmethod
    def of(cls, iri: Node, name: str | None) -> Link:
        if isinstance(iri, BNode):  # no address to link to: its name, or a placeholder
            return cls("", name or text("(nœud anonyme)", "(blank node)"), None)
        code = _country_code(iri)
        shown = name or (country_name(code) if code else None) or _short(str(iri))
        return cls(str(iri), shown, href(iri))


def _short(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


@dataclass
class FundingRow:
    """One line of a partnership's funding table."""

    year: str
    amount: Decimal
    funder: Link | None
    instrument: str


@dataclass
class Field:
    """One row of a resource's property table."""

    name: str
    property: str
    values: list[Link | str] = field(default_factory=list)


def _property_labels(properties: set[str]) -> dict[str, str]:
    """Names of properties: from the ontology graph, else our table, else the IRI's end."""
    names = {iri: pair[0 if language() == "fr" else 1] for iri, pair in _PROPERTY_LABELS.items()}
    ours = [iri for iri in properties if iri.startswith(str(COOP))]
    if ours:
        values = " ".join(f"<{iri}>" for iri in ours)
        rows = queries.select(
            f"SELECT ?p ?label WHERE {{ VALUES ?p {{ {values} }} ?p <{RDFS.label}> ?label }}"
        )
        grouped: dict[str, list[Node]] = defaultdict(list)
        for row in rows:
            grouped[str(row["p"])].append(row["label"])
        names.update({iri: pick(labels) or _short(iri) for iri, labels in grouped.items()})
    return {iri: names.get(iri, _short(iri)) for iri in properties}


def fields(graph: Graph, subject: URIRef) -> list[Field]:
    """The subject's own triples as rows: property name, values (links with names)."""
    by_property: dict[str, list[Node]] = defaultdict(list)
    for predicate, value in graph.predicate_objects(subject):
        by_property[str(predicate)].append(value)
    names = _property_labels(set(by_property))
    rows = []
    for iri, values in sorted(by_property.items(), key=lambda item: names[item[0]].lower()):
        row = Field(names[iri], iri)
        for value in sorted(values, key=str):
            if isinstance(value, Literal):
                if value.language in (None, language(), "fr") or len(values) == 1:
                    row.values.append(str(value))
            else:
                row.values.append(Link.of(value, label(graph, value)))
        rows.append(row)
    return rows


def inbound(graph: Graph, subject: URIRef) -> list[tuple[str, Link]]:
    """What points at the subject: (property name, the resource that points)."""
    pairs = [(str(p), s) for s, p in graph.subject_predicates(subject)]
    names = _property_labels({p for p, _ in pairs})
    return sorted(
        ((names[p], Link.of(s, label(graph, s))) for p, s in pairs),
        key=lambda pair: (pair[0], pair[1].name),
    )


def json_ld(data: dict[str, Any]) -> str:
    """schema.org JSON-LD for a page's <script> (Jinja's tojson escapes it for HTML)."""
    return json.dumps({"@context": "https://schema.org", **data}, ensure_ascii=False)


def _page(template: str, **context: Any) -> str:
    return render_template(template, **chrome(), **context)


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
    name = label(graph, iri) or _short(str(iri))
    query = f"DESCRIBE <{iri}>"
    return _page(
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
    funding_query = f"""{PREFIXES}SELECT ?funding ?year ?amount ?funder
  (COALESCE(SAMPLE(?localName), SAMPLE(?frenchName)) AS ?funderName)
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
            link.name += f" ({country_name(_country_code(member['country']) or '')})"
        roles[str(member.get("roleName", ""))].append(link)
    theme_path = _theme_path(queries.select(themes_query))
    title = label(graph, iri) or _short(str(iri))
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
    name = label(graph, iri) or _short(str(iri))
    country = graph.value(iri, DCTERMS.spatial)
    data: dict[str, Any] = {"@type": "Organization", "@id": str(iri), "name": name}
    if country is not None:
        data["location"] = {"@type": "Country", "name": country_name(_country_code(country) or "")}
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
    return _page(
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
    return _page(
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
    return _page(
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
