"""What every HTML page shares: language, names and links of resources, property tables.

French first (`?lang=en` for English). Resources of ours link to their local pages, countries to
/country/{ISO3}, anything else to its IRI; blank nodes to nothing.
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


def country_code(iri: Node) -> str | None:
    text_ = str(iri)
    return text_[len(str(COUNTRY)) :] if text_.startswith(str(COUNTRY)) else None


def href(iri: Node) -> str | None:
    """Where a link to `iri` goes on this site (None: nowhere here)."""
    code = country_code(iri)
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
        code = country_code(iri)
        shown = name or (country_name(code) if code else None) or short(str(iri))
        return cls(str(iri), shown, href(iri))


def short(iri: str) -> str:
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
        names.update({iri: pick(labels) or short(iri) for iri, labels in grouped.items()})
    return {iri: names.get(iri, short(iri)) for iri in properties}


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


def page(template: str, **context: Any) -> str:
    return render_template(template, **chrome(), **context)
