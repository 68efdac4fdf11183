"""Lookups answered in the server process: which queries are (a shape that cannot run
away), that their answers are the worker's byte for byte, and that every other query
still goes to a worker under the timeout."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from carekg.api import execution
from carekg.api.app import create_app
from carekg.config import Settings
from carekg.graph.sparql_text import is_lookup, tokens, unescape

COUNCIL = "<https://w3id.org/carekg/id/council/E09000019>"
RDFS = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"

LOOKUPS = {
    "bound label (the benchmark's)": RDFS + "# a comment\nSELECT ?label WHERE {\n"
    f"  VALUES (?resource) {{ ({COUNCIL}) }}\n  ?resource rdfs:label ?label .\n}}\n",
    "constant subject": f"SELECT * WHERE {{ {COUNCIL} ?p ?o }}",
    "ask its type": f"ASK {{ {COUNCIL} a ?type }}",
    "limited": f"SELECT ?o WHERE {{ VALUES ?r {{ {COUNCIL} }} ?r ?p ?o . }} LIMIT 3",
    "two bound variables": f"SELECT ?o {{ VALUES (?r ?q) {{ ({COUNCIL} rdfs:label) }} ?r ?q ?o }}"
    .replace("SELECT", RDFS + "SELECT", 1),
}

NOT_LOOKUPS = {
    "unbound subject": "SELECT * WHERE { ?s ?p ?o }",
    "blank node subject": "SELECT * WHERE { _:b ?p ?o }",
    "subject not the VALUES variable": f"SELECT * {{ VALUES ?x {{ {COUNCIL} }} ?s ?p ?o }}",
    "two patterns": f"SELECT * WHERE {{ {COUNCIL} ?p ?o . ?o ?q ?z }}",
    "predicate-object list": f"SELECT * WHERE {{ {COUNCIL} ?p ?o ; ?q ?z }}",
    "property path": f"SELECT * WHERE {{ {COUNCIL} <urn:p>* ?o }}",
    "literal object": f'SELECT * WHERE {{ {COUNCIL} ?p "Islington"@en }}',
    "number object": f"SELECT * WHERE {{ {COUNCIL} ?p 5 }}",
    "filter": f"SELECT * WHERE {{ {COUNCIL} ?p ?o FILTER(isIRI(?o)) }}",
    "optional": f"SELECT * WHERE {{ {COUNCIL} ?p ?o OPTIONAL {{ ?o ?q ?z }} }}",
    "nested group": f"SELECT * WHERE {{ {{ {COUNCIL} ?p ?o }} }}",
    "order by": f"SELECT * WHERE {{ {COUNCIL} ?p ?o }} ORDER BY ?o",
    "distinct (reads every triple for a few rows)": f"SELECT DISTINCT ?p {{ {COUNCIL} ?p ?o }}",
    "reduced": f"SELECT REDUCED ?p {{ {COUNCIL} ?p ?o }}",
    "offset": f"SELECT * WHERE {{ {COUNCIL} ?p ?o }} OFFSET 5",
    "aggregate": f"SELECT (COUNT(*) AS ?n) WHERE {{ {COUNCIL} ?p ?o }}",
    "from": f"SELECT * FROM <urn:g> WHERE {{ {COUNCIL} ?p ?o }}",
    "trailing VALUES": f"SELECT * WHERE {{ ?s ?p ?o }} VALUES ?s {{ {COUNCIL} }}",
    "UNDEF": "SELECT * WHERE { VALUES ?r { UNDEF } ?r ?p ?o }",
    "short VALUES row": f"SELECT * WHERE {{ VALUES (?r ?q) {{ ({COUNCIL}) }} ?r ?q ?o }}",
    "too many VALUES terms": "SELECT * WHERE { VALUES ?r { " + " ".join(
        f"<urn:r{i}>" for i in range(101)) + " } ?r ?p ?o }",
    "construct": f"CONSTRUCT WHERE {{ {COUNCIL} ?p ?o }}",
    "unclosed": f"SELECT * WHERE {{ {COUNCIL} ?p ?o",
    "escaped blank node": "SELECT * WHERE { \\u005F:b ?p ?o }",
}


def _is_lookup(query: str) -> bool:
    return is_lookup(tokens(unescape(query), strings=True))


@pytest.mark.parametrize("name", sorted(LOOKUPS))
def test_lookup_shapes(name: str) -> None:
    assert _is_lookup(LOOKUPS[name])


@pytest.mark.parametrize("name", sorted(NOT_LOOKUPS))
def test_shapes_that_can_run_away_are_not_lookups(name: str) -> None:
    assert not _is_lookup(NOT_LOOKUPS[name])


@pytest.fixture(scope="module")
def app(built_settings: Settings) -> Iterator[Any]:
    made = create_app(built_settings, TESTING=True)
    yield made
    made.extensions["carekg.pool"].close()


def _ask(app: Any, query: str, accept: str = "application/sparql-results+json") -> Any:
    return app.test_client().get("/sparql", query_string={"query": query}, headers={
        "Accept": accept, "Cache-Control": "no-cache"})


@pytest.mark.parametrize("name", sorted(LOOKUPS))
@pytest.mark.parametrize("accept", ["application/sparql-results+json", "text/csv"])
def test_a_lookup_is_answered_without_a_worker_as_a_worker_answers_it(
        app: Any, name: str, accept: str) -> None:
    pool = app.extensions["carekg.pool"]
    runs = pool.runs
    response = _ask(app, LOOKUPS[name], accept)
    assert response.status_code == 200, response.data
    assert pool.runs == runs  # no worker was asked
    snap = app.extensions["carekg.snapshots"].get()
    kwargs = {"base_iri": "http://localhost/sparql", "use_default_graph_as_union": True}
    worker = pool.run(str(snap.path), LOOKUPS[name], kwargs, accept.split(";")[0])
    assert pool.runs == runs + 1
    assert response.data == worker.body
    empty = (b'"bindings":[]', b'"boolean":false', b"false") if "json" in accept else (b"false",)
    assert response.data.strip() not in empty and b'"bindings":[]' not in response.data
    assert "json" in accept or response.data.count(b"\n") > 1 or response.data == b"true"


def test_other_queries_still_go_to_a_worker(app: Any) -> None:
    pool = app.extensions["carekg.pool"]
    runs = pool.runs
    response = _ask(app, NOT_LOOKUPS["two patterns"] + " LIMIT 1")
    assert response.status_code == 200, response.data
    assert pool.runs == runs + 1


def test_a_lookup_with_more_rows_than_kept_here_goes_to_a_worker_whole(
        app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    query = LOOKUPS["constant subject"]
    whole = _ask(app, query, "text/csv").data.count(b"\n") - 1
    assert whole > 2
    monkeypatch.setattr(execution, "LOOKUP_ROWS", 2)
    pool = app.extensions["carekg.pool"]
    runs = pool.runs
    response = _ask(app, query, "text/csv")
    assert response.status_code == 200
    assert pool.runs == runs + 1  # read here up to the bound, then asked of a worker
    assert response.data.count(b"\n") - 1 == whole
    assert "X-Carekg-Truncated" not in response.headers


def test_a_malformed_lookup_is_refused_as_a_worker_refuses_it(app: Any) -> None:
    response = _ask(app, f"SELECT * WHERE {{ {COUNCIL} undeclared:p ?o }}")
    assert response.status_code == 400
    assert b"malformed SPARQL query" in response.data
