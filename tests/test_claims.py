"""Claims counted once, on the bundled corpus: a figure a document states twice is one
claim (``cc:restates``), a figure a several-council document gives for the group
(``cc:jointAttribution``) is the group's, and every aggregate (the saved queries that sum
or count, ``/compare``, ``/compare/similar``) keeps to both.

The expected numbers come from independent SPARQL: DISTINCT over what a claim is (council,
document, service, value, unit, period, ...), never through ``cc:restates``, so a wrong
link would show as a difference.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from carekg.api.similarity import INTENTION_WEIGHT, council_graph
from carekg.graph.saved_queries import run_saved
from carekg.graph.store import StoreDir

BASE = "https://w3id.org/carekg/"
SEFTON = BASE + "id/council/E08000014"
WESTMINSTER = BASE + "id/council/E09000033"
TRIBOROUGH = {BASE + "id/council/E09000013", BASE + "id/council/E09000020", WESTMINSTER}
PREFIXES = """PREFIX cc: <https://w3id.org/carekg/def#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX oa: <http://www.w3.org/ns/oa#>
"""

#: A council's own spend claims per service: each distinct claim once, group figures out.
OWN_CLAIMS = PREFIXES + """
SELECT ?service (SUM(?value) AS ?total) (COUNT(*) AS ?claims) WHERE {
  SELECT DISTINCT ?document ?service ?value ?unit ?start ?end WHERE {
    ?f a cc:Spend ; cc:council ?council ; cc:value ?value ; cc:service ?service ;
       prov:wasDerivedFrom ?document .
    FILTER NOT EXISTS { ?f cc:jointAttribution true }
    OPTIONAL { ?f cc:unit ?unit } OPTIONAL { ?f cc:periodStart ?start }
    OPTIONAL { ?f cc:periodEnd ?end }
  }
} GROUP BY ?service"""

#: The group figures: one per claim, whichever council's copy (no council in the key).
GROUP_CLAIMS = PREFIXES + """
SELECT (SUM(?value) AS ?total) (COUNT(*) AS ?claims) WHERE {
  SELECT DISTINCT ?document ?service ?value ?unit ?start ?end WHERE {
    ?f a cc:Spend ; cc:jointAttribution true ; cc:value ?value ; prov:wasDerivedFrom ?document .
    OPTIONAL { ?f cc:service ?service } OPTIONAL { ?f cc:unit ?unit }
    OPTIONAL { ?f cc:periodStart ?start } OPTIONAL { ?f cc:periodEnd ?end }
  }
}"""


@pytest.fixture(scope="module")
def snap(built_settings):  # type: ignore[no-untyped-def]
    return StoreDir(built_settings.store).open()


def own_claims(snap, council: str) -> dict[str, tuple[Decimal, int]]:  # type: ignore[no-untyped-def]
    query = OWN_CLAIMS.replace("?council", f"<{council}>")
    return {row["service"].value: (Decimal(row["total"].value), int(row["claims"].value))
            for row in snap.query(query)}


def test_a_figure_stated_twice_is_one_claim(snap) -> None:  # type: ignore[no-untyped-def]
    """Sefton's cabinet report gives its supported living spend in two sentences; the
    second statement restates the first, and the totals add it once."""
    restated = list(snap.query(PREFIXES + f"""
        SELECT ?f ?first WHERE {{ ?f cc:restates ?first ; cc:council <{SEFTON}> ;
                                   a cc:Spend }}"""))
    assert restated, "no restatement linked in Sefton's spend"
    totals = {row["service"].value: Decimal(row["total"].value)
              for row in run_saved(snap, "spend-totals-by-council-and-service")
              if row["council"].value == SEFTON}
    naive = sum(Decimal(r["value"].value) for r in snap.query(PREFIXES + f"""
        SELECT ?f ?value WHERE {{ ?f a cc:Spend ; cc:council <{SEFTON}> ; cc:value ?value ;
            cc:service <{BASE}id/service/supported-living> }}"""))
    expected = own_claims(snap, SEFTON)
    assert totals == {s: t for s, (t, _) in expected.items()}
    assert totals[BASE + "id/service/supported-living"] < naive


def test_restatements_stay_in_their_document_council_and_claim(snap) -> None:  # type: ignore[no-untyped-def]
    rows = list(snap.query(PREFIXES + """
        SELECT ?f ?first WHERE { ?f cc:restates ?first .
          FILTER (NOT EXISTS { ?f prov:wasDerivedFrom ?d ; cc:council ?c ; a ?k .
                              ?first prov:wasDerivedFrom ?d ; cc:council ?c ; a ?k }
                  || EXISTS { ?first cc:restates ?any }
                  || EXISTS { ?f cc:value ?v FILTER NOT EXISTS { ?first cc:value ?v } }) }"""))
    assert rows == []


def test_counts_of_claims_per_council_and_kind(snap) -> None:  # type: ignore[no-untyped-def]
    """facts-by-council-and-kind counts each claim once (it counted every statement)."""
    independent = {(r["council"].value, r["kind"].value): int(r["n"].value)
                   for r in snap.query(PREFIXES + """
        SELECT ?council ?kind (COUNT(*) AS ?n) WHERE {
          SELECT DISTINCT ?council ?kind ?document ?service ?value ?unit ?start ?end ?direction
                 ?group ?projection ?event ?route ?name ?joint WHERE {
            ?f cc:council ?council ; a ?kind ; prov:wasDerivedFrom ?document .
            FILTER (?kind IN (cc:Spend, cc:Capacity, cc:ContractEvent, cc:NeedEstimate,
                              cc:CommissioningIntention, cc:StrategyReference))
            OPTIONAL { ?f cc:service ?service } OPTIONAL { ?f cc:value ?value }
            OPTIONAL { ?f cc:unit ?unit } OPTIONAL { ?f cc:periodStart ?start }
            OPTIONAL { ?f cc:periodEnd ?end } OPTIONAL { ?f cc:direction ?direction }
            OPTIONAL { ?f cc:populationGroup ?group } OPTIONAL { ?f cc:isProjection ?projection }
            OPTIONAL { ?f cc:eventType ?event } OPTIONAL { ?f cc:procurementRoute ?route }
            OPTIONAL { ?f cc:strategyName ?name } OPTIONAL { ?f cc:jointAttribution ?joint }
          } } GROUP BY ?council ?kind""")}
    counted = {(r["council"].value, r["kind"].value): int(r["facts"].value)
               for r in run_saved(snap, "facts-by-council-and-kind")}
    assert counted == independent
    statements = sum(1 for _ in snap.query(PREFIXES + "SELECT ?f WHERE { ?f a cc:Fact }"))
    assert sum(counted.values()) < statements


def test_compare_totals_equal_the_sum_of_distinct_claims(client, snap) -> None:  # type: ignore[no-untyped-def]
    answer = client.get("/compare?councils=Sefton,Westminster&format=json").get_json()
    by_council = {t["councils"][0]: t for t in answer["councils"]}
    for council in (SEFTON, WESTMINSTER):
        expected = own_claims(snap, council)
        got = by_council[council]
        assert {s: Decimal(str(v["total"])) for s, v in got["services"].items()} == \
            {s: t for s, (t, _) in expected.items()}
        assert {s: v["figures"] for s, v in got["services"].items()} == \
            {s: n for s, (_, n) in expected.items()}
        assert Decimal(str(got["total"])) == sum((t for t, _ in expected.values()), Decimal(0))
    page = client.get("/compare?councils=Sefton,Westminster",
                      headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'id="spend-totals"' in page and f'data-council="{SEFTON}"' in page


def test_a_group_figure_is_the_groups_and_never_one_councils(client, snap) -> None:  # type: ignore[no-untyped-def]
    """The tri-borough document's figures that no borough owns alone: shown once, as the
    three boroughs' together, and in no borough's own total."""
    answer = client.get("/compare?councils=Westminster,Sefton&format=json").get_json()
    westminster = next(t for t in answer["councils"] if t["councils"] == [WESTMINSTER])
    joint_of_westminster = Decimal(next(iter(snap.query(PREFIXES + f"""
        SELECT (SUM(?v) AS ?t) WHERE {{ ?f a cc:Spend ; cc:council <{WESTMINSTER}> ;
            cc:jointAttribution true ; cc:value ?v }}"""))) ["t"].value)
    assert joint_of_westminster > 0
    assert Decimal(str(westminster["total"])) == sum(
        (t for t, _ in own_claims(snap, WESTMINSTER).values()), Decimal(0))
    groups = answer["groups"]
    assert groups and all(set(g["councils"]) <= TRIBOROUGH and WESTMINSTER in g["councils"]
                          for g in groups)
    independent = next(iter(snap.query(GROUP_CLAIMS)))
    assert sum(Decimal(str(g["total"])) for g in groups) == Decimal(independent["total"].value)
    assert sum(s["figures"] for g in groups for s in g["services"].values()) == \
        int(independent["claims"].value)
    three = next(g for g in groups if len(g["councils"]) == 3)
    assert three["name"] == ("Hammersmith and Fulham, Kensington and Chelsea and "
                             "Westminster together")
    page = client.get("/compare?councils=Westminster,Sefton",
                      headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "Westminster together: all services" in page


def test_the_rollup_adds_a_group_figure_once(snap) -> None:  # type: ignore[no-untyped-def]
    """service-rollup summed each joint figure once per borough and restatements again."""
    for row in run_saved(snap, "service-rollup", {"service": "accommodation-based-care"}):
        concept = row["concept"].value
        expected = Decimal(next(iter(snap.query(PREFIXES + f"""
            SELECT (SUM(COALESCE(?value, 0)) AS ?t) WHERE {{
              SELECT DISTINCT ?document ?value ?unit ?start ?end ?owner WHERE {{
                ?f a cc:Spend ; cc:service <{concept}> ; cc:value ?value ; cc:council ?c ;
                   prov:wasDerivedFrom ?document .
                OPTIONAL {{ ?f cc:unit ?unit }} OPTIONAL {{ ?f cc:periodStart ?start }}
                OPTIONAL {{ ?f cc:periodEnd ?end }}
                OPTIONAL {{ ?f cc:jointAttribution ?joint }}
                BIND(IF(COALESCE(?joint, false), "group", STR(?c)) AS ?owner)
              }} }}""")))["t"].value)
        assert Decimal(row["statedSpend"].value) == expected, concept


def test_similar_counts_a_shared_intention_once(snap) -> None:  # type: ignore[no-untyped-def]
    """One document's action repeated in several tables weighed as many links."""
    graph = council_graph(snap, BASE)
    assert graph.number_of_edges()
    for a, b, data in graph.edges(data=True):
        intentions = [(r["service"], r["direction"]) for r in data["reasons"]
                      if r["kind"] == "intention"]
        assert len(intentions) == len(set(intentions)), (a, b, intentions)
        spend = sum(2.0 * r["overlap"] for r in data["reasons"] if r["kind"] == "spend")
        assert data["weight"] == pytest.approx(INTENTION_WEIGHT * len(intentions) + spend,
                                               abs=0.01)
    shared = list(snap.query(PREFIXES + """
        SELECT ?a ?b ?service ?direction WHERE {
          SELECT DISTINCT ?a ?b ?service ?direction WHERE {
            ?x a cc:CommissioningIntention ; cc:council ?a ; cc:service ?service ;
               cc:direction ?direction .
            ?y a cc:CommissioningIntention ; cc:council ?b ; cc:service ?service ;
               cc:direction ?direction .
            FILTER (STR(?a) < STR(?b)) } }"""))
    linked = sum(1 for _, _, d in graph.edges(data=True) for r in d["reasons"]
                 if r["kind"] == "intention")
    assert linked == len(shared)
