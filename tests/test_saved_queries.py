"""The saved-query catalogue: headers, safe parameter binding, and every query's answer
on the bundled corpus checked against an independent reading of the store (quad
patterns and the SKOS files), never against numbers copied from elsewhere."""

from __future__ import annotations

import io
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest

from carekg.errors import UsageError
from carekg.graph.saved_queries import catalogue, parse_term, run_saved, saved_query
from carekg.graph.store import StoreDir
from carekg.vocabularies import concepts

BASE = "https://w3id.org/carekg/"
CC = BASE + "def#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
ISLINGTON = BASE + "id/council/E09000019"
LEICESTER = BASE + "id/council/E06000016"
MODEL_DOC = Path(__file__).resolve().parents[2] / "shared" / "docs" / "model.md"


@pytest.fixture(scope="module")
def snap(built_settings):  # type: ignore[no-untyped-def]
    return StoreDir(built_settings.store).open()


def run(snap, name: str, **params: str) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    result = run_saved(snap, name, params)
    names = [v.value for v in result.variables]
    return [{n: s[n].value for n in names if s[n] is not None} for s in result]


def objects(snap, subject: str, predicate: str) -> set[str]:  # type: ignore[no-untyped-def]
    quads = snap.store.quads_for_pattern(ox.NamedNode(subject), ox.NamedNode(predicate), None)
    return {q.object.value for q in quads}


def subjects(snap, predicate: str, obj: ox.NamedNode | None = None) -> set[str]:  # type: ignore[no-untyped-def]
    return {q.subject.value for q in snap.store.quads_for_pattern(None, ox.NamedNode(predicate),
                                                                   obj)}


def of_kind(snap, kind: str) -> set[str]:  # type: ignore[no-untyped-def]
    return {q.subject.value for q in snap.store.quads_for_pattern(None, RDF_TYPE,
                                                                   ox.NamedNode(CC + kind))}


def narrower_closure(scheme: str, top: str) -> set[str]:
    """Concepts under ``top`` (itself included), read from the SKOS file, not SPARQL."""
    found = {top}
    changed = True
    every = concepts(scheme)
    while changed:
        changed = False
        for concept in every:
            if str(concept.iri) not in found and {str(b) for b in concept.broader} & found:
                found.add(str(concept.iri))
                changed = True
    return found


# -- the catalogue ---------------------------------------------------------------------


def test_catalogue_has_fifteen_documented_queries() -> None:
    queries = catalogue()
    assert len(queries) >= 15
    for query in queries.values():
        assert query.title and len(query.description) > 30, query.name
        for param in query.parameters:
            assert f"?{param.name}" in query.text, (query.name, param.name)


def test_model_documents_example_query_is_saved() -> None:
    if not MODEL_DOC.is_file():
        pytest.skip(f"model document not found at {MODEL_DOC}")
    block = MODEL_DOC.read_text(encoding="utf-8").split("```sparql", 1)[1].split("```", 1)[0]
    body = block[block.index("SELECT"):].split()
    texts = [q.text[q.text.index("SELECT"):].split() for q in catalogue().values()]
    assert body in texts


@pytest.mark.parametrize("name", sorted(catalogue()))
def test_every_saved_query_answers_rows_with_its_defaults(snap, name: str) -> None:  # type: ignore[no-untyped-def]
    """Each default names something the bundled corpus has, so every saved query shows a
    reader a real answer; each row binds a variable."""
    rows = run(snap, name)
    assert rows, f"{name} answers no rows with its defaults on the bundled corpus"
    assert all(rows)


