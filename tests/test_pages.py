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
    from carekg.api.readable import plain

    fact, exact, _, _ = a_fact_with_evidence(snap)
    page = client.get(path(fact), headers=HTML)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    quote = re.search(r'<blockquote class="context">(.*?)</blockquote>', html, re.S)
    assert quote is not None
    marked = re.search(r"<mark>(.*?)</mark>", quote.group(1), re.S)
    from html import unescape

    assert marked and unescape(marked.group(1)) == plain(exact)
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


# -- pages a researcher reads ----------------------------------------------------------

SPEND_PER_YEAR = """PREFIX cc: <https://w3id.org/carekg/def#>
SELECT ?f WHERE {
  ?f a cc:Spend ; cc:unit <https://w3id.org/carekg/id/unit/pounds-sterling-per-year> ;
  cc:service ?s ; cc:value ?v ; cc:periodLabel ?p . FILTER(?v >= 1000000) } ORDER BY ?f LIMIT 1"""


def _h1(html: str) -> str:
    from html import unescape

    found = re.search(r"<h1>(.*?)</h1>", html, re.S)
    assert found
    return unescape(re.sub("<[^>]+>", "", found.group(1))).strip()


def test_a_fact_page_has_a_human_title_and_a_formatted_value(client, snap) -> None:  # type: ignore[no-untyped-def]
    fact = next(iter(snap.query(SPEND_PER_YEAR)))["f"].value
    html = client.get(path(fact), headers=HTML).get_data(as_text=True)
    title = _h1(html)
    # "Spend: £1.42m a year on supported housing — Islington, 2021/22"
    assert re.fullmatch(r"Spend: £[\d.]+m a year on [a-z' ]+ — [A-Za-z ]+, \S+", title), title
    from html import escape

    assert f"<title>{escape(title, quote=False)} · carekg</title>" in html.replace("&#39;", "'")
    fact_section = html[html.index('<section class="fact"'):html.index("</section>")]
    assert "xsd:decimal" not in fact_section and "GBP/year" not in fact_section
    assert re.search(r'<dd class="value">£[\d.]+m a year', fact_section)


def test_kind_headings_are_labels_with_direction_and_event_columns(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/id/council/E09000019", headers=HTML).get_data(as_text=True)
    assert "<h3>Commissioning intention</h3>" in html and "<h3>Contract event</h3>" in html
    assert "CommissioningIntention</h3>" not in html
    intentions = html[html.index("<h3>Commissioning intention</h3>"):]
    assert '<th scope="col">direction</th>' in intentions.split("<h3>")[1]
    events = html[html.index("<h3>Contract event</h3>"):]
    assert '<th scope="col">event type</th>' in events.split("<h3>")[1]
    for table in re.findall(r'<table class="facts">.*?</table>', html, re.S):
        assert "xsd:" not in table and "@en" not in table
    # the long list of what refers to the council is collapsed and cut
    referred = html[html.index('<details id="referred-by">'):]
    assert referred.count("<tr>") <= 50


def test_document_tables_link_councils_and_services(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/id/document/islington-mps-2021-2024", headers=HTML).get_data(as_text=True)
    table = html[html.index('<table class="facts">'):]
    assert 'href="/id/council/E09000019"' in table and 'href="/id/service/' in table
    assert "@en" not in table


def test_a_joint_figure_says_so_in_its_summary(client, snap) -> None:  # type: ignore[no-untyped-def]
    fact = next(iter(snap.query("""PREFIX cc: <https://w3id.org/carekg/def#>
        SELECT ?f WHERE { ?f a cc:Spend ; cc:jointAttribution true } ORDER BY ?f LIMIT 1""")))
    html = client.get(path(fact["f"].value), headers=HTML).get_data(as_text=True)
    summary = html[html.index('id="joint-summary"'):]
    summary = summary[:summary.index("</p>")].replace("&#39;", "'")
    copies = {r["n"].value for r in snap.query(f"""PREFIX cc: <https://w3id.org/carekg/def#>
        PREFIX oa: <http://www.w3.org/ns/oa#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?n WHERE {{ <{fact["f"].value}> cc:evidence/oa:hasSelector/oa:start ?s .
          ?c cc:jointAttribution true ; cc:evidence/oa:hasSelector/oa:start ?s ;
             cc:council/rdfs:label ?n }}""")}
    assert len(copies) > 1 and "group's" in summary and " together" in summary
    assert all(name in summary for name in copies), (copies, summary)
    # a spend has no population group: the joint group's text must not show as one
    assert "<dt>population group</dt>" not in html


def test_quotes_are_shown_without_the_sources_markup(client, snap) -> None:  # type: ignore[no-untyped-def]
    """The quote keeps the document's markup (offsets index that text); the page does not."""
    rows = list(snap.query("""PREFIX cc: <https://w3id.org/carekg/def#>
        PREFIX oa: <http://www.w3.org/ns/oa#> PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?f ?e ?s ?end ?d WHERE { ?f cc:evidence/oa:hasSelector ?q ; prov:wasDerivedFrom ?d .
          ?q oa:exact ?e . ?f cc:evidence/oa:hasSelector ?p . ?p oa:start ?s ; oa:end ?end .
          FILTER(CONTAINS(?e, "<ul") || CONTAINS(?e, "**")) } ORDER BY ?f LIMIT 3"""))
    assert rows, "the corpus has quotes with markup"
    for row in rows:
        text = snap.text_of(row["d"].value.rsplit("/", 1)[-1])
        assert text[int(row["s"].value):int(row["end"].value)] == row["e"].value
        html = client.get(path(row["f"].value), headers=HTML).get_data(as_text=True)
        shown = html[html.index('<blockquote class="context">'):]
        shown = shown[:shown.index("</blockquote>")]
        assert "&lt;ul" not in shown and "**" not in shown


def test_similar_without_a_council_is_a_form(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/compare/similar", headers=HTML)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<form' in html and 'name="council"' in html
    assert client.get("/compare/similar?format=json").status_code == 400
