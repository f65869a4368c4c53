"""Atlas partnership pages (page text or HTML) → `ParsedRecord`.

Labels are the anchors: a line equal to a known label starts a field, and its value is the lines
up to the next label (MODEL.md, "Parsing rules"). Page furniture is dropped; everything else that
is not understood is reported as a warning with its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from coopgraph.converters import tables
from coopgraph.converters.lines import Line
from coopgraph.converters.parsed import ParsedRecord, ParseWarning
from coopgraph.converters.record import Contact, Record
from coopgraph.converters.text import (
    collapse_spaces,
    fold,
    is_blank,
    join_paragraphs,
    normalise_line,
    unobfuscate_email,
)
from coopgraph.errors import NotAnAtlasPage, TruncatedPage

SINGLE_VALUES = {
    "Titre": "title",
    "Année de première signature de la convention": "first_signature_year",
    "Thématique d'intervention": "theme",
    "Sous-thématique d'intervention": "sub_theme",
    "Sous-sous-thématique d'intervention": "sub_sub_theme",
    "Année de début du partenariat": "start_year",
    "Le partenariat est": "status",
    "Date de fin du partenariat": "end_date",
    "Votre partenariat prend la forme d'un(e)": "form",
}
LONG_TEXTS = {
    "Contexte": "context",
    "Historique": "history",
    "Objectif du partenariat": "objectives",
    "Description détaillée du partenariat": "description",
    "Bénéficiaire(s)": "beneficiaries",
}
NAME_LISTS = {"Maître(s) d'ouvrage": "project_owners", "Maître(s) d'œuvre": "project_managers"}
#: Table captions → (field, how its header row starts).
TABLES = {
    "Autres thématiques mises en œuvre pour le partenariat": ("other_themes", "Thématique"),
    "Partenaires étrangers du partenariat": ("foreign_partners", "Nom de la collectivité"),
    "Contacts dans les partenaires étrangers du partenariat": (
        "foreign_contacts",
        "Nom de la collectivité",
    ),
    "Collectivités territoriales partenaires du partenariat": (
        "french_partners",
        "Nom de la collectivité",
    ),
    "Financement du partenariat": ("funding", "Nom du financeur"),
    "Volontaires impliqués dans le partenariat (VSI, service civique, etc.) "
    "d'Échange et de Solidarité": ("volunteers", "Nom Prénom"),
}
FLAGS = {
    "Le partenariat est triennal": ("triennial", True),
    "Le partenariat n'est pas triennal": ("triennial", False),
    "Une communication a été engagée en France": ("communication_in_france", True),
    "Aucune communication n'a été engagée en France": ("communication_in_france", False),
    "Une communication a été engagée dans les pays partenaires": (
        "communication_in_partner_countries",
        True,
    ),
    "Aucune communication n'a été engagée dans les pays partenaires": (
        "communication_in_partner_countries",
        False,
    ),
    "Une politique d'évaluation a été engagée": ("evaluation", True),
    "Aucune politique d'évaluation n'a été engagée": ("evaluation", False),
}
HEADINGS = {
    "Atlas français de la coopération décentralisée et des autres actions extérieures",
    "Mise en œuvre du partenariat",
    "Évaluations, communication et perspectives",
}
FOOTER = "PIED DE PAGE"
_DIPLOMATIC_POST = re.compile(
    r'^Contacts dans le poste diplomatique\s*["«“]\s*(.*?)\s*["»”]$', re.IGNORECASE
)
#: A word of every line `_DIPLOMATIC_POST` matches, as `_key` writes it: a cheap test first
#: (no letter of it has a case-insensitive match that `fold` would not turn into it).
_POST_WORD = "poste"
_FURNITURE = re.compile(
    r"^(?:accueil\s*>.*|.*\?\?\?[\w.]+\?\?\?.*|.*pagination\.page\..*|tous droits reserves\b.*)$"
)


def _key(text: str) -> str:
    return fold(collapse_spaces(text))


_LABELS: dict[str, tuple[str, str]] = {
    **{_key(label): ("single", name) for label, name in SINGLE_VALUES.items()},
    **{_key(label): ("text", name) for label, name in LONG_TEXTS.items()},
    **{_key(label): ("names", name) for label, name in NAME_LISTS.items()},
    **{_key(label): ("table", label) for label in TABLES},
    **{_key(label): ("flag", label) for label in FLAGS},
    **{_key(label): ("heading", label) for label in HEADINGS},
    _key(FOOTER): ("footer", FOOTER),
}
_FLAGS = {_key(label): value for label, value in FLAGS.items()}
_TABLES = {_key(label): value for label, value in TABLES.items()}
#: A line longer than this is a value: no label, heading or furniture line is nearly as long.
_LONGEST_LABEL = 2 * max(len(label) for label in (*TABLES, *FLAGS, *HEADINGS))
#: Fewer known labels than this and the text is not taken for an Atlas page.
_MIN_LABELS = 3


@dataclass
class _Section:
    kind: str
    name: str
    label: Line
    lines: list[Line] = field(default_factory=list)


def _sections(lines: list[Line]) -> tuple[list[_Section], list[Line], str | None]:
    """Cut the page into labelled sections; also return stray lines and the embassy's name."""
    sections: list[_Section] = []
    stray: list[Line] = []
    embassy = None
    for line in lines:
        if len(line.text) > _LONGEST_LABEL:
            if sections:
                sections[-1].lines.append(line)
            else:
                stray.append(line)
            continue
        key = _key(line.text)
        if _FURNITURE.match(key):
            continue
        if _POST_WORD in key and (
            post := _DIPLOMATIC_POST.match(collapse_spaces(normalise_line(line.text)))
        ):
            embassy = post.group(1)
            sections.append(_Section("embassy", embassy, line))
            continue
        kind_name = _LABELS.get(key)
        if kind_name is not None:
            kind, name = kind_name
            if (
                kind == "table"
                and sections
                and sections[-1].name == name
                and not sections[-1].lines
            ):
                continue  # the page prints each table caption twice
            sections.append(_Section(kind, name, line))
        elif sections:
            sections[-1].lines.append(line)
        elif not is_blank(line.text):
            stray.append(line)
    return sections, stray, embassy


