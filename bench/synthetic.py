"""Deterministic synthetic Atlas partnership pages, in the page-text format of the real ones.

The layout (which lines exist, where the blank and NBSP-only lines fall, doubled table captions,
page furniture) copies ../shared/atlas-pages/*.txt line for line, so a parser written against the
real pages reads these the same way. Only the values vary; every title starts with
"[Synthétique] " so a synthetic record can never be mistaken for a real one.
"""

from __future__ import annotations

import argparse
import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import prose
from bench.vocab import (
    COUNTRIES,
    DOMAINS,
    EMBASSY_POSTS,
    FIRST_NAMES,
    FOREIGN_FUNCTIONS,
    FOREIGN_FUNDER,
    FORMS,
    FRENCH_PARTNERS,
    LAST_NAMES,
    MAIL_DOMAINS,
    PARTNER_PREFIXES,
    STATE_FUNDER,
    THEMES,
    TITLE_ACTIONS,
    VOLUNTEER_MISSIONS,
    WATER_AGENCIES,
    Country,
)

TITLE_MARK = "[Synthétique] "
NBSP = "\u00a0"
LOUPE = " commun.ico.loupe.alter"

BREADCRUMB = "Accueil > ???menu.atlas.libelle??? > ???menu.atlas.detailProjet.libelle???"
SITE = "Atlas français de la coopération décentralisée et des autres actions extérieures"
OTHER_THEMES = "Autres thématiques mises en œuvre pour le partenariat"
OTHER_THEMES_HEADER = "Thématique éligible Sous-thématique Sous-sous-thématique Priorité"
PAGINATION = "<< < pagination.page.precedent 1 pagination.page.suivant > >>"
FOREIGN = "Partenaires étrangers du partenariat"
FOREIGN_HEADER = "Nom de la collectivité étrangère Pays " + NBSP
CONTACTS = "Contacts dans les partenaires étrangers du partenariat"
CONTACTS_HEADER = "Nom de la collectivité étrangère Nom Prénom Fonction Courriel"
FRENCH = "Collectivités territoriales partenaires du partenariat"
FRENCH_HEADER = "Nom de la collectivité territoriale " + NBSP
FUNDING = "Financement du partenariat"
FUNDING_HEADER = (
    "Nom du financeur Montant en euros"
    + " Montant 1% Eau (Loi Oudin 2005)" * 3  # the Atlas repeats this column header three times
    + " Année"
)
EVALUATION = "Évaluations, communication et perspectives"
VOLUNTEERS = (
    "Volontaires impliqués dans le partenariat (VSI, service civique, etc.) "
    "d'Échange et de Solidarité"
)
VOLUNTEERS_HEADER = "Nom Prénom Mission Champs d'action Entité d'affectation"
FOOTER = "Tous droits réservés - Ministère de l'Europe et des Affaires étrangères 2013"

TRIENNIAL = ("Le partenariat est triennal", "Le partenariat n'est pas triennal")
# (positive, negative). The real pages show both forms of the first and third flag; nothing shows
# the negative of the second, so it is written by analogy with the first.
COMMUNICATION_FRANCE = (
    "Une communication a été engagée en France",
    "Aucune communication n'a été engagée en France",
)
COMMUNICATION_PARTNERS = (
    "Une communication a été engagée dans les pays partenaires",
    "Aucune communication n'a été engagée dans les pays partenaires",
)
EVALUATION_POLICY = (
    "Une politique d'évaluation a été engagée",
    "Aucune politique d'évaluation n'a été engagée",
)


@dataclass(frozen=True)
class Org:
    """An authority as a page names it, with another spelling of the same authority or ""."""

    name: str
    alt: str = ""
    country: Country | None = None


