"""The SPARQL editor in a real browser: YASGUI at /sparql over a real `coopgraph serve`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from conftest import sample, samples_store
from playwright.sync_api import Locator, Page, expect
from servers import coopgraph_server

from coopgraph.server.examples import EXAMPLES

pytest_plugins = ["browser"]

ACTIVE = ".tabPanel.active"  # YASGUI keeps every tab's editor and results; one panel shows
TITLE = "Assistance à la maîtrise d'ouvrage en matière de développement social des quartiers"
#: The partnerships' titles, in a column the editor's default query does not have.
TITLES = """PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?name WHERE {
?partnership a <https://w3id.org/coopgraph/ontology#Partnership> ; dct:title ?name
} ORDER BY ?name
"""
RESULTS = re.compile(r"^[1-9]\d* results? in")  # YASR's "2 results in 0.02 seconds"


@pytest.fixture(scope="module")
def capped_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`coopgraph serve` over the bundled records with COOPGRAPH_MAX_ROWS=1."""
    store = samples_store(tmp_path_factory.mktemp("capped"))
    with coopgraph_server(store, env={"COOPGRAPH_MAX_ROWS": "1"}) as url:
        yield url


def open_editor(page: Page, url: str) -> None:
    """Load the editor (the browser's own Accept asks for HTML) and wait until YASGUI is up."""
    page.goto(url)
    expect(page.locator(f"{ACTIVE} .CodeMirror")).to_be_visible()


def type_query(page: Page, query: str) -> None:
    """Replace the active tab's query with `query`, typed on the keyboard as a person does."""
    page.locator(f"{ACTIVE} .CodeMirror").click()
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type(query)


def rows(page: Page) -> Locator:
    """The rows of the active tab's result table."""
    return page.locator(f"{ACTIVE} .yasr table tbody tr")


def test_editor_runs_a_typed_query_with_bundled_files_only(
    page: Page, page_requests: list[str], page_errors: list[str], live_endpoint: str
) -> None:
    assert TITLE in sample("sale-woippy")
    open_editor(page, live_endpoint)
    type_query(page, TITLES)
    page.locator(f"{ACTIVE} .yasqe_queryButton").click()

    expect(page.locator(f"{ACTIVE} .yasr_response_chip")).to_have_text(RESULTS)
    expect(page.locator(f"{ACTIVE} .yasr table thead")).to_contain_text("name")
    expect(page.locator(f"{ACTIVE} .yasr table thead")).not_to_contain_text("partnership")
    expect(rows(page).filter(has_text=TITLE)).to_be_visible()
    expect(page.locator("#truncated")).to_be_hidden()
    server = urlsplit(live_endpoint).netloc
    assert f"http://{server}/static/yasgui/yasgui.min.js" in page_requests
    assert [url for url in page_requests if urlsplit(url).netloc != server] == []
    assert page_errors == []


@pytest.mark.parametrize("title", [title for title, _ in EXAMPLES])
def test_example_button_opens_a_tab_with_rows(
    page: Page, page_errors: list[str], live_endpoint: str, title: str
) -> None:
    open_editor(page, live_endpoint)
    page.get_by_role("button", name=title, exact=True).click()

    expect(page.get_by_role("tab", selected=True)).to_contain_text(title)
    expect(page.locator(f"{ACTIVE} .yasr_response_chip")).to_have_text(RESULTS)
    expect(rows(page).first).to_be_visible()
    assert page_errors == []


def test_truncation_banner_names_the_limit(page: Page, capped_endpoint: str) -> None:
    banner = page.locator("#truncated")
    open_editor(page, capped_endpoint)
    expect(banner).to_be_hidden()

    type_query(page, "SELECT * { ?s ?p ?o }")  # hundreds of triples, one row allowed
    page.keyboard.press("ControlOrMeta+Enter")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("seules les 1 premières lignes")
    expect(banner).to_contain_text("only the first 1 rows")
    expect(rows(page)).to_have_count(1)

    type_query(page, "SELECT (COUNT(*) AS ?triples) { ?s ?p ?o }")  # one row: nothing cut off
    page.keyboard.press("ControlOrMeta+Enter")
    expect(page.locator(f"{ACTIVE} .yasr table thead")).to_contain_text("triples")
    expect(rows(page)).to_have_count(1)
    expect(banner).to_be_hidden()
