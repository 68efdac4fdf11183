"""Comparisons on the bundled corpus: similarity with evidence, clusters, the feeds."""

from __future__ import annotations

import csv
import io

import networkx as nx
import pytest

from carekg.api.ics import fold
from carekg.api.similarity import clusters, council_graph, most_similar
from carekg.graph.saved_queries import run_saved
from carekg.graph.store import StoreDir

BASE = "https://w3id.org/carekg/"


@pytest.fixture(scope="module")
def snap(built_settings):  # type: ignore[no-untyped-def]
    return StoreDir(built_settings.store).open()


@pytest.fixture(scope="module")
def graph(snap) -> nx.Graph:  # type: ignore[no-untyped-def]
    return council_graph(snap, BASE)


def test_councils_sharing_intentions_are_linked_with_their_quotes(snap, graph) -> None:  # type: ignore[no-untyped-def]
    shared = list(run_saved(snap, "shared-intentions", {}))
    pairs = {(s["councilA"].value, s["councilB"].value) for s in shared}
    for a, b in pairs:
        reasons = [r for r in graph[a][b]["reasons"] if r["kind"] == "intention"]
        assert reasons and all(all(r["quotes"]) for r in reasons)
    # Councils sharing one document (Knowsley, Liverpool, Sefton) share its intentions.
    if pairs:
        assert graph.number_of_edges() >= len(pairs)


def test_most_similar_are_sorted_and_explained(graph) -> None:  # type: ignore[no-untyped-def]
    council = max(graph.nodes, key=graph.degree)
    found = most_similar(graph, council)
    assert found, "the best-connected council has neighbours"
    weights = [s.weight for s in found]
    assert weights == sorted(weights, reverse=True)
    for similar in found:
        assert similar.reasons
        assert similar.weight == pytest.approx(graph[council][similar.council]["weight"])


def test_clusters_partition_the_councils(graph) -> None:  # type: ignore[no-untyped-def]
    groups = clusters(graph)
    members = [c for g in groups for c in g]
    assert sorted(members) == sorted(graph.nodes) and len(members) == len(set(members))
    assert clusters(graph) == groups, "same graph, same clusters"


def test_similar_endpoint(client) -> None:  # type: ignore[no-untyped-def]
    answer = client.get("/compare/similar?council=Knowsley").get_json()
    assert answer["council"] == BASE + "id/council/E08000011"
    assert all(s["reasons"] for s in answer["similar"])
    page = client.get("/compare/similar?council=Knowsley", headers={"Accept": "text/html"})
    assert page.status_code == 200 and b"Councils like Knowsley" in page.data
    assert client.get("/compare/similar?council=Nowhere").status_code == 400


def test_compare_page_has_charts_and_clusters(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/compare?councils=Islington,Leicester&service=supported-living")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for chart in ("chart-spend", "chart-events", "chart-needs"):
        assert f'id="{chart}"' in html
    assert "Clusters of councils alike" in html and "/compare/similar?council=" in html


def test_opportunities_feeds_agree(client) -> None:  # type: ignore[no-untyped-def]
    window = "?from=1990-01-01&to=2100-12-31"
    rows = list(csv.DictReader(io.StringIO(client.get("/opportunities.csv" + window)
                                           .get_data(as_text=True))))
    ics = client.get("/opportunities.ics" + window)
    assert ics.content_type.startswith("text/calendar")
    text = ics.get_data(as_text=True)
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert text.count("BEGIN:VEVENT") == len(rows) > 0
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert {r["fact"] for r in rows} == {s["fact"].value for s in run_saved(
        client.application.extensions["carekg.snapshots"].get(), "procurement-opportunities",
        {"from": "1990-01-01", "to": "2100-12-31"})}
    assert client.get("/opportunities.ics?from=tomorrow").status_code == 400


def test_fold_keeps_utf8_characters_whole() -> None:
    line = "DESCRIPTION:" + "£" * 100
    folded = fold(line)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line


@pytest.mark.parametrize("now", ["2100-01-01", "2000-01-01"])
def test_default_opportunities_window_is_never_empty(client, monkeypatch, now: str) -> None:  # type: ignore[no-untyped-def]
    """Without from/to the window starts today; when every event of the corpus is past,
    it starts a year before the most recent one instead (the CSV was a header alone)."""
    from datetime import date

    import carekg.api.ics as ics

    monkeypatch.setattr(ics, "today", lambda: date.fromisoformat(now))
    answer = client.get("/opportunities.csv")
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert rows, "the default window shows no event"
    start, end = answer.headers["X-Carekg-Window"].split("/")
    every = list(csv.DictReader(io.StringIO(client.get(
        "/opportunities.csv?from=0001-01-01&to=9999-12-31").get_data(as_text=True))))
    latest = max(r["end"] or r["start"] for r in every)
    if now == "2100-01-01":  # all past: the most recent events are shown
        assert start < latest and any((r["end"] or r["start"]) == latest for r in rows)
    else:  # all ahead: the window starts today, as before
        assert start == now and len(rows) == len(every)
    assert end > now
    calendar = client.get("/opportunities.ics").get_data(as_text=True)
    assert calendar.count("BEGIN:VEVENT") == len(rows)
