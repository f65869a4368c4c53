"""Synthetic Atlas pages (bench/synthetic.py) keep the real pages' layout and show every variant."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# bench/ is not an installed package; pytest puts tests/ on sys.path, not the repository root.
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.synthetic import main, synthetic_page, write_pages  # noqa: E402


def _real_pages_dir() -> Path:
    """The reference pages: ../shared/atlas-pages beside the checkout, else the repo's copy."""
    shared = Path(__file__).resolve().parents[2] / "shared" / "atlas-pages"
    return shared if (shared / "rabat-mantes-la-jolie.txt").is_file() else REPO / "data" / "atlas"


REAL = _real_pages_dir()
RABAT = (REAL / "rabat-mantes-la-jolie.txt").read_text(encoding="utf-8")
SALE = (REAL / "sale-woippy.txt").read_text(encoding="utf-8")
NBSP = "\u00a0"

# Written out here rather than imported from the generator, so the test checks the generator
# against the real pages and not against itself.
FIELD_LABELS = (
    "Titre",
    "Année de première signature de la convention",
    "Thématique d'intervention",
    "Sous-thématique d'intervention",
    "Sous-sous-thématique d'intervention",
    "Année de début du partenariat",
    "Le partenariat est",
    "Date de fin du partenariat",
    "Contexte",
    "Historique",
    "Objectif du partenariat",
    "Description détaillée du partenariat",
    "Votre partenariat prend la forme d'un(e)",
    "Mise en œuvre du partenariat",
    "Maître(s) d'œuvre",
    "Maître(s) d'ouvrage",
    "Bénéficiaire(s)",
    "Financement du partenariat",
    "Évaluations, communication et perspectives",
    "PIED DE PAGE",
)
REQUIRED_LABELS = {
    "Titre",
    "Année de première signature de la convention",
    "Thématique d'intervention",
    "Contexte",
    "Historique",
    "Objectif du partenariat",
    "Description détaillée du partenariat",
    "Maître(s) d'ouvrage",
    "Financement du partenariat",
    "PIED DE PAGE",
}
FOREIGN_HEADER = "Nom de la collectivité étrangère Pays " + NBSP
CONTACTS_HEADER = "Nom de la collectivité étrangère Nom Prénom Fonction Courriel"
FRENCH_HEADER = "Nom de la collectivité territoriale " + NBSP
FUNDING_HEADER = (
    "Nom du financeur Montant en euros Montant 1% Eau (Loi Oudin 2005) Montant 1% Eau "
    "(Loi Oudin 2005) Montant 1% Eau (Loi Oudin 2005) Année"
)
VOLUNTEERS_HEADER = "Nom Prénom Mission Champs d'action Entité d'affectation"
FURNITURE = (
    "Accueil > ???menu.atlas.libelle??? > ???menu.atlas.detailProjet.libelle???",
    "Atlas français de la coopération décentralisée et des autres actions extérieures",
    "Autres thématiques mises en œuvre pour le partenariat",
    "Thématique éligible Sous-thématique Sous-sous-thématique Priorité",
    "<< < pagination.page.precedent 1 pagination.page.suivant > >>",
    "Partenaires étrangers du partenariat",
    FOREIGN_HEADER,
    "Contacts dans les partenaires étrangers du partenariat",
    CONTACTS_HEADER,
    "Collectivités territoriales partenaires du partenariat",
    FRENCH_HEADER,
    FUNDING_HEADER,
    "Volontaires impliqués dans le partenariat (VSI, service civique, etc.) "
    "d'Échange et de Solidarité",
    VOLUNTEERS_HEADER,
    "Tous droits réservés - Ministère de l'Europe et des Affaires étrangères 2013",
)
STRUCTURE = frozenset(FIELD_LABELS + FURNITURE)
# Flag lines, each form mapped to its flag. The negative of the second is not on the real pages.
FLAGS = {
    "Le partenariat est triennal": "<triennial>",
    "Le partenariat n'est pas triennal": "<triennial>",
    "Une communication a été engagée en France": "<communication France>",
    "Aucune communication n'a été engagée en France": "<communication France>",
    "Une communication a été engagée dans les pays partenaires": "<communication partners>",
    "Aucune communication n'a été engagée dans les pays partenaires": "<communication partners>",
    "Une politique d'évaluation a été engagée": "<evaluation>",
    "Aucune politique d'évaluation n'a été engagée": "<evaluation>",
}
COUNTRIES = {
    "Maroc",
    "Sénégal",
    "Burkina Faso",
    "Tunisie",
    "Madagascar",
    "Liban",
    "Viêt Nam",
    "Haïti",
    "Bénin",
    "Cameroun",
    "Mali",
    "Arménie",
    "Pologne",
    "Roumanie",
    "Canada",
    "République démocratique du Congo",
    "Côte d'Ivoire",
}
LOUPE = " commun.ico.loupe.alter"
FILLER = ("<v>", "", "<nbsp>")