def test_parameters_are_bound_as_terms_not_pasted(snap) -> None:  # type: ignore[no-untyped-def]
    query = saved_query("spend-by-council-and-service")
    hostile = 'E09000019> } UNION { ?fact ?p ?value } #'
    with pytest.raises(UsageError):
        run_saved(snap, query.name, {"council": hostile})
    # A syntactically valid IRI that names nothing matches nothing, whatever it contains.
    rows = run(snap, query.name, council="<urn:x:%7D%20UNION%20%7B>")
    assert rows == []
    with pytest.raises(UsageError):
        run_saved(snap, "procurement-opportunities", {"from": '2020-01-01"^^xsd:date) || true'})
    with pytest.raises(UsageError):
        run_saved(snap, query.name, {"nonsense": "1"})


def test_council_given_by_name_code_or_iri_means_the_same(snap) -> None:  # type: ignore[no-untyped-def]
    by = [run(snap, "spend-by-council-and-service", council=v)
          for v in ("Islington", "E09000019", f"<{ISLINGTON}>")]
    assert by[0] == by[1] == by[2]


def test_parse_term_reads_prefixed_names_and_typed_literals() -> None:
    assert parse_term("cc:Increase") == ox.NamedNode(CC + "Increase")
    assert parse_term('"2024-01-01"^^xsd:date').datatype.value.endswith("#date")


# -- each query's answer --------------------------------------------------------------


def test_spend_by_council_and_service(snap) -> None:  # type: ignore[no-untyped-def]
    rows = run(snap, "spend-by-council-and-service", council="Islington")
    assert rows, "Islington's document states spend"
    spend = of_kind(snap, "Spend")
    expected = {f for f in spend if ISLINGTON in objects(snap, f, CC + "council")
                and objects(snap, f, CC + "value")}
    assert {r["fact"] for r in rows} == expected
    for row in rows:
        assert row["council"] == ISLINGTON and row["councilName"] == "Islington"
        assert Decimal(row["value"]) > 0
    values = [Decimal(r["value"]) for r in rows]
    assert values == sorted(values, reverse=True)


def test_service_spend_across_councils(snap) -> None:  # type: ignore[no-untyped-def]
    top = BASE + "id/service/accommodation-based-care"
    rows = run(snap, "service-spend-across-councils", service="accommodation-based-care")
    under = narrower_closure("services", top)
    expected = {f for f in of_kind(snap, "Spend")
                if objects(snap, f, CC + "service") & under and objects(snap, f, CC + "value")}
    assert {r["fact"] for r in rows} == expected
    assert all(r["factService"] in under for r in rows)


def test_supported_living_spend_matches_the_model_example(snap) -> None:  # type: ignore[no-untyped-def]
    rows = run(snap, "supported-living-spend")
    service = BASE + "id/service/supported-living"
    facts = {f for f in of_kind(snap, "Spend") if service in objects(snap, f, CC + "service")}
    assert len({(r["councilName"], r["value"], r["quote"]) for r in rows}) <= len(facts)
    assert bool(rows) == bool(facts)
    values = [Decimal(r["value"]) for r in rows]
    assert values == sorted(values, reverse=True)


@pytest.mark.parametrize("direction", ["Increase", "Decrease"])
def test_councils_by_direction(snap, direction: str) -> None:  # type: ignore[no-untyped-def]
    rows = run(snap, "councils-by-direction", direction=f"cc:{direction}")
    expected = {f for f in subjects(snap, CC + "direction", ox.NamedNode(CC + direction))
                if objects(snap, f, CC + "council")}
    assert {r["fact"] for r in rows} == expected
    assert all(r["direction"] == CC + direction for r in rows)


def test_service_intentions(snap) -> None:  # type: ignore[no-untyped-def]
    rows = run(snap, "service-intentions", service="supported living")
    under = narrower_closure("services", BASE + "id/service/supported-living")
    expected = {f for f in of_kind(snap, "CommissioningIntention")
                if objects(snap, f, CC + "service") & under
                and objects(snap, f, CC + "direction")}
    assert {r["fact"] for r in rows} == expected


