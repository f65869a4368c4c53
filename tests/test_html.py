"""The HTML path must give the parser the same lines as the text path."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from coopgraph.converters.html import html_lines
from coopgraph.converters.lines import Line

CASES = Path(__file__).parent / "cases"
PAGES = ["rabat-mantes-la-jolie", "sale-woippy"]
NBSP = "\xa0"
_NON_NBSP_WS = re.compile(r"[^\S\xa0]+")


def _texts(html: str) -> list[str]:
    """Texts of the lines html_lines gives, in order."""
    return [line.text for line in html_lines(html)]


def _visible(lines: list[str]) -> list[str]:
    """Whitespace (but not NBSP) collapsed and stripped; blank and NBSP-only lines dropped."""
    collapsed = (_NON_NBSP_WS.sub(" ", line).strip(" ") for line in lines)
    return [line for line in collapsed if line.strip()]  # str.strip() also drops NBSP


def _fixture(page: str) -> list[Line]:
    """Lines of a fixture's input.html."""
    return html_lines((CASES / page / "input.html").read_text(encoding="utf-8"))


def test_invisible_content_is_skipped() -> None:
    html = """<!DOCTYPE html><html><head><title>T</title><style>p{color:red}</style>
    <script>var s = "<p>no</p>";</script></head><body><!-- comment -->
    <noscript>no script</noscript><template><p>template</p></template>
    <div hidden>hidden</div><p style="color: red; DISPLAY : none">none</p>
    <p>shown <span style="display:none">gone</span>here</p></body></html>"""
    assert _texts(html) == ["shown here"]


def test_blocks_and_br_make_lines_inline_elements_do_not() -> None:
    html = """<div>one<br>two<br/>
      three <b>bold</b> <label>lab</label><a href="#">link</a></div>
    <h3>Titre</h3><div class="valeur">Caf&eacute;   au\tlait</div>
    <ul><li>a</li><li>b</li></ul>before<div>inside</div>after"""
    assert _texts(html) == [
        "one",
        "two",
        "three bold lablink",
        "Titre",
        "Café au lait",
        "a",
        "b",
        "before",
        "inside",
        "after",
    ]


def test_sibling_paragraphs_are_separated_by_a_blank_line() -> None:
    html = "<div><p>one<br>two</p>\n<p>three</p><!-- c --><p>four</p><div>five</div><p>six</p>"
    assert _texts(html) == ["one", "two", "", "three", "", "four", "five", "six"]


def test_table_rows_carry_cells_and_browser_text() -> None:
    html = """<table><caption>Financement du partenariat</caption>
    <thead><tr><th>Nom du financeur</th><th>Montant en euros</th><th>Ann&eacute;e</th>
    <th>&nbsp;</th></tr></thead>
    <tbody><tr><td>Mantes la Jolie</td><td></td><td>2019<br>2020</td>
    <td><a class="loupe"><span class="sr-only">commun.ico.loupe.alter</span></a></td></tr>
    <tr><td> </td><td></td></tr></tbody></table>"""
    assert html_lines(html) == [
        Line("Financement du partenariat", 1),
        Line(
            f"Nom du financeur Montant en euros Année {NBSP}",
            2,
            ("Nom du financeur", "Montant en euros", "Année", NBSP),
        ),
        Line(
            "Mantes la Jolie 2019 2020 commun.ico.loupe.alter",
            4,
            ("Mantes la Jolie", "", "2019 2020", "commun.ico.loupe.alter"),
        ),
        Line("", 6, ("", "")),
    ]


def test_nbsp_only_lines_are_kept() -> None:
    html = "<div>Frédérick BOUIN</div>\n<div>&nbsp;</div>\n<div> \u00a0 </div><p>x&nbsp;</p>"
    assert _texts(html) == ["Frédérick BOUIN", NBSP, NBSP, f"x{NBSP}"]


def test_pre_keeps_its_line_breaks() -> None:
    assert _texts("<pre>a  b\n\nc\n</pre>") == ["a b", "c"]


def test_line_numbers_point_at_the_source() -> None:
    html = "<html>\n<body>\n<h3>Contexte</h3>\n<p>first<br>\nsecond<br>\n\nthird</p>\n</body>"
    assert [(line.text, line.number) for line in html_lines(html)] == [
        ("Contexte", 3),
        ("first", 4),
        ("second", 5),
        ("third", 7),
    ]


@pytest.mark.parametrize("page", PAGES)
def test_fixture_line_numbers_are_positive_and_non_decreasing(page: str) -> None:
    numbers = [line.number for line in _fixture(page)]
    assert numbers and numbers[0] >= 1
    assert numbers == sorted(numbers)


@pytest.mark.parametrize("page", PAGES)
def test_fixture_html_shows_the_same_page_as_the_text(page: str) -> None:
    text = (CASES / page / "input.txt").read_text(encoding="utf-8")
    from_html = _visible([line.text for line in _fixture(page)])
    assert from_html == _visible(text.split("\n"))


@pytest.mark.parametrize("page", PAGES)
def test_fixture_keeps_the_nbsp_line_between_embassy_contacts(page: str) -> None:
    texts = [line.text for line in _fixture(page)]
    i = texts.index(NBSP)
    assert texts[i - 1].startswith("Courriel : ") and texts[i + 1].startswith("Conseiller")


def test_fixture_tables_keep_empty_cells() -> None:
    rabat = {line.text: line.cells for line in _fixture("rabat-mantes-la-jolie")}
    assert rabat["Mantes la Jolie 10000 2019"] == ("Mantes la Jolie", "10000", "", "", "", "2019")
    assert rabat[f"Nom de la collectivité territoriale {NBSP}"] == (
        "Nom de la collectivité territoriale",
        NBSP,
    )
    sale = {line.text: line.cells for line in _fixture("sale-woippy")}
    assert sale["Salé Zahrour Mostapha zahrourm@yahoo.fr"] == (
        "Salé",
        "Zahrour",
        "Mostapha",
        "",
        "zahrourm@yahoo.fr",
    )
    assert "Financement du partenariat" in sale  # heading only: this page has no funding rows
