"""The Atlas page's tables: one function a table, from its rows to record values.

HTML pages give cells; page text gives one line a row whose columns must be found from what
they hold (a trailing country name, trailing numbers, an e-mail). Rows that cannot be read are
returned as warnings with their line, never dropped in silence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from coopgraph.converters.countries import split_trailing_country
from coopgraph.converters.lines import Line
from coopgraph.converters.parsed import ParseWarning
from coopgraph.converters.record import (
    Contact,
    FundingRow,
    OnePercentAmount,
    Partner,
    ThemeRow,
    Volunteer,
)
from coopgraph.converters.text import collapse_spaces, fold, normalise_line, unobfuscate_email

#: Page furniture that ends table rows (the magnifier icon's untranslated alt text).
LOUPE = "commun.ico.loupe.alter"
_NUMBER = re.compile(r"^-?\d+(?:[.,]\d+)?$")
_EMAIL = re.compile(r"^\S+(?:@|\[at\])\S+\.\S+$", re.IGNORECASE)
_YEAR = re.compile(r"^\d{4}$")


def _cells(line: Line) -> list[str] | None:
    if line.cells is None:
        return None
    return [collapse_spaces(normalise_line(cell)) for cell in line.cells if cell.strip() != LOUPE]


def _text(line: Line) -> str:
    words = collapse_spaces(normalise_line(line.text)).split(" ")
    return " ".join(word for word in words if word != LOUPE)


def _cell(cells: list[str], index: int) -> str | None:
    return (cells[index] or None) if index < len(cells) else None


def foreign_partners(rows: Iterable[Line]) -> tuple[list[Partner], list[ParseWarning]]:
    """Rows "Name Country" of the foreign partners table."""
    partners: list[Partner] = []
    warnings: list[ParseWarning] = []
    for row in rows:
        cells = _cells(row)
        if cells is not None:
            name, country = _cell(cells, 0), _cell(cells, 1)
        else:
            name, country, _ = split_trailing_country(_text(row))
        if not name:
            warnings.append(ParseWarning("partner row without a name, ignored", row.number))
            continue
        if country is None:
            warnings.append(
                ParseWarning(
                    f"no known country at the end of {name!r}: the partner is kept without one",
                    row.number,
                    "Pays",
                )
            )
        partners.append(Partner(name, country))
    return partners, warnings


def french_partners(rows: Iterable[Line]) -> list[str]:
    """Rows "Name" of the French partner authorities table."""
    names = []
    for row in rows:
        cells = _cells(row)
        name = _cell(cells, 0) if cells is not None else _text(row)
        if name:
            names.append(name)
    return names


def _split_person(words: list[str]) -> tuple[str | None, str | None]:
    """Split "NOM Prénom Fonction…" into the person's name and the function.

    The surname is the leading run of capitalised words (or the first word), the given name the
    word after it; what follows is the function.
    """
    if not words:
        return None, None
    surname_end = 0
    while surname_end < len(words) and words[surname_end].isupper() and len(words[surname_end]) > 1:
        surname_end += 1
    surname_end = max(surname_end, 1)
    name_end = min(surname_end + 1, len(words))
    function = " ".join(words[name_end:]) or None
    return " ".join(words[:name_end]), function


def foreign_contacts(
    rows: Iterable[Line], partners: list[Partner]
) -> tuple[list[Contact], list[ParseWarning]]:
    """Rows "Partner NOM Prénom Fonction e-mail" of the partners' contacts table."""
    contacts: list[Contact] = []
    warnings: list[ParseWarning] = []
    known = sorted((partner.name for partner in partners), key=len, reverse=True)
    for row in rows:
        cells = _cells(row)
        if cells is not None:
            surname_given = " ".join(filter(None, (_cell(cells, 1), _cell(cells, 2))))
            email = _cell(cells, 4)
            contacts.append(
                Contact(
                    organisation=_cell(cells, 0) or "",
                    role=_cell(cells, 3),
                    name=surname_given or None,
                    email=unobfuscate_email(email) if email else None,
                )
            )
            continue
        text = _text(row)
        organisation = next((n for n in known if fold(text).startswith(fold(n) + " ")), None)
        if organisation is None:
            warnings.append(
                ParseWarning(
                    f"contact row {text!r} does not start with a foreign partner's name; ignored",
                    row.number,
                    "Contacts dans les partenaires étrangers",
                )
            )
            continue
        words = text[len(organisation) :].split()
        email = unobfuscate_email(words.pop()) if words and _EMAIL.match(words[-1]) else None
        name, role = _split_person(words)
        contacts.append(Contact(organisation, role, name, email))
    return contacts, warnings


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None