def test_procurement_opportunities_in_a_window(snap) -> None:  # type: ignore[no-untyped-def]
    wide = run(snap, "procurement-opportunities", **{"from": "1990-01-01", "to": "2100-12-31"})
    dated = {f for f in of_kind(snap, "ContractEvent") if objects(snap, f, CC + "periodStart")}
    assert {r["fact"] for r in wide} == dated
    narrow = run(snap, "procurement-opportunities", **{"from": "2021-01-01", "to": "2022-12-31"})
    assert {r["fact"] for r in narrow} <= {r["fact"] for r in wide}
    for row in narrow:
        assert row["start"] <= "2022-12-31" and row["end"] >= "2021-01-01"
    starts = [r["start"] for r in wide]
    assert starts == sorted(starts)


def test_need_projections_for_a_group(snap) -> None:  # type: ignore[no-untyped-def]
    groups = Counter(o for f in of_kind(snap, "NeedEstimate")
                     for o in objects(snap, f, CC + "populationGroup"))
    if not groups:
        pytest.skip("no need estimates with a population group were extracted")
    group = groups.most_common(1)[0][0]
    rows = run(snap, "need-projections", group=f"<{group}>")
    under = narrower_closure("population-groups", group)
    expected = {f for f in of_kind(snap, "NeedEstimate")
                if objects(snap, f, CC + "populationGroup") & under}
    assert {r["fact"] for r in rows} == expected
    assert all(r.get("isProjection", "false") in ("true", "false") for r in rows)


def test_council_needs_and_contract_events_are_the_councils(snap) -> None:  # type: ignore[no-untyped-def]
    for name, kind in (("council-needs", "NeedEstimate"),
                       ("council-contract-events", "ContractEvent")):
        rows = run(snap, name, council="Islington")
        expected = {f for f in of_kind(snap, kind) if ISLINGTON in objects(snap, f, CC + "council")}
        assert {r["fact"] for r in rows} == expected, name
        assert all(r["council"] == ISLINGTON for r in rows)


def test_strategies_and_periods(snap) -> None:  # type: ignore[no-untyped-def]
    rows = run(snap, "strategies-and-periods")
    expected = {f for f in of_kind(snap, "StrategyReference") if objects(snap, f, CC + "council")}
    assert rows and {r["fact"] for r in rows} == expected
    for row in rows:
        if "periodStart" in row and "periodEnd" in row:
            assert row["periodStart"] <= row["periodEnd"]


def test_everything_a_council_says_about_a_service(snap) -> None:  # type: ignore[no-untyped-def]
    top = BASE + "id/service/accommodation-based-care"
    rows = run(snap, "council-service-evidence", council="E09000019",
               service="accommodation-based-care")
    under = narrower_closure("services", top)
    kinds = ("Spend", "Capacity", "ContractEvent", "NeedEstimate", "CommissioningIntention",
             "StrategyReference")
    expected = {f for k in kinds for f in of_kind(snap, k)
                if ISLINGTON in objects(snap, f, CC + "council")
                and objects(snap, f, CC + "service") & under}
    assert {r["fact"] for r in rows} == expected
    assert all(r.get("quote") for r in rows), "every fact has its evidence"


def restating(snap) -> set[str]:  # type: ignore[no-untyped-def]
    """Facts that state again a claim their document made before (counted once)."""
    return subjects(snap, CC + "restates")