def _ascii(text: str) -> str:
    """Lower-case ASCII for e-mail local parts ("Frédérick" -> "frederick")."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return folded.lower().replace(" ", "").replace("'", "")


def _spell(rng: random.Random, org: Org) -> str:
    """The table spelling or, half the time, the other spelling of the same authority."""
    return org.alt if org.alt and rng.random() < 0.5 else org.name


def _foreign_partners(rng: random.Random) -> list[Org]:
    """1–3 foreign authorities, mostly in one country, half of them with a prefix."""
    count = rng.choices((1, 2, 3), weights=(70, 22, 8))[0]
    country = rng.choice(COUNTRIES)
    partners: list[Org] = []
    while len(partners) < count:
        if partners and rng.random() < 0.2:
            country = rng.choice(COUNTRIES)
        city = rng.choice(country.cities)
        if any(p.name.endswith(city) for p in partners):
            continue
        if rng.random() < 0.5:
            partners.append(Org(rng.choice(PARTNER_PREFIXES) + city, city, country))
        else:
            partners.append(Org(city, "", country))
    return partners


def _french_partners(rng: random.Random) -> list[Org]:
    """1–3 French authorities; Mantes la Jolie weighted up so its respelling shows up often."""
    count = rng.choices((1, 2, 3), weights=(75, 20, 5))[0]
    weights = [4 if name == "Mantes la Jolie" else 1 for name, _ in FRENCH_PARTNERS]
    chosen: list[Org] = []
    while len(chosen) < count:
        name, alt = rng.choices(FRENCH_PARTNERS, weights=weights)[0]
        if all(o.name != name for o in chosen):
            chosen.append(Org(name, alt))
    return chosen


def _person(rng: random.Random) -> tuple[str, str]:
    """A fictitious French civil servant: (Prénom, NOM)."""
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


def _diplomatic(rng: random.Random, country: Country) -> list[str]:
    """The embassy contacts block: 1–3 posts separated by NBSP-only lines."""
    lines = [f'Contacts dans le poste diplomatique "Ambassade de France à {country.capital}"', ""]
    posts = rng.sample(EMBASSY_POSTS, rng.choices((1, 2, 3), weights=(30, 50, 20))[0])
    for i, post in enumerate(posts):
        first, last = _person(rng)
        if rng.random() < 0.15:  # Rabat's correspondent gives a private address
            mail = f"{_ascii(first)}.coopdec[at]gmail.com"
        else:
            mail = f"{_ascii(first)}.{_ascii(last)}[at]diplomatie.gouv.fr"
        if i:
            lines.append(NBSP)
        lines += [post, f"{first} {last}", f"Courriel : {mail}"]
    return lines


def _end_date(rng: random.Random, start: int) -> tuple[str, int]:
    """("DD/MM/YYYY" or "", last year of the partnership)."""
    end = start + rng.randint(0, 4)
    if rng.random() < 0.3:
        return "", start + 2
    if rng.random() < 0.6:
        return f"31/12/{end}", end
    return f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{end}", end


def _amount(rng: random.Random) -> int:
    """A round euro amount as the Atlas shows them (no separators, no decimals)."""
    return rng.randrange(5, 600) * rng.choice((50, 100))


def _funding_rows(rng: random.Random, french: list[Org], start: int, last: int) -> list[str]:
    """0–9 rows "<funder> <amount> [<1% amount>] <year>", grouped by funder as on the Atlas."""
    if rng.random() < 0.2:
        return []
    years = list(range(start, min(last, start + 2) + 1))

    def year() -> int:
        # Mostly within the partnership's years; now and then the year before it started.
        return start - 1 if rng.random() < 0.05 else rng.choice(years)

    rows: list[str] = []
    if rng.random() < 0.85:
        amount = _amount(rng)
        rows += [f"{STATE_FUNDER} {amount} {y}" for y in years]
    for i, org in enumerate(french):
        if rng.random() < (0.7 if i == 0 else 0.3):
            one_pct = f" {_amount(rng)}" if rng.random() < 0.1 else ""
            rows += [f"{org.name} {_amount(rng)}{one_pct} {y}" for y in years]
    if rng.random() < 0.5:
        amount = _amount(rng)
        rows += [f"{FOREIGN_FUNDER} {amount} {y}" for y in years]
    for _ in range(rng.choices((0, 1, 2), weights=(70, 20, 10))[0]):
        one_pct = f" {_amount(rng)}" if rng.random() < 0.6 else ""
        rows.append(f"{rng.choice(WATER_AGENCIES)} {_amount(rng)}{one_pct} {year()}")
    return rows[:9] or [f"{STATE_FUNDER} {_amount(rng)} {year()}"]


def _table(caption: str, header: str, rows: Sequence[str]) -> list[str]:
    """A doubled-caption table block, preceded by its blank line."""
    return ["", caption, "", caption, header, *rows]


def synthetic_page(index: int, seed: int = 0) -> str:
    """Return the page text of synthetic record `index` (deterministic for index and seed)."""
    rng = random.Random(f"{seed}-{index}")
    foreign = _foreign_partners(rng)
    french = _french_partners(rng)
    main_country = foreign[0].country or COUNTRIES[0]
    theme = rng.choice(list(THEMES))
    sub = rng.choice(list(THEMES[theme]))
    subsubs = THEMES[theme][sub]
    subsub = rng.choice(subsubs) if subsubs and rng.random() < 0.4 else ""

    signature = "" if rng.random() < 0.08 else str(rng.randint(1980, 2022))
    start = min(2024, int(signature) + rng.randint(0, 6)) if signature else rng.randint(1995, 2024)
    end_date, last = _end_date(rng, start)
    if end_date and last < 2024:
        status = "Terminé" if rng.random() < 0.7 else "En cours"
    else:
        status = "En cours" if rng.random() < 0.85 else "Terminé"

    etr = foreign[0].alt or foreign[0].name
    slots = {
        "etr": etr,
        "fr": french[0].alt or french[0].name,
        "of": main_country.of,
        "de_dom": DOMAINS[theme],
        "y0": signature or str(start),
        "y1": str(start),
        "y2": str(last),
        "k": str(rng.randint(2, 15)),
        "pop": f"{rng.randint(12, 900)} 000",
        "day": str(rng.randint(1, 28)),
        "month": rng.choice(prose.MONTHS),
    }
    place = f"à {etr}" if rng.random() < 0.6 else f"entre {slots['fr']} et {etr}"
    title = f"{TITLE_MARK}{rng.choice(TITLE_ACTIONS)} {DOMAINS[theme]} {place}"

    lines = [BREADCRUMB, "", SITE, ""]
    lines += _diplomatic(rng, main_country)
    lines += ["Titre", title, "Année de première signature de la convention"]
    lines += [signature] if signature else []
    lines += ["Thématique d'intervention", theme, "Sous-thématique d'intervention", sub]
    lines += ["Sous-sous-thématique d'intervention"] + ([subsub] if subsub else [])
    lines += [*_table(OTHER_THEMES, OTHER_THEMES_HEADER, []), PAGINATION]
    lines += ["Année de début du partenariat", str(start), "Le partenariat est", status]
    lines += ["Date de fin du partenariat"] + ([end_date] if end_date else [])
    for label, kind, blocks in (
        ("Contexte", "context", (2, 7)),
        ("Historique", "history", (3, 8)),
        ("Objectif du partenariat", "objectives", (3, 8)),
        ("Description détaillée du partenariat", "description", (2, 7)),
    ):
        lines += [label, prose.field_text(rng, kind, slots, blocks)]
    lines += ["Votre partenariat prend la forme d'un(e)", rng.choice(FORMS)]
    lines += ["Mise en œuvre du partenariat", *_owners(rng, french, foreign)]
    lines += ["Bénéficiaire(s)", prose.beneficiaries(rng, slots)]

    lines += _table(FOREIGN, FOREIGN_HEADER, [f"{p.name} {_country(p)}{LOUPE}" for p in foreign])
    lines += _table(CONTACTS, CONTACTS_HEADER, _contacts(rng, foreign))
    lines += _table(FRENCH, FRENCH_HEADER, [f"{o.name}{LOUPE}" for o in french])
    lines += ["", "", "", rng.choice(TRIENNIAL), "", FUNDING]
    funding = _funding_rows(rng, french, start, last)
    # An empty funding table shows its caption once (Salé); a full one, twice with the header.
    lines += ["", FUNDING, FUNDING_HEADER, *funding] if funding else [""]
    lines += ["", "", "", "", EVALUATION, ""]
    for flag in (COMMUNICATION_FRANCE, COMMUNICATION_PARTNERS, EVALUATION_POLICY):
        lines += [flag[0] if rng.random() < 0.6 else flag[1], ""]
    lines += [VOLUNTEERS, "", VOLUNTEERS, VOLUNTEERS_HEADER]
    if rng.random() < 0.1:
        first, last_name = _person(rng)
        mission = rng.choice(VOLUNTEER_MISSIONS)
        lines.append(f"{last_name} {first} {mission} {sub} {foreign[0].name}")
    lines += ["", "", "PIED DE PAGE", "", FOOTER]
    # The real pages end without a final newline.
    return "\n".join(lines)


def _country(org: Org) -> str:
    """The French name of a foreign partner's country."""
    return (org.country or COUNTRIES[0]).name


