"""One test (or a few) per parsing rule of MODEL.md that lives in converters.text."""

from __future__ import annotations

import pytest

from coopgraph.converters.countries import country_code, split_trailing_country
from coopgraph.converters.text import (
    decode,
    iso_date,
    join_paragraphs,
    name_key,
    normalise_line,
    slugify,
    unobfuscate_email,
)
from coopgraph.errors import UnreadableInput


def test_text_is_nfc() -> None:
    assert normalise_line("Sale\u0301") == "Salé"


@pytest.mark.parametrize("bullet", ["\uf0a7", "\uf0b7", "\uf0d8", "\uf076"])
def test_word_private_use_bullets_become_bullets(bullet: str) -> None:
    assert normalise_line(f"{bullet} Le diagnostic") == "• Le diagnostic"


def test_nbsp_only_lines_are_dropped_and_paragraphs_kept() -> None:
    lines = ["Premier.", "suite", "\u00a0", "", "\u00a0 ", "Second."]
    assert join_paragraphs(lines) == "Premier.\nsuite\n\nSecond."
    assert join_paragraphs(["\u00a0", ""]) is None


@pytest.mark.parametrize(
    ("written", "email"),
    [
        ("frederick.coopdec[at]gmail.com", "frederick.coopdec@gmail.com"),
        ("a.b [at] diplomatie[dot]gouv.fr", "a.b@diplomatie.gouv.fr"),
        ("x@y.org", "x@y.org"),
    ],
)
def test_obfuscated_emails(written: str, email: str) -> None:
    assert unobfuscate_email(written) == email


@pytest.mark.parametrize(
    ("written", "iso"),
    [("31/12/2021", "2021-12-31"), ("1/2/2020", "2020-02-01"), ("2021-12-31", "2021-12-31")],
)
def test_french_dates_become_iso(written: str, iso: str) -> None:
    assert iso_date(written) == iso


@pytest.mark.parametrize("written", ["31/02/2021", "2021", "fin 2021", "12/31/2021"])
def test_impossible_dates_are_not_dates(written: str) -> None:
    assert iso_date(written) is None


@pytest.mark.parametrize(
    "spelling",
    [
        "Mantes la Jolie",
        "Mantes-la-Jolie",
        "MANTES-LA-JOLIE",
        "Ville de Mantes-la-Jolie",
        "Commune de Mantes la Jolie",
        "Mantes–la Jolie",
    ],
)
def test_spellings_of_one_authority_share_a_key(spelling: str) -> None:
    assert name_key(spelling) == "mantes-la-jolie"


def test_prefixes_are_stripped_but_names_kept_apart() -> None:
    assert name_key("Municipalité de Rabat") == name_key("Rabat") == "rabat"
    assert name_key("Commune d’Ifrane") == "ifrane"
    assert name_key("La Rochelle") != name_key("Rochelle")
    assert name_key("Commune") == "commune"  # a prefix alone is a name


def test_slugs() -> None:
    assert slugify("Projet de coopération décentralisée") == "projet-de-cooperation-decentralisee"
    assert slugify("Mise en œuvre") == "mise-en-oeuvre"
    assert slugify("  — ") == ""


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Maroc", "MAR"),
        ("Sénégal", "SEN"),
        ("Burkina Faso", "BFA"),
        ("Côte d'Ivoire", "CIV"),
        ("Côte d’Ivoire", "CIV"),
        ("République démocratique du Congo", "COD"),
        ("Viêt Nam", "VNM"),
        ("Iran", "IRN"),
        ("République islamique d'Iran", "IRN"),
        ("États-Unis", "USA"),
        ("Etats-Unis", "USA"),
        ("maroc", "MAR"),
        ("Territoires palestiniens", "PSE"),
    ],
)
def test_french_country_names_through_pycountry(name: str, code: str) -> None:
    assert country_code(name) == code


def test_trailing_country_is_split_from_the_name() -> None:
    assert split_trailing_country("Municipalité de Rabat Maroc") == (
        "Municipalité de Rabat",
        "Maroc",
        "MAR",
    )
    assert split_trailing_country("Kinshasa République démocratique du Congo")[2] == "COD"
    assert split_trailing_country("Nulle part") == ("Nulle part", None, None)


def test_utf8_bom_and_crlf_are_read_and_noted() -> None:
    decoded = decode("\ufeffTitre\r\nAbc\r\n".encode(), "x.txt")
    assert decoded.text == "Titre\nAbc\n"
    assert decoded.warnings == []
    assert len(decoded.notes) == 2


def test_latin1_is_read_with_a_warning_naming_the_line() -> None:
    decoded = decode("Titre\nCoopération décentralisée\n".encode("latin-1"), "x.txt")
    assert "Coopération décentralisée" in decoded.text
    assert [line for line, _ in decoded.warnings] == [2]
    assert "not UTF-8" in decoded.warnings[0][1]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b" \n\r\n\t", "empty"),
        (b"Titre\n\x00\x01\x02", "binary"),
        (bytes(range(1, 32)) * 40, "binary"),
    ],
)
def test_unreadable_bytes(data: bytes, message: str) -> None:
    with pytest.raises(UnreadableInput, match=message) as error:
        decode(data, "x.bin")
    assert error.value.source == "x.bin"
    assert error.value.exit_code == 2