def joint(snap) -> set[str]:  # type: ignore[no-untyped-def]
    """Facts that are a group's figure, not one council's own."""
    return subjects(snap, CC + "jointAttribution", ox.Literal("true", datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#boolean")))


def test_two_councils_side_by_side(snap) -> None:  # type: ignore[no-untyped-def]
    rows = run(snap, "councils-side-by-side", first="Islington", second="Leicester")
    for council, column in ((ISLINGTON, "firstFacts"), (LEICESTER, "secondFacts")):
        facts = subjects(snap, CC + "council", ox.NamedNode(council)) - restating(snap)
        assert sum(int(r[column]) for r in rows) == len(facts), column
    spend = sum(Decimal(r["value"]) for r in run(snap, "spend-by-council-and-service",
                                                 council="Islington")
                if r["fact"] not in restating(snap) | joint(snap))
    assert sum(Decimal(r["firstSpend"]) for r in rows) == spend


def test_service_rollup_and_narrower(snap) -> None:  # type: ignore[no-untyped-def]
    top = BASE + "id/service/accommodation-based-care"
    under = narrower_closure("services", top)
    assert {r["concept"] for r in run(snap, "services-narrower")} == under
    rollup = run(snap, "service-rollup")
    assert {r["concept"] for r in rollup} == under
    mentions = sum(1 for f in subjects(snap, CC + "service")
                   for s in objects(snap, f, CC + "service")
                   if s in under and objects(snap, f, CC + "council")
                   and f not in restating(snap))
    assert sum(int(r["facts"]) for r in rollup) == mentions


def test_facts_lacking_service_or_period(snap) -> None:  # type: ignore[no-untyped-def]
    rows = run(snap, "facts-lacking-service-or-period")
    assert rows, "the corpus has strategies and needs with no service"
    for row in rows:
        has_service = bool(objects(snap, row["fact"], CC + "service"))
        has_period = bool(objects(snap, row["fact"], CC + "periodLabel"))
        assert {"service": not has_service and has_period,
                "period": has_service and not has_period,
                "service and period": not has_service and not has_period}[row["missing"]]


def test_facts_by_council_and_kind_and_documents(snap) -> None:  # type: ignore[no-untyped-def]
    rows = run(snap, "facts-by-council-and-kind")
    facts = subjects(snap, CC + "council")
    pairs = {(f, c) for f in facts - restating(snap) for c in objects(snap, f, CC + "council")}
    assert sum(int(r["facts"]) for r in rows) == len(pairs)
    documents = run(snap, "documents")
    assert {r["document"].rsplit("/", 1)[-1] for r in documents} == set(snap.meta.documents)
    for row in documents:
        derived = subjects(snap, "http://www.w3.org/ns/prov#wasDerivedFrom",
                           ox.NamedNode(row["document"]))
        assert int(row["facts"]) == len(derived & facts)
        assert int(row["claims"]) == len((derived & facts) - restating(snap))


def test_capacity_by_service(snap) -> None:  # type: ignore[no-untyped-def]
    rows = run(snap, "capacity-by-service")
    assert rows
    capacity = of_kind(snap, "Capacity")
    assert all(r["fact"] in capacity for r in rows)


def test_shared_intentions_really_share(snap) -> None:  # type: ignore[no-untyped-def]
    rows = run(snap, "shared-intentions")
    for row in rows[:100]:
        assert row["councilA"] < row["councilB"]
        for p in ("service", "direction"):
            assert objects(snap, row["factA"], CC + p) & objects(snap, row["factB"], CC + p)


def test_shared_intentions_are_bounded_by_a_council(snap) -> None:  # type: ignore[no-untyped-def]
    """The answer grows with one council's intentions, not the square of the councils."""
    for council in ("E09000019", "E08000014"):
        rows = run(snap, "shared-intentions", council=council)
        assert rows
        assert all(council in (r["councilA"][-9:], r["councilB"][-9:]) for r in rows)
    default = run(snap, "shared-intentions")
    assert default == run(snap, "shared-intentions", council="E09000019")


def test_spend_totals_add_up_the_figures(snap) -> None:  # type: ignore[no-untyped-def]
    totals = {(r["council"], r["service"]): Decimal(r["total"])
              for r in run(snap, "spend-totals-by-council-and-service")}
    assert totals
    for council in {c for c, _ in totals}:
        by_service: Counter[str] = Counter()
        for row in run(snap, "spend-by-council-and-service", council=f"<{council}>"):
            if "service" in row and row["fact"] not in restating(snap) | joint(snap):
                by_service[row["service"]] += Decimal(row["value"])  # type: ignore[assignment]
        assert {s: t for (c, s), t in totals.items() if c == council} == dict(by_service)


# -- over HTTP -------------------------------------------------------------------------


@pytest.mark.parametrize(("accept", "fmt", "media"), [
    ("application/sparql-results+json", None, "application/sparql-results+json"),
    (None, "csv", "text/csv"), (None, "tsv", "text/tab-separated-values"),
    ("application/sparql-results+xml", None, "application/sparql-results+xml"),
])
def test_saved_query_over_http_in_every_format(client, accept, fmt, media) -> None:  # type: ignore[no-untyped-def]
    url = "/queries/spend-by-council-and-service?council=E09000019"
    if fmt:
        url += f"&format={fmt}"
    response = client.get(url, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.content_type.split(";")[0] == media
    assert b"E09000019" in response.data


def test_catalogue_over_http(client) -> None:  # type: ignore[no-untyped-def]
    listing = client.get("/queries", headers={"Accept": "application/json"}).get_json()
    assert {q["name"] for q in listing} == set(catalogue())
    page = client.get("/queries", headers={"Accept": "text/html"})
    assert page.status_code == 200 and b"Spend by council and service" in page.data
    assert client.get("/queries/spend-by-council-and-service?council=Nowhere").status_code == 400
    assert client.get("/queries/no-such-query").status_code == 404


# -- in the worker pool ----------------------------------------------------------------


def _serialized(result, fmt: ox.QueryResultsFormat) -> bytes:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    result.serialize(out, fmt)
    return out.getvalue()


@pytest.mark.parametrize(("name", "fmt", "writer"), [
    ("json", "json", ox.QueryResultsFormat.JSON), ("csv", "csv", ox.QueryResultsFormat.CSV),
])
def test_http_answers_are_run_saveds_byte_for_byte(snap, client, name, fmt, writer) -> None:  # type: ignore[no-untyped-def]
    """The worker pool gives the same bytes as running the query in process (the CLI's
    path), for every saved query with its defaults and one with a parameter."""
    cases = [(n, {}) for n in catalogue()] + [
        ("spend-by-council-and-service", {"council": "Islington"})]
    for query, params in cases:
        response = client.get(f"/queries/{query}", query_string={**params, "format": fmt},
                              headers={"Cache-Control": "no-cache"})
        assert response.status_code == 200, (query, response.data[:200])
        assert response.data == _serialized(run_saved(snap, query, params), writer), query


def test_a_saved_query_is_stopped_at_the_timeout(built_settings) -> None:  # type: ignore[no-untyped-def]
    """A saved query runs in the worker pool under the endpoint's timeout, not in the
    request's thread: with a timeout no evaluation can meet, it is stopped with 504 and
    its worker killed. Its cached answer is sent without a worker."""
    from carekg.api.app import create_app

    app = create_app(built_settings.with_(max_concurrent_queries=1), TESTING=True)
    client = app.test_client()
    pool = app.extensions["carekg.pool"]
    url = "/queries/shared-intentions?format=json"
    try:
        first = client.get(url)
        assert first.status_code == 200 and first.data  # read to its end: now cached
        pool.limits.timeout = 1e-6  # a limit no query is answered within
        cached = client.get(url)
        assert cached.status_code == 200 and cached.data == first.data
        assert pool.killed == 0
        stopped = client.get(url, headers={"Cache-Control": "no-cache"})
        assert stopped.status_code == 504, stopped.data
        assert b"longer than" in stopped.data
        assert pool.killed == 1
        # no-cache: the page with its defaults may be precomputed (api/precompute.py; a
        # carekg serve of this store earlier in the session made it), and sent without one
        page = client.get("/queries/documents", headers={"Accept": "text/html",
                                                         "Cache-Control": "no-cache"})
        assert page.status_code == 504 and pool.killed == 2
    finally:
        pool.close()