def skeleton(text: str) -> tuple[str, ...]:
    """The page's layout: structure lines and blank lines in order, with every value removed."""
    tokens: list[str] = []
    for line in text.split("\n"):
        if line in STRUCTURE:
            tokens.append(line)
        elif line in FLAGS:
            tokens.append(FLAGS[line])
        elif line.startswith('Contacts dans le poste diplomatique "'):
            tokens.append("<diplomatic post>")
        else:
            tokens.append("" if line == "" else "<nbsp>" if line == NBSP else "<v>")
    # A value may span lines, blank lines and NBSP lines between its first and last line; the blank
    # lines around it belong to the layout and are kept.
    out: list[str] = []
    i = 0
    while i < len(tokens):
        if tokens[i] not in FILLER:
            out.append(tokens[i])
            i += 1
            continue
        j = i
        while j < len(tokens) and tokens[j] in FILLER:
            j += 1
        run = tokens[i:j]
        values = [k for k, t in enumerate(run) if t == "<v>"]
        out += run[: values[0]] + run[values[-1] + 1 :] if values else run
        i = j
    return tuple(out)


def raw_value(page: str, label: str) -> list[str]:
    """The lines after the first line equal to `label`, up to the next structure or flag line."""
    lines = page.split("\n")
    out: list[str] = []
    for line in lines[lines.index(label) + 1 :]:
        if line in STRUCTURE or line in FLAGS:
            break
        out.append(line)
    return out


def value(page: str, label: str) -> list[str]:
    """raw_value without blank and NBSP-only lines."""
    return [line for line in raw_value(page, label) if line.strip()]


@pytest.fixture(scope="module")
def pages() -> list[str]:
    """The first 200 pages of seed 0."""
    return [synthetic_page(i) for i in range(200)]


def test_reference_pages_hold_the_structure_lines() -> None:
    rabat_lines = set(RABAT.split("\n"))
    assert set(FURNITURE) <= rabat_lines
    assert {label for label in FIELD_LABELS if label in rabat_lines} >= REQUIRED_LABELS


def test_same_index_and_seed_give_the_same_page() -> None:
    assert synthetic_page(7, seed=3) == synthetic_page(7, seed=3)
    assert synthetic_page(7, seed=3) != synthetic_page(8, seed=3)
    assert synthetic_page(7, seed=3) != synthetic_page(7, seed=4)


def test_pages_do_not_depend_on_the_interpreters_hash_seed() -> None:
    code = (
        "import hashlib; from bench.synthetic import synthetic_page; "
        "text = ''.join(synthetic_page(i, 5) for i in range(20)); "
        "print(hashlib.sha256(text.encode()).hexdigest())"
    )
    expected = hashlib.sha256("".join(synthetic_page(i, 5) for i in range(20)).encode()).hexdigest()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == expected


def test_every_page_has_every_label_line_of_the_rabat_page(pages: list[str]) -> None:
    rabat_labels = [label for label in FIELD_LABELS if label in RABAT.split("\n")]
    for index, page in enumerate(pages):
        lines = set(page.split("\n"))
        missing = [label for label in rabat_labels if label not in lines]
        assert not missing, f"page {index} lacks {missing}"


def test_layout_is_the_layout_of_a_real_page(pages: list[str]) -> None:
    real = {"rabat": skeleton(RABAT), "sale": skeleton(SALE)}
    seen = set()
    for index, page in enumerate(pages):
        layout = skeleton(page)
        matches = [name for name, expected in real.items() if layout == expected]
        assert matches, f"page {index}: layout differs from both real pages"
        seen.update(matches)
    assert seen == {"rabat", "sale"}


def test_text_is_nfc_without_final_newline(pages: list[str]) -> None:
    for page in pages:
        assert unicodedata.normalize("NFC", page) == page
        assert page.endswith(
            "Tous droits réservés - Ministère de l'Europe et des Affaires étrangères 2013"
        )
        assert "\r" not in page


def test_titles_are_marked_synthetic(pages: list[str]) -> None:
    for page in pages:
        title = value(page, "Titre")
        assert len(title) == 1 and title[0].startswith("[Synthétique] ")


def test_diplomatic_block_has_posts_separated_by_nbsp_lines(pages: list[str]) -> None:
    counts = set()
    for page in pages:
        lines = page.split("\n")
        assert re.fullmatch(
            r'Contacts dans le poste diplomatique "Ambassade de France à .+"', lines[4]
        )
        block = lines[6 : lines.index("Titre")]
        posts = [block[i : i + 3] for i in range(0, len(block), 4)]
        assert all(block[i] == NBSP for i in range(3, len(block), 4))
        for post in posts:
            assert len(post) == 3 and all(post)
            assert re.fullmatch(r"\S.* [A-ZÀ-Ý' -]+", post[1]), post[1]
            assert re.fullmatch(r"Courriel : [a-z.-]+\[at\][a-z.]+", post[2]), post[2]
        counts.add(len(posts))
    assert counts == {1, 2, 3}