def _non_blank(lines: list[Line]) -> list[Line]:
    return [line for line in lines if not is_blank(line.text)]


def _single(section: _Section, warnings: list[ParseWarning]) -> str | None:
    values = _non_blank(section.lines)
    for extra in values[1:]:
        warnings.append(
            ParseWarning(
                f"unexpected text after the value (an unknown label?), ignored: {extra.text!r}",
                extra.number,
                section.label.text,
            )
        )
    return collapse_spaces(normalise_line(values[0].text)) if values else None


def _names(section: _Section) -> list[str]:
    text = " , ".join(normalise_line(line.text) for line in _non_blank(section.lines))
    return [collapse_spaces(name) for name in re.split(r"[,;]", text) if name.strip()]


def _diplomatic_contacts(section: _Section) -> list[Contact]:
    """Blocks "role / name / Courriel : e-mail" separated by blank lines."""
    contacts: list[Contact] = []
    block: list[str] = []
    for line in [*section.lines, Line("", 0)]:
        text = collapse_spaces(normalise_line(line.text))
        if text:
            block.append(text)
            continue
        if block:
            email = next(
                (t.split(":", 1)[1] for t in block if fold(t).startswith("courriel")), None
            )
            others = [t for t in block if not fold(t).startswith("courriel")]
            contacts.append(
                Contact(
                    organisation=section.name,
                    role=others[0] if others else None,
                    name=" ".join(others[1:]) or None,
                    email=unobfuscate_email(email) if email else None,
                )
            )
            block = []
    return contacts


def _table(section: _Section, record: Record, warnings: list[ParseWarning]) -> None:
    name, header_start = _TABLES[_key(section.label.text)]
    rows = _non_blank(section.lines)
    header = None
    if rows and _key(rows[0].text).startswith(_key(header_start)):
        header = rows.pop(0)
    if name == "foreign_partners":
        record.foreign_partners, found = tables.foreign_partners(rows)
    elif name == "foreign_contacts":
        record.foreign_contacts, found = tables.foreign_contacts(rows, record.foreign_partners)
    elif name == "french_partners":
        record.french_partners, found = tables.french_partners(rows), []
    elif name == "funding":
        record.funding, found = tables.funding(rows, header)
    elif name == "other_themes":
        record.other_themes, found = tables.other_themes(rows)
    else:
        record.volunteers, found = tables.volunteers(rows), []
    warnings.extend(found)


def parse_lines(lines: list[Line], *, source: str, identifier: str) -> ParsedRecord:
    """Read an Atlas page's visible lines into a record; raise for what is no Atlas page."""
    sections, stray, embassy = _sections(lines)
    known = [section for section in sections if section.kind not in ("heading", "footer")]
    if len(known) < _MIN_LABELS:
        if any(section.kind == "heading" for section in sections):
            raise TruncatedPage(
                "the page stops before its fields: only its header was found",
                source=source,
                line=lines[-1].number if lines else None,
                hint="save the whole Atlas page again",
            )
        raise NotAnAtlasPage(
            "not an Atlas partnership page: none of its field labels (Titre, Contexte, "
            "Financement du partenariat…) were found",
            source=source,
            line=1,
            hint="give the text, HTML or JSON of one Atlas partnership page",
        )
    if not any(section.kind == "footer" for section in sections):
        last = sections[-1]
        raise TruncatedPage(
            f"the page is cut off: it ends inside {last.label.text!r} and the footer "
            f"{FOOTER!r} is missing",
            source=source,
            line=(last.lines or [last.label])[-1].number,
            field=last.label.text,
            hint="save the whole Atlas page again",
        )
    record = Record(identifier=identifier, diplomatic_post=embassy)
    warnings = [
        ParseWarning(f"text outside any known field, ignored: {line.text.strip()!r}", line.number)
        for line in stray
    ]
    for section in sections:
        if section.kind == "single":
            setattr(record, section.name, _single(section, warnings))
        elif section.kind == "text":
            setattr(record, section.name, join_paragraphs([ln.text for ln in section.lines]))
        elif section.kind == "names":
            setattr(record, section.name, _names(section))
        elif section.kind == "flag":
            attribute, value = _FLAGS[_key(section.label.text)]
            setattr(record, attribute, value)
        elif section.kind == "embassy":
            record.diplomatic_contacts = _diplomatic_contacts(section)
        elif section.kind == "table":
            _table(section, record, warnings)
        if section.kind in ("flag", "heading"):
            # These labels carry no value: lines under them belong to a label we do not know.
            warnings.extend(
                ParseWarning(
                    f"text under no known label, ignored: {line.text.strip()!r}",
                    line.number,
                    section.label.text,
                )
                for line in _non_blank(section.lines)
            )
    return ParsedRecord(record, warnings)


def text_lines(text: str) -> list[Line]:
    """The lines of a page's text, numbered from 1; tab-separated lines keep their cells."""
    return [
        Line(line, number, tuple(line.split("\t")) if "\t" in line.strip("\t ") else None)
        for number, line in enumerate(text.split("\n"), start=1)
    ]
