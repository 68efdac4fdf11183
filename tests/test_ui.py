"""The query UI and the compare charts in a real browser: Debian's headless Chromium
driven by Playwright (never `playwright install`: the system browser is used)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from carekg.api import assets

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]



@pytest.fixture(scope="module")
def browser(requirement) -> Iterator[object]:  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).is_file():
        requirement(f"{CHROMIUM} is absent: apt-get install chromium chromium-driver")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="Playwright for Python is not installed")
    if assets.missing():
        requirement(f"browser assets missing ({', '.join(assets.missing())}): "
                    "run python -m carekg.api.assets")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def test_yasgui_runs_a_saved_query_and_shows_rows(browser, live_url: str) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(live_url + "/")
    page.wait_for_selector("#yasgui[data-ready]", timeout=20000)
    tab = page.locator("#yasgui a[role=tab]", has_text="Spend by council and service")
    tab.click()
    page.locator(".tabPanel.active .yasqe_queryButton").click()
    rows = page.locator(".tabPanel.active .yasr table tbody tr")
    rows.first.wait_for(timeout=20000)
    assert rows.count() > 0
    assert "Islington" in rows.first.inner_text()
    assert all(url.startswith(live_url) for url in requests), "no CDN or other host"
    page.close()


def test_compare_page_draws_charts(browser, live_url: str) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    page.goto(live_url + "/compare?councils=Islington,Leicester")
    page.wait_for_selector("#charts[data-ready]", timeout=30000)
    assert page.locator("#charts").get_attribute("data-ready") == "1"
    assert page.locator("#chart-spend[data-drawn]").count() == 1
    for chart in ("#chart-spend", "#chart-events"):
        drawing = page.locator(f"{chart} svg, {chart} canvas").first
        box = drawing.bounding_box()
        # A chart sized to a collapsed container renders at zero width: nothing to see.
        assert box is not None and box["width"] > 200 and box["height"] > 40, (chart, box)
    page.close()


def test_page_says_when_assets_are_missing(built_settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Not a browser test, but the other half of the same promise: an app whose static
    # folder has no vendor files says so and how to install them.
    from carekg.api.app import create_app

    bare = create_app(built_settings, TESTING=True)
    bare.static_folder = str(tmp_path)
    html = bare.test_client().get("/").get_data(as_text=True)
    assert 'id="assets-missing"' in html and "python -m carekg.api.assets" in html
    assert "yasgui.min.js" not in html.split('id="assets-missing"', 1)[1].split("</p>", 1)[1]
