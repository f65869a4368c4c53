"""The page parser and the RDF mapping, rule by rule (MODEL.md, "Parsing rules", "Core terms")."""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import content, convert_text, iri, sample
from rdflib import RDF, SKOS, XSD, Literal, URIRef
from rdflib.namespace import DCTERMS

from coopgraph.converters.to_rdf import ConversionOptions
from coopgraph.ontology import COOP, COUNTRY, ORG, SCHEMA, concept_iri

SCHEMA_EMAIL = SCHEMA.email


def _replace(page: str, old: str, new: str) -> str:
    assert old in page, f"{old!r} is not in the page"
    return page.replace(old, new, 1)


def test_labels_anchor_fields_and_furniture_is_stripped(rabat: str) -> None:
    conversion = convert_text(rabat)
    record = conversion.record
    assert record.title and record.title.startswith("Accompagnement à la structuration")
    assert record.start_year == "2019" and record.first_signature_year == "2005"
    assert record.sub_sub_theme is None
    text = content(conversion).serialize(format="nt")
    for furniture in ("???", "pagination", "commun.ico.loupe", "PIED DE PAGE", "Tous droits"):
        assert furniture not in text
    assert conversion.warnings == []


def test_doubled_captions_and_header_rows_are_not_data(rabat: str) -> None:
    record = convert_text(rabat).record
    assert [p.name for p in record.foreign_partners] == ["Municipalité de Rabat"]
    assert record.french_partners == ["Mantes la Jolie"]
    assert all(row.funder != "Nom du financeur" for row in record.funding)
    assert record.other_themes == [] and record.volunteers == []


def test_unknown_label_is_reported_with_its_line(rabat: str) -> None:
    page = _replace(
        rabat, "Le partenariat est\nEn cours\n", "Le partenariat est\nEn cours\nCode INSEE\n78361\n"
    )
    conversion = convert_text(page)
    messages = [(w.line, w.field, w.message) for w in conversion.warnings]
    assert len(messages) == 2
    assert messages[0][0] == rabat.split("\n").index("En cours") + 2
    assert messages[0][1] == "Le partenariat est" and "Code INSEE" in messages[0][2]


def test_text_after_a_flag_is_reported_not_dropped(sale: str) -> None:
    page = _replace(
        sale,
        "Le partenariat n'est pas triennal\n",
        "Le partenariat n'est pas triennal\nLabel inconnu : oui\n",
    )
    warnings = convert_text(page).warnings
    assert any("Label inconnu" in w.message for w in warnings)


def test_funding_rows_year_amount_and_one_percent(rabat: str) -> None:
    page = _replace(
        rabat,
        "Mantes la Jolie 10000 2019",
        "Mantes la Jolie 10000 2019\nAgence de l'eau Seine-Normandie 12500,50 3000 2020",
    )
    conversion = convert_text(page)
    rows = conversion.record.funding
    water = next(row for row in rows if row.funder.startswith("Agence"))
    assert water.amount_eur == Decimal("12500.50") and water.year == "2020"
    assert [(o.instrument, o.amount_eur) for o in water.one_percent] == [
        ("oudin-eau", Decimal(3000))
    ]
    graph = content(conversion)
    oudin = [s for s in graph.subjects(COOP.instrument, concept_iri("instrument", "oudin-eau"))]
    assert len(oudin) == 1
    assert graph.value(oudin[0], COOP.amountEUR) == Literal("3000.0", datatype=XSD.decimal)
    assert graph.value(oudin[0], COOP.year) == Literal("2020", datatype=XSD.gYear)
    general = graph.value(
        predicate=COOP.amountEUR, object=Literal("12500.50", datatype=XSD.decimal)
    )
    assert general is not None and general != oudin[0]
    assert graph.value(general, SCHEMA.funder) == graph.value(oudin[0], SCHEMA.funder)


def test_funding_row_without_year_is_kept_with_a_warning(rabat: str) -> None:
    page = _replace(rabat, "Mantes la Jolie 10000 2019", "Mantes la Jolie 10000")
    conversion = convert_text(page)
    row = next(r for r in conversion.record.funding if r.amount_eur == Decimal(10000))
    assert row.year is None
    assert any("year" in w.message for w in conversion.warnings)


