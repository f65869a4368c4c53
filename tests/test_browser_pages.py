"""The linked-data pages in a real browser (Debian's Chromium through Playwright).

The home page draws its charts, a partnership page shows its funding table and chart, the
links between pages work, and a page's "SPARQL query" link opens the editor on that query with
its rows. Screenshots are kept by the harness (tests/browser.py) in test-artifacts/.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

pytest_plugins = ["browser"]

RABAT = "/id/partnership/rabat-mantes-la-jolie"


def _site(live_endpoint: str) -> str:
    return live_endpoint.removesuffix("/sparql")


def test_home_page_renders_its_charts(
    page: Page, page_requests: list[str], page_errors: list[str], live_endpoint: str
) -> None:
    site = _site(live_endpoint)
    page.goto(site + "/")
    expect(page.locator("#count-partnerships")).to_have_text("2")
    countries = page.locator("#partnerships-per-country svg rect")
    years = page.locator("#funding-per-year svg rect")
    expect(countries).to_have_count(1)  # both bundled partnerships are with Morocco
    expect(years).to_have_count(3)  # 2019, 2020, 2021
    for bar in (*countries.all(), *years.all()):
        box = bar.bounding_box()
        assert box is not None and box["width"] > 10 and box["height"] > 5  # drawn, visible
    widths = [bar.bounding_box()["width"] for bar in years.all()]  # type: ignore[index]
    assert widths[0] > widths[1] > widths[2]  # 41,350 €, 37,950 €, 34,550 €
    assert not page_errors
    assert all(urlsplit(url).netloc == urlsplit(site).netloc for url in page_requests)


def test_partnership_page_shows_its_funding_table(page: Page, live_endpoint: str) -> None:
    page.goto(_site(live_endpoint) + "/")
    page.get_by_role("link", name="Accompagnement à la structuration").first.click()
    expect(page).to_have_url(_site(live_endpoint) + RABAT)
    table = page.locator("table#funding")
    expect(table.locator("tbody tr")).to_have_count(9)
    expect(table.locator("tfoot")).to_contain_text("113 850 €")
    expect(table.locator("tbody tr").first).to_contain_text("2019")
    expect(page.locator("#funding-per-year svg rect")).to_have_count(3)
    expect(page.locator(".theme-path a")).to_have_count(2)


def test_english_page_and_link_to_an_organisation(page: Page, live_endpoint: str) -> None:
    page.goto(_site(live_endpoint) + RABAT + "?lang=en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Funding", exact=True)).to_be_visible()
    page.locator("dl.roles a", has_text="Mantes la Jolie").first.click()
    expect(page.locator("#partnerships")).to_contain_text("Accompagnement")
    expect(page.locator("table#funding-given tbody tr")).to_have_count(3)


def test_a_page_query_link_opens_the_editor_with_its_rows(page: Page, live_endpoint: str) -> None:
    page.goto(_site(live_endpoint) + "/")
    page.locator(".queries a").first.click()  # "Partnerships per country"
    rows = page.locator(".tabPanel.active .yasr table tbody tr")
    expect(rows.first).to_contain_text("country/MAR")
