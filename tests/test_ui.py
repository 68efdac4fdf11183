"""The query UI and the compare charts in a real browser: Debian's headless Chromium
driven by Playwright (never `playwright install`: the system browser is used)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from carekg.api import assets

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.slow


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
    # literals read as values, not as "22000000"^^xsd:decimal
    table = page.locator(".tabPanel.active .yasr table tbody").inner_text()
    assert "^^" not in table and '"' not in table.split("\t")[0]
    assert re.search(r"(?m)^\s*\d+\s*$", table), table[:300]
    # the saved query opens with its own header, no editor PREFIX block stacked on it
    text = page.evaluate("window.carekgYasgui.getTab().getYasqe().getValue()")
    assert text.startswith("# title: Spend by council and service"), text[:200]
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


def _need_chart(page):  # type: ignore[no-untyped-def]
    page.wait_for_selector("#charts[data-ready]", timeout=30000)
    assert page.locator("#charts").get_attribute("data-ready") == "1"
    return page.evaluate("window.carekgCharts['chart-needs'] || null")


def test_need_chart_draws_one_series_per_council_and_group(browser, live_url: str) -> None:  # type: ignore[no-untyped-def]
    """The line joined one council's unrelated population groups (a 2011 population
    total to a count of LGB residents); current and projection shared one symbol."""
    page = browser.new_page()
    page.goto(live_url + "/compare?councils=Islington,Leicester")
    chart = _need_chart(page)
    assert chart and chart["data"], "no need figures drawn"
    enc = chart["spec"]["encoding"]
    assert enc["detail"]["field"] == enc["color"]["field"] == "series"
    series: dict[str, set[tuple[str, str]]] = {}
    for row in chart["data"]:
        series.setdefault(row["series"], set()).add((row["council"], row["group"]))
    assert len(series) > 2 and all(len(members) == 1 for members in series.values())
    kinds = {row["estimate"] for row in chart["data"]}
    assert kinds == {"current estimate", "projection"}
    for channel in ("strokeDash", "shape"):
        assert enc[channel]["field"] == "estimate"
        ranges = enc[channel]["scale"]["range"]
        assert len(ranges) == 2 and ranges[0] != ranges[1]
    svg = page.locator("#chart-needs svg.marks, #chart-needs canvas.marks").first.bounding_box()
    assert svg is not None and svg["width"] > 200
    page.close()


def test_need_chart_honours_the_service_filter(browser, live_url: str, client) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    page.goto(live_url + "/compare?councils=Islington,Leicester")
    unfiltered = _need_chart(page)
    page.goto(live_url + "/compare?councils=Islington,Leicester&service=home-care")
    filtered = _need_chart(page)
    narrower = {b["concept"]["value"] for b in client.get(
        "/queries/services-narrower?service=home-care&format=json").get_json()
        ["results"]["bindings"]}
    kept = filtered["data"] if filtered else []
    assert len(kept) < len(unfiltered["data"])
    council_needs = [b for c in ("Islington", "Leicester") for b in client.get(
        f"/queries/council-needs?council={c}&format=json").get_json()["results"]["bindings"]]
    expected = [b for b in council_needs if b.get("service", {}).get("value") in narrower
                and "value" in b and "periodStart" in b and "restates" not in b]
    assert len(kept) == len(expected)
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