def test_funder_category_is_not_an_organisation(rabat: str) -> None:
    graph = content(convert_text(rabat))
    category = concept_iri("funder-category", "collectivites-et-partenaires-etrangers")
    assert len(list(graph.subjects(SCHEMA.funder, category))) == 3
    assert (category, RDF.type, ORG.Organization) not in graph


def test_one_authority_one_iri_within_a_record(rabat: str) -> None:
    graph = content(convert_text(rabat))
    mantes = iri("id/organisation/fra/mantes-la-jolie")
    assert (iri("id/partnership/test"), COOP.projectOwner, mantes) in graph
    assert (iri("id/partnership/test"), COOP.frenchPartner, mantes) in graph
    assert len(list(graph.subjects(SCHEMA.funder, mantes))) == 3
    organisations = set(graph.subjects(RDF.type, ORG.Organization))
    assert len(organisations) == 4  # Mantes, Rabat, the ministry, the embassy


def test_one_authority_one_iri_across_records(rabat: str) -> None:
    respelled = rabat.replace("Mantes la Jolie", "Mantes-la-Jolie")
    first = content(convert_text(rabat, "a"))
    second = content(convert_text(respelled, "b"))
    mantes = iri("id/organisation/fra/mantes-la-jolie")
    assert (mantes, DCTERMS.spatial, COUNTRY.FRA) in first
    assert (mantes, DCTERMS.spatial, COUNTRY.FRA) in second


def test_countries_are_eu_authority_iris(sale: str) -> None:
    graph = content(convert_text(sale))
    assert (iri("id/organisation/mar/sale"), DCTERMS.spatial, COUNTRY.MAR) in graph


def test_unknown_country_is_a_warning_and_no_triple(sale: str) -> None:
    page = _replace(sale, "Salé Maroc commun.ico", "Salé Atlantide commun.ico")
    conversion = convert_text(page)
    assert any("no known country" in w.message and w.line for w in conversion.warnings)
    assert set(content(conversion).objects(None, DCTERMS.spatial)) == {COUNTRY.FRA}


def test_dates_and_years_are_typed(rabat: str) -> None:
    graph = content(convert_text(rabat))
    p = iri("id/partnership/test")
    assert graph.value(p, SCHEMA.endDate) == Literal("2021-12-31", datatype=XSD.date)
    assert graph.value(p, COOP.startYear) == Literal("2019", datatype=XSD.gYear)


def test_malformed_values_reach_the_graph_for_validation(rabat: str) -> None:
    page = _replace(rabat, "31/12/2021", "31/13/2021")
    page = _replace(
        page, "Année de début du partenariat\n2019", "Année de début du partenariat\n20x9"
    )
    conversion = convert_text(page)
    graph = content(conversion)
    p = iri("id/partnership/test")
    assert str(graph.value(p, SCHEMA.endDate)) == "31/13/2021"
    assert str(graph.value(p, COOP.startYear)) == "20x9"
    assert any(w.field == "end_date" for w in conversion.warnings)


def test_empty_fields_produce_no_triple(sale: str) -> None:
    graph = content(convert_text(sale))
    p = iri("id/partnership/test")
    assert graph.value(p, SCHEMA.endDate) is None
    assert all(str(o).strip() for o in graph.objects() if isinstance(o, Literal))


def test_theme_levels_are_broader_chain(rabat: str) -> None:
    page = _replace(
        rabat,
        "Sous-sous-thématique d'intervention\n",
        "Sous-sous-thématique d'intervention\nAppui à la décentralisation\n",
    )
    graph = content(convert_text(page))
    subject = graph.value(iri("id/partnership/test"), DCTERMS.subject)
    assert subject == concept_iri("theme", "appui-a-la-decentralisation")
    middle = graph.value(subject, SKOS.broader)
    top = graph.value(middle, SKOS.broader)
    assert graph.value(top, SKOS.prefLabel) == Literal(
        "Politique, humanitaire et coopération transfrontalière", lang="fr"
    )
    assert (top, SKOS.topConceptOf, URIRef("https://w3id.org/coopgraph/vocab/theme")) in graph