def test_tables_rows_look_like_the_real_rows(pages: list[str]) -> None:
    for page in pages:
        foreign = value(page, FOREIGN_HEADER)
        assert 1 <= len(foreign) <= 3
        for row in foreign:
            assert row.endswith(LOUPE)
            assert any(row.removesuffix(LOUPE).endswith(" " + c) for c in COUNTRIES), row
        assert value(page, CONTACTS_HEADER)
        assert all(re.search(r" \S+@\S+$", row) for row in value(page, CONTACTS_HEADER))
        french = value(page, FRENCH_HEADER)
        assert french and all(row.endswith(LOUPE) for row in french)
        if FUNDING_HEADER in page:
            rows = value(page, FUNDING_HEADER)
            assert 1 <= len(rows) <= 9
            assert all(re.fullmatch(r"\D+ \d+( \d+)? (19|20)\d\d", row) for row in rows), rows


def _some(pages: list[str], check: Callable[[str], bool]) -> bool:
    return any(check(page) for page in pages)


def _end_date(page: str) -> list[str]:
    return value(page, "Date de fin du partenariat")


def _funding_rows(page: str) -> list[str]:
    return value(page, FUNDING_HEADER) if FUNDING_HEADER in page else []


def _mantes_pair(page: str) -> bool:
    lines = page.split("\n")
    owner = value(page, "Maître(s) d'ouvrage")
    return "Mantes la Jolie" + LOUPE in lines and any("Mantes-la-Jolie" in v for v in owner)


def _has_line(line: str) -> Callable[[str], bool]:
    return lambda page: f"\n{line}\n" in page


VARIANTS: dict[str, Callable[[str], bool]] = {
    "triennial": lambda p: "\nLe partenariat est triennal\n" in p,
    "not triennial": lambda p: "\nLe partenariat n'est pas triennal\n" in p,
    **{f"flag: {line}": _has_line(line) for line in list(FLAGS)[2:]},
    "empty end date": lambda p: _end_date(p) == [],
    "DD/MM/YYYY end date": lambda p: (
        [bool(re.fullmatch(r"\d\d/\d\d/(19|20)\d\d", d)) for d in _end_date(p)] == [True]
    ),
    "empty first signature": lambda p: (
        value(p, "Année de première signature de la convention") == []
    ),
    "sous-sous-thématique given": lambda p: value(p, "Sous-sous-thématique d'intervention") != [],
    "funding row with a 1% amount": lambda p: any(
        re.fullmatch(r"\D+ \d+ \d+ \d{4}", row) for row in _funding_rows(p)
    ),
    "water agency funder": lambda p: any(
        r.startswith("Agence de l'eau ") for r in _funding_rows(p)
    ),
    "empty funding table": lambda p: p.split("\n").count("Financement du partenariat") == 1,
    "Municipalité de partner": lambda p: any(
        row.startswith("Municipalité de ") for row in value(p, FOREIGN_HEADER)
    ),
    "RDC partner": lambda p: f" République démocratique du Congo{LOUPE}" in p,
    "Côte d'Ivoire partner": lambda p: f" Côte d'Ivoire{LOUPE}" in p,
    "several foreign partners": lambda p: len(value(p, FOREIGN_HEADER)) > 1,
    "Mantes la Jolie / Mantes-la-Jolie": _mantes_pair,
    "empty maître d'œuvre": lambda p: "\nMaître(s) d'œuvre\nMaître(s) d'ouvrage\n" in p,
    "empty maître d'ouvrage": lambda p: "\nMaître(s) d'ouvrage\nBénéficiaire(s)\n" in p,
    "two maîtres d'ouvrage": lambda p: ", " in "".join(value(p, "Maître(s) d'ouvrage")),
    "U+F0A7 bullet lines": lambda p: "\n\uf0a7 " in p,
    "typographic apostrophe": lambda p: "’" in p,
    "guillemets": lambda p: "« " in p and " »" in p,
    "paragraphs split by blank lines": lambda p: "" in raw_value(p, "Historique"),
    "volunteer row": lambda p: value(p, VOLUNTEERS_HEADER) != [],
    "status Terminé": lambda p: value(p, "Le partenariat est") == ["Terminé"],
}


@pytest.mark.parametrize("name", list(VARIANTS))
def test_each_variant_appears_in_the_first_200_pages(pages: list[str], name: str) -> None:
    assert _some(pages, VARIANTS[name]), f"no page among the first 200 shows: {name}"


def test_pages_are_about_as_long_as_the_real_ones(pages: list[str]) -> None:
    real_mean = (len(RABAT) + len(SALE)) / 2
    mean = sum(len(page) for page in pages) / len(pages)
    assert 0.7 * real_mean <= mean <= 1.3 * real_mean


def test_write_pages_writes_one_file_per_index(tmp_path: Path) -> None:
    paths = write_pages(tmp_path / "out", 5, seed=2, start=10)
    assert [p.name for p in paths] == [f"synthetic-{i:06d}.txt" for i in range(10, 15)]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [p.name for p in paths]
    for index, path in zip(range(10, 15), paths, strict=True):
        assert path.read_text(encoding="utf-8") == synthetic_page(index, seed=2)


def test_command_line_writes_count_pages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(tmp_path), "--count", "3", "--seed", "1"]) == 0
    assert len(list(tmp_path.glob("synthetic-*.txt"))) == 3
    assert "3 pages" in capsys.readouterr().out
