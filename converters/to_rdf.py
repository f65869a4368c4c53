"""`Record` → rdflib graph under the cooperation ontology (MODEL.md, "Core terms").

Every node gets a stable IRI computed from the record (no blank nodes), so converting the same
input twice gives the same triples, and the same authority named twice is one IRI.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from rdflib import RDF, RDFS, SKOS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV

from coopgraph.converters.countries import country_code
from coopgraph.converters.parsed import ParseWarning
from coopgraph.converters.record import Contact, Record
from coopgraph.converters.text import iso_date, name_key, slugify
from coopgraph.ontology import COOP, COUNTRY, ORG, SCHEMA, concept_iri, load, scheme_iri

PREFIXES = {
    "coop": COOP._NS,
    "coopv": "https://w3id.org/coopgraph/vocab/",
    "org": ORG,
    "schema": SCHEMA,
    "dct": DCTERMS,
    "skos": SKOS,
    "prov": PROV,
    "foaf": FOAF,
    "country": COUNTRY,
    "xsd": XSD,
}
ROLE_OF = {
    COOP.projectOwner: "maitre-ouvrage",
    COOP.projectManager: "maitre-oeuvre",
    COOP.foreignPartner: "partenaire-etranger",
    COOP.frenchPartner: "collectivite-francaise",
}
UNNAMED_CONTACT = "Contact du partenariat"


def new_graph(store: str = "SimpleMemory") -> Graph:
    """An empty graph with our prefixes (MODEL.md's `schema:` is http://schema.org/).

    One record is one graph: rdflib's context-free SimpleMemory store is enough, and faster
    to fill and to read than its context-aware "Memory" (plain pyshacl needs the latter).
    """
    graph = Graph(store=store, bind_namespaces="core")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, replace=True)
    return graph


@dataclass(frozen=True)
class ConversionOptions:
    """How records become RDF: the base of minted IRIs, and whether people are published."""

    base: str = "http://localhost:5000/"
    include_personal_data: bool = False
    #: rdflib store of the record graphs: "Memory" when they go to plain pyshacl (context-aware).
    store: str = "SimpleMemory"

    def iri(self, kind: str, key: str) -> URIRef:
        """`{BASE}id/{kind}/{key}`."""
        return URIRef(f"{self.base}id/{kind}/{key}")

    def graph_iri(self, identifier: str) -> URIRef:
        """`{BASE}graph/partnership/{key}`: the named graph of one record."""
        return URIRef(f"{self.base}graph/partnership/{slugify(identifier)}")


@cache
def known_concepts(scheme: str) -> frozenset[URIRef]:
    """Concepts the shipped vocabulary defines in a scheme."""
    vocabulary = load()
    return frozenset(
        concept
        for concept in vocabulary.subjects(SKOS.inScheme, scheme_iri(scheme))
        if isinstance(concept, URIRef)
    )


@cache
def funder_categories() -> dict[str, URIRef]:
    """Funder categories of the vocabulary by the name key of their French label."""
    vocabulary = load()
    return {
        name_key(str(label)): concept
        for concept in known_concepts("funder-category")
        for label in vocabulary.objects(concept, SKOS.prefLabel)
        if getattr(label, "language", None) == "fr"
    }


class _Builder:
    """Adds one record's triples to a graph; resolves names to organisations on the way."""

    def __init__(self, record: Record, options: ConversionOptions) -> None:
        self.record = record
        self.options = options
        self.graph = new_graph(options.store)
        self.key = slugify(record.identifier)
        self.partnership = options.iri("partnership", self.key)
        self.warnings: list[ParseWarning] = []
        # name key → organisation IRI, seeded with the partners whose country is known
        self.organisations: dict[str, URIRef] = {}

    def add(self, subject: URIRef, predicate: URIRef, value: URIRef | Literal | None) -> None:
        if value is not None:
            self.graph.add((subject, predicate, value))

    def text(self, subject: URIRef, predicate: URIRef, value: str | None) -> None:
        if value:
            self.add(subject, predicate, Literal(value, lang="fr"))

    def concept(self, scheme: str, label: str | None, field: str) -> URIRef | None:
        """A concept of one of our schemes by its French label; unknown labels are minted."""
        if not label:
            return None
        concept = concept_iri(scheme, slugify(label))
        if scheme != "theme" and concept not in known_concepts(scheme):
            self.warnings.append(
                ParseWarning(f"{label!r} is not in the {scheme!r} scheme yet", field=field)
            )
        if concept not in known_concepts(scheme):
            self.add(concept, RDF.type, SKOS.Concept)
            self.add(concept, SKOS.inScheme, scheme_iri(scheme))
            self.text(concept, SKOS.prefLabel, label)
        return concept

    def organisation(self, name: str, country: str | None = None) -> URIRef:
        """The organisation of a name; one IRI per name key (and country, when known)."""
        key = name_key(name)
        if key in self.organisations:
            return self.organisations[key]
        path = f"{country.lower()}/{key}" if country else key
        iri = self.options.iri("organisation", path)
        self.organisations[key] = iri
        self.add(iri, RDF.type, ORG.Organization)
        self.text(iri, SKOS.prefLabel, name)
        if country:
            self.add(iri, DCTERMS.spatial, COUNTRY[country])
        return iri

    def role(self, predicate: URIRef, organisation: URIRef) -> None:
        """`coop:projectOwner` (or kin) and the matching `org:Membership`."""
        role = ROLE_OF[predicate]
        self.add(self.partnership, predicate, organisation)
        local = organisation.removeprefix(f"{self.options.base}id/organisation/")
        membership = self.options.iri("membership", f"{self.key}/{role}/{local}")
        self.add(membership, RDF.type, ORG.Membership)
        self.add(membership, ORG.organization, self.partnership)
        self.add(membership, ORG.member, organisation)
        self.add(membership, ORG.role, concept_iri("role", role))

    def person(self, contact: Contact, post: URIRef) -> None:
        """A contact's name and e-mail: only when publishing people is on."""
        if not (self.options.include_personal_data and contact.name):
            return
        person = self.options.iri("person", slugify(contact.name))
        self.add(person, RDF.type, SCHEMA.Person)
        self.add(person, SCHEMA.name, Literal(contact.name))
        if contact.email:
            self.add(person, SCHEMA.email, Literal(contact.email))
        self.add(person, ORG.holds, post)

    def post(self, organisation: URIRef, contact: Contact) -> None:
        """The post a contact holds, public; the person only with personal data on."""
        label = contact.role or UNNAMED_CONTACT
        local = organisation.removeprefix(f"{self.options.base}id/organisation/")
        post = self.options.iri("post", f"{local}/{slugify(label)}")
        self.add(post, RDF.type, ORG.Post)
        self.add(post, ORG.postIn, organisation)
        self.text(post, SKOS.prefLabel, label)
        self.add(self.partnership, COOP.contactPost, post)
        self.person(contact, post)


def _year(value: str | None) -> Literal | None:
    return Literal(value.strip(), datatype=XSD.gYear) if value and value.strip() else None


def _boolean(value: bool | None) -> Literal | None:
    return None if value is None else Literal(value)


def _amount(value: Decimal | None) -> Literal | None:
    """xsd:decimal in its XSD 1.0 canonical form ("6600.0"), which Turtle round-trips."""
    if value is None:
        return None
    text = format(value.normalize() if value == value.to_integral() else value, "f")
    return Literal(text if "." in text else f"{text}.0", datatype=XSD.decimal)


def record_graph(
    record: Record, options: ConversionOptions | None = None
) -> tuple[Graph, list[ParseWarning]]:
    """The triples of one record (without provenance), and what was noticed on the way."""
    b = _Builder(record, options or ConversionOptions())
    _describe(b, record)
    _add_themes(b, record)
    _add_actors(b, record)
    _add_funding(b, record)
    _add_contacts(b, record)
    return b.graph, b.warnings


def _describe(b: _Builder, record: Record) -> None:
    """Identifier, title, years, dates, status, form, long texts and flags."""
    p = b.partnership
    b.add(p, RDF.type, COOP.Partnership)
    b.add(p, DCTERMS.identifier, Literal(record.identifier))
    b.text(p, DCTERMS.title, record.title)
    b.add(p, COOP.firstSignatureYear, _year(record.first_signature_year))
    b.add(p, COOP.startYear, _year(record.start_year))
    if record.end_date:
        date = iso_date(record.end_date)
        if date is None:
            b.warnings.append(ParseWarning(f"{record.end_date!r} is not a date", field="end_date"))
        b.add(p, SCHEMA.endDate, Literal(date or record.end_date, datatype=XSD.date))
    b.add(p, COOP.status, b.concept("status", record.status, "status"))
    b.add(p, COOP.form, b.concept("form", record.form, "form"))
    for predicate, value in (
        (COOP.context, record.context),
        (COOP.history, record.history),
        (COOP.objectives, record.objectives),
        (COOP.description, record.description),
        (COOP.beneficiaries, record.beneficiaries),
    ):
        b.text(p, predicate, value)
    for predicate, flag in (
        (COOP.triennial, record.triennial),
        (COOP.communicationInFrance, record.communication_in_france),
        (COOP.communicationInPartnerCountries, record.communication_in_partner_countries),
        (COOP.evaluation, record.evaluation),
    ):
        b.add(p, predicate, _boolean(flag))
    if record.volunteers is not None:
        b.add(p, COOP.volunteerCount, Literal(len(record.volunteers), datatype=XSD.integer))
        if b.options.include_personal_data:
            for number, volunteer in enumerate(record.volunteers, start=1):
                node = b.options.iri("volunteering", f"{b.key}/{number}")
                b.add(p, COOP.volunteer, node)
                b.add(node, RDF.type, COOP.Volunteering)
                b.add(node, RDFS.comment, Literal(volunteer.row))


def _theme_path(b: _Builder, labels: tuple[str | None, ...], field: str) -> URIRef | None:
    """Theme, sub-theme, sub-sub-theme as a skos:broader chain; the most specific concept."""
    broader = None
    for label in labels:
        concept = b.concept("theme", label, field)
        if concept is None:
            continue
        if broader is None:
            b.add(concept, SKOS.topConceptOf, scheme_iri("theme"))
        b.add(concept, SKOS.broader, broader)
        broader = concept
    return broader


def _add_themes(b: _Builder, record: Record) -> None:
    """The main theme path (dct:subject) and each "other theme" row with its priority."""
    p = b.partnership
    b.add(
        p,
        DCTERMS.subject,
        _theme_path(b, (record.theme, record.sub_theme, record.sub_sub_theme), "theme"),
    )
    for number, row in enumerate(record.other_themes, start=1):
        assignment = b.options.iri("theme-assignment", f"{b.key}/{number}")
        b.add(p, COOP.otherTheme, assignment)
        b.add(assignment, RDF.type, COOP.ThemeAssignment)
        b.add(
            assignment,
            COOP.theme,
            _theme_path(b, (row.theme, row.sub_theme, row.sub_sub_theme), "other_themes"),
        )
        b.add(assignment, COOP.priority, Literal(row.priority) if row.priority else None)


def _add_actors(b: _Builder, record: Record) -> None:
    """Partners, maîtres d'ouvrage and d'œuvre, with their memberships."""
    # Partners first: they know their country, and the names used elsewhere resolve to them.
    for partner in record.foreign_partners:
        code = country_code(partner.country) if partner.country else None
        if partner.country and code is None:
            b.warnings.append(
                ParseWarning(f"country {partner.country!r} is unknown", field="foreign_partners")
            )
        b.role(COOP.foreignPartner, b.organisation(partner.name, code))
    for name in record.french_partners:
        b.role(COOP.frenchPartner, b.organisation(name, "FRA"))
    for name in record.project_owners:
        b.role(COOP.projectOwner, b.organisation(name))
    for name in record.project_managers:
        b.role(COOP.projectManager, b.organisation(name))


def _add_funding(b: _Builder, record: Record) -> None:
    """One coop:Funding a row, and one more for each of its "1 %" amounts."""
    for number, row in enumerate(record.funding, start=1):
        funder = funder_categories().get(name_key(row.funder)) or b.organisation(row.funder)
        grants = [("general", row.amount_eur, str(number))]
        grants += [
            (o.instrument, o.amount_eur, f"{number}-{o.instrument}") for o in row.one_percent
        ]
        for instrument, amount, local in grants:
            grant = b.options.iri("funding", f"{b.key}/{local}")
            b.add(grant, RDF.type, COOP.Funding)
            b.add(grant, SCHEMA.fundedItem, b.partnership)
            b.add(grant, SCHEMA.funder, funder)
            b.add(grant, COOP.amountEUR, _amount(amount))
            b.add(grant, COOP.year, _year(row.year))
            b.add(grant, COOP.instrument, concept_iri("instrument", instrument))


def _add_contacts(b: _Builder, record: Record) -> None:
    """The embassy and its posts, the partners' contact posts (people only when published)."""
    if record.diplomatic_post:
        embassy = b.organisation(record.diplomatic_post)
        b.add(b.partnership, COOP.diplomaticPost, embassy)
        for contact in record.diplomatic_contacts:
            b.post(embassy, contact)
    for contact in record.foreign_contacts:
        b.post(b.organisation(contact.organisation), contact)


@dataclass(frozen=True)
class Provenance:
    """Where a record's graph comes from (MODEL.md, "Provenance")."""

    source: str
    generated_at: str
    sha256: str
    converter_version: str


def add_provenance(graph: Graph, graph_iri: URIRef, partnership: URIRef, prov: Provenance) -> None:
    """Describe the named graph inside itself, so replacing the graph replaces its provenance."""
    graph.add((graph_iri, RDF.type, PROV.Entity))
    graph.add((graph_iri, FOAF.primaryTopic, partnership))
    graph.add((graph_iri, PROV.wasDerivedFrom, URIRef(prov.source)))
    graph.add((graph_iri, PROV.generatedAtTime, Literal(prov.generated_at, datatype=XSD.dateTime)))
    graph.add((graph_iri, COOP.converterVersion, Literal(prov.converter_version)))
    graph.add((graph_iri, COOP.sourceHash, Literal(f"sha256:{prov.sha256}")))
