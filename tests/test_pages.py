"""Linked-data pages on the bundled corpus: dereferencing, formats, fact context."""

from __future__ import annotations

import json
import re

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef

from carekg.graph.store import StoreDir

BASE = "https://w3id.org/carekg/"
CC = BASE + "def#"
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


@pytest.fixture(scope="module")
def snap(built_settings):  # type: ignore[no-untyped-def]
    return StoreDir(built_settings.store).open()


def a_fact_with_evidence(snap) -> tuple[str, str, int, int]:  # type: ignore[no-untyped-def]
    """Some spend fact's IRI, its quote and offsets, read by quad patterns."""
    p = {n: ox.NamedNode(i) for n, i in {
        "type": "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", "evidence": CC + "evidence",
        "selector": "http://www.w3.org/ns/oa#hasSelector", "exact": "http://www.w3.org/ns/oa#exact",
        "start": "http://www.w3.org/ns/oa#start", "end": "http://www.w3.org/ns/oa#end"}.items()}
    for quad in snap.store.quads_for_pattern(None, p["type"], ox.NamedNode(CC + "Spend")):
        fact = quad.subject
        for ev in snap.store.quads_for_pattern(fact, p["evidence"], None):
            exact = start = end = None
            for sel in snap.store.quads_for_pattern(ev.object, p["selector"], None):
                for q in snap.store.quads_for_pattern(sel.object, None, None):
                    if q.predicate == p["exact"]:
                        exact = q.object.value
                    elif q.predicate == p["start"]:
                        start = int(q.object.value)
                    elif q.predicate == p["end"]:
                        end = int(q.object.value)
            if exact and start is not None and end is not None:
                return fact.value, exact, start, end
    pytest.fail("no spend fact with evidence in the bundled corpus")


def path(iri: str) -> str:
    return "/" + iri[len(BASE):]


def test_fact_page_shows_the_quote_highlighted_in_its_paragraph(client, snap) -> None:  # type: ignore[no-untyped-def]
    fact, exact, _, _ = a_fact_with_evidence(snap)
    page = client.get(path(fact), headers=HTML)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    quote = re.search(r'<blockquote class="context">(.*?)</blockquote>', html, re.S)
    assert quote is not None
    marked = re.search(r"<mark>(.*?)</mark>", quote.group(1), re.S)
    from html import unescape

    assert marked and unescape(marked.group(1)) == exact
    assert len(unescape(re.sub("<[^>]+>", "", quote.group(1)))) >= len(exact)
    for label in ("council", "document", "value"):
        assert f"<dt>{label}</dt>" in html
    assert 'href="/id/document/' in html and 'href="/id/council/' in html


@pytest.mark.parametrize(("suffix", "accept", "media", "rdflib_format"), [
    (".ttl", None, "text/turtle", "turtle"),
    (".nt", None, "application/n-triples", "nt"),
    (".jsonld", None, "application/ld+json", "json-ld"),
    ("", "text/turtle", "text/turtle", "turtle"),
    ("", "application/ld+json", "application/ld+json", "json-ld"),
    ("", "application/n-triples", "application/n-triples", "nt"),
])
@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
def test_fact_in_rdf_formats(client, snap, suffix, accept, media, rdflib_format) -> None:  # type: ignore[no-untyped-def]
    fact, exact, start, end = a_fact_with_evidence(snap)
    response = client.get(path(fact) + suffix, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.content_type.split(";")[0] == media
    graph = Graph().parse(data=response.get_data(as_text=True), format=rdflib_format)
    subject = URIRef(fact)
    assert (subject, URIRef(CC + "council"), None) in graph
    assert exact in {str(o) for o in graph.objects()}, "the evidence nodes are included"
    assert {start, end} <= {o.toPython() for o in graph.objects() if hasattr(o, "toPython")}


def test_council_page_lists_facts_by_kind(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/id/council/E09000019", headers=HTML).get_data(as_text=True)
    assert "<h1>Islington</h1>" in html
    assert "Facts stated for this council" in html and "<h3>Spend</h3>" in html
    assert html.count('href="/id/fact/islington-mps-2021-2024/') > 5


def test_document_page_lists_facts_in_reading_order(client, snap) -> None:  # type: ignore[no-untyped-def]
    doc = next(iter(snap.meta.documents))
    html = client.get(f"/id/document/{doc}", headers=HTML).get_data(as_text=True)
    section = html.split("Facts in reading order", 1)[1].split("</table>", 1)[0]
    facts = re.findall(rf'href="/id/fact/{re.escape(doc)}/[a-z-]+-(\d+)-', section)
    assert facts, "the document's facts are listed"
    offsets = [int(f) for f in facts]  # fact keys embed the evidence start offset
    assert offsets == sorted(offsets)


def test_service_page_rolls_up_narrower_concepts(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/id/service/accommodation-based-care", headers=HTML).get_data(as_text=True)
    assert "Narrower concepts" in html and 'href="/id/service/supported-living"' in html
    rolled = html.split("Facts about this service and narrower services", 1)[1]
    assert "supported living" in rolled


def test_named_graph_and_ontology(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/graph/councils", headers=HTML)
    assert html.status_code == 200 and b"Islington" in html.data
    nt = client.get("/graph/councils.nt")
    assert nt.status_code == 200 and b"/id/council/E09000019>" in nt.data
    ttl = client.get("/def", headers={"Accept": "text/turtle"})
    assert ttl.status_code == 200
    assert (URIRef(CC + "Spend"), None, None) in Graph().parse(data=ttl.get_data(as_text=True))
    docs = client.get("/def", headers=HTML)
    assert docs.status_code == 200, docs.get_data(as_text=True)
    assert b"Spend" in docs.data


def test_unknown_iri_is_a_useful_404(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/id/council/E99999999", headers=HTML)
    assert page.status_code == 404 and b"Nothing is known about this IRI" in page.data
    assert client.get("/id/council/E99999999.ttl").status_code == 404
    assert client.get("/graph/nothing").status_code == 404


def test_unservable_format_is_406(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/id/council/E09000019", headers={"Accept": "image/png"}).status_code == 406


def test_json_ld_is_json(client) -> None:  # type: ignore[no-untyped-def]
    data = client.get("/id/council/E09000019.jsonld").get_data(as_text=True)
    assert json.loads(data)


@pytest.mark.parametrize("path", ["/id/%0A", "/id/a%20b", "/graph/%00x"])
def test_a_path_that_is_no_iri_is_404(client, path: str) -> None:  # type: ignore[no-untyped-def]
    assert client.get(path).status_code == 404


def test_similar_rejects_a_bad_limit(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/compare/similar?council=E09000019&limit=abc")
    assert response.status_code == 400