def _owners(rng: random.Random, french: list[Org], foreign: list[Org]) -> list[str]:
    """Maître(s) d'œuvre / d'ouvrage lines; an empty value leaves the label alone (Rabat)."""
    lines: list[str] = []
    for label, empty in (("Maître(s) d'œuvre", 0.3), ("Maître(s) d'ouvrage", 0.1)):
        lines.append(label)
        if rng.random() < empty:
            continue
        if rng.random() < 0.6:
            orgs = [french[0]] + ([foreign[0]] if rng.random() < 0.5 else [])
        else:
            orgs = [foreign[0]] + ([french[0]] if rng.random() < 0.3 else [])
        lines.append(", ".join(_spell(rng, o) for o in orgs))
    return lines


def _contacts(rng: random.Random, foreign: list[Org]) -> list[str]:
    """Rows "<partner> <NOM> <Prénom> [<fonction>] <email>", at least one."""
    rows: list[str] = []
    for i, org in enumerate(foreign):
        if i and rng.random() < 0.15:
            continue
        last, first = rng.choice((org.country or COUNTRIES[0]).people)
        domain = rng.choice(MAIL_DOMAINS)
        if rng.random() < 0.5:
            mail = f"{_ascii(first)}{_ascii(last)}@{domain}"
        else:
            mail = f"{_ascii(last)}{_ascii(first)[0]}@{domain}"
        function = f" {rng.choice(FOREIGN_FUNCTIONS)}" if rng.random() < 0.7 else ""
        rows.append(f"{org.name} {last} {first}{function} {mail}")
    return rows


def write_pages(directory: Path, count: int, seed: int = 0, start: int = 0) -> list[Path]:
    """Write pages start..start+count-1 as synthetic-{index:06d}.txt; return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for index in range(start, start + count):
        # One page at a time: 136,000 pages must not sit in memory together.
        path = directory / f"synthetic-{index:06d}.txt"
        path.write_text(synthetic_page(index, seed), encoding="utf-8", newline="")
        paths.append(path)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: python -m bench.synthetic DIR --count N [--seed S] [--start I]."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--count", type=int, required=True, help="number of pages to write")
    parser.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    parser.add_argument("--start", type=int, default=0, help="index of the first page (default 0)")
    args = parser.parse_args(argv)
    if args.count < 0:
        parser.error("--count must be >= 0")
    written = write_pages(args.directory, args.count, args.seed, args.start)
    print(f"{len(written)} pages written to {args.directory}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