def _instrument(header: str) -> str:
    """Our instrument slug for a funding column header ("Montant 1% Eau (Loi Oudin 2005)")."""
    folded = fold(header)
    for word, slug in (("eau", "oudin-eau"), ("energie", "energie"), ("dechet", "dechets")):
        if re.search(rf"\b{word}", folded):
            return slug
    return "transports" if "transport" in folded or "mobilit" in folded else "oudin-eau"


def funding(
    rows: Iterable[Line], header: Line | None
) -> tuple[list[FundingRow], list[ParseWarning]]:
    """Rows "Funder amount [1 % amounts…] year" of the funding table."""
    columns = _cells(header) if header is not None else None
    result: list[FundingRow] = []
    warnings: list[ParseWarning] = []
    for row in rows:
        cells = _cells(row)
        if cells is not None and columns:
            funder, numbers = cells[0], list(zip(columns[1:], cells[1:], strict=False))
        else:
            words = _text(row).replace("€", " ").split()
            split = len(words)
            while split > 0 and _NUMBER.match(words[split - 1].replace("\u202f", "")):
                split -= 1
            funder = " ".join(words[:split])
            numbers = [("", word.replace("\u202f", "")) for word in words[split:]]
        numbers = [(column, value.replace(" ", "")) for column, value in numbers if value.strip()]
        if not funder or not numbers:
            warnings.append(
                ParseWarning(
                    f"funding row {_text(row)!r} has no funder or no amount; ignored",
                    row.number,
                    "Financement du partenariat",
                )
            )
            continue
        year = numbers.pop()[1] if _YEAR.match(numbers[-1][1]) else None
        if year is None:
            warnings.append(
                ParseWarning(
                    f"funding row of {funder!r} does not end with a year",
                    row.number,
                    "Financement du partenariat",
                )
            )
        amount = _decimal(numbers[0][1]) if numbers else None
        one_percent = [
            OnePercentAmount(_instrument(column), value)
            for column, text in numbers[1:]
            if (value := _decimal(text)) is not None
        ]
        result.append(FundingRow(funder, amount, year, one_percent))
    return result, warnings


def other_themes(rows: Iterable[Line]) -> tuple[list[ThemeRow], list[ParseWarning]]:
    """Rows of "Autres thématiques": theme, sub-theme, sub-sub-theme, priority."""
    themes: list[ThemeRow] = []
    warnings: list[ParseWarning] = []
    for row in rows:
        cells = _cells(row)
        if cells is not None and cells and cells[0]:
            themes.append(ThemeRow(cells[0], _cell(cells, 1), _cell(cells, 2), _cell(cells, 3)))
        elif text := _text(row):
            warnings.append(
                ParseWarning(
                    "theme row without columns: kept whole as the theme; give the page as HTML "
                    "to keep sub-themes and priority apart",
                    row.number,
                    "Autres thématiques",
                )
            )
            themes.append(ThemeRow(text))
    return themes, warnings


def volunteers(rows: Iterable[Line]) -> list[Volunteer]:
    """Rows of the volunteers table (personal data: kept whole, columns when known)."""
    result = []
    for row in rows:
        cells = _cells(row)
        if cells is not None:
            name = " ".join(filter(None, (_cell(cells, 0), _cell(cells, 1)))) or None
            result.append(
                Volunteer(_text(row), name, _cell(cells, 2), _cell(cells, 3), _cell(cells, 4))
            )
        elif text := _text(row):
            result.append(Volunteer(text))
    return result