def test_flags_both_ways(rabat: str, sale: str) -> None:
    yes = convert_text(rabat).record
    no = convert_text(sale).record
    assert (yes.triennial, yes.communication_in_france, yes.evaluation) == (True, True, True)
    assert (no.triennial, no.communication_in_france, no.evaluation) == (False, False, False)
    assert no.communication_in_partner_countries is True


def test_people_are_not_published_by_default(rabat: str) -> None:
    text = content(convert_text(rabat)).serialize(format="nt")
    for private in ("BOUIN", "COMMELIN", "BOUCHAM", "@gmail.com", "diplomatie.gouv.fr"):
        assert private not in text
    assert "Correspondant coopération décentralisée" in text


def test_people_are_published_when_asked(rabat: str) -> None:
    options = ConversionOptions(include_personal_data=True)
    graph = content(convert_text(rabat, options=options))
    emails = {str(o) for o in graph.objects(None, SCHEMA_EMAIL)}
    assert emails == {
        "frederick.coopdec@gmail.com",
        "bertrand.commelin@diplomatie.gouv.fr",
        "sabahboucham@gmail.com",
    }
    bouin = iri("id/person/frederick-bouin")
    post = iri("id/post/ambassade-de-france-a-rabat/correspondant-cooperation-decentralisee")
    assert (bouin, ORG.holds, post) in graph


def test_foreign_contact_columns(rabat: str, sale: str) -> None:
    (rabat_contact,) = convert_text(rabat).record.foreign_contacts
    assert rabat_contact.organisation == "Municipalité de Rabat"
    assert rabat_contact.name == "BOUCHAM Sabah"
    assert rabat_contact.role == "Vice Présidente en charge de l'action sociale"
    (sale_contact,) = convert_text(sale).record.foreign_contacts
    assert (sale_contact.name, sale_contact.role) == ("Zahrour Mostapha", None)


def test_tab_separated_rows_are_read_as_cells(rabat: str) -> None:
    page = _replace(
        rabat,
        "Thématique éligible Sous-thématique Sous-sous-thématique Priorité\n",
        "Thématique éligible\tSous-thématique\tSous-sous-thématique\tPriorité\n"
        "Economie durable\tTourisme\t\t2\n",
    )
    conversion = convert_text(page)
    (row,) = conversion.record.other_themes
    assert (row.theme, row.sub_theme, row.sub_sub_theme, row.priority) == (
        "Economie durable",
        "Tourisme",
        None,
        "2",
    )
    graph = content(conversion)
    assignment = iri("id/theme-assignment/test/1")
    assert graph.value(assignment, COOP.theme) == concept_iri("theme", "tourisme")
    assert graph.value(assignment, COOP.priority) == Literal("2")
    top = concept_iri("theme", "economie-durable")
    assert graph.value(concept_iri("theme", "tourisme"), SKOS.broader) == top
    # regression: the top of an "other theme" path is a top concept too
    assert (top, SKOS.topConceptOf, URIRef("https://w3id.org/coopgraph/vocab/theme")) in graph


@pytest.mark.usefixtures("fixed_conversion_time")
def test_same_input_gives_identical_output() -> None:
    page = sample("rabat-mantes-la-jolie")
    first = convert_text(page).graph.serialize(format="nt")
    second = convert_text(page).graph.serialize(format="nt")
    assert sorted(first.splitlines()) == sorted(second.splitlines())


@pytest.mark.parametrize("base", ["https://atlas.example.org/", "http://127.0.0.1:8080/x/"])
def test_base_setting_prefixes_every_minted_iri(rabat: str, base: str) -> None:
    graph = convert_text(rabat, options=ConversionOptions(base=base)).graph
    minted = {
        str(term)
        for triple in graph
        for term in triple
        if isinstance(term, URIRef) and "/id/" in str(term)
    }
    assert minted and all(term.startswith(base) for term in minted)
