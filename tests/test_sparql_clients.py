"""Real SPARQL clients against the endpoint served by waitress over real HTTP.

SPARQLWrapper in every return format it has (with and without its ``format=`` parameter,
by GET, URL-encoded POST and direct POST), rdflib's SPARQLStore, and Comunica (the
JavaScript client, run by node) must all get the same answers as pyoxigraph in process.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from SPARQLWrapper import (
    CSV,
    GET,
    JSON,
    JSONLD,
    N3,
    POST,
    POSTDIRECTLY,
    RDFXML,
    TSV,
    TURTLE,
    URLENCODED,
    XML,
    SPARQLWrapper,
)

from carekg.config import Settings
from carekg.graph.store import StoreDir

REPO = Path(__file__).resolve().parents[1]
CC = "https://w3id.org/carekg/def#"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SELECT = f"SELECT ?c ?label WHERE {{ ?c a <{CC}Council> ; <{LABEL}> ?label }} ORDER BY ?c"
CONSTRUCT = f"CONSTRUCT {{ ?c ?p ?o }} WHERE {{ ?c a <{CC}Council> ; ?p ?o }}"


@pytest.fixture(scope="module")
def settings(protocol_settings: Settings) -> Settings:
    return protocol_settings


@pytest.fixture(scope="module")
def endpoint(protocol_url: str) -> str:
    return f"{protocol_url}/sparql"


@pytest.fixture(scope="module")
def expected(settings: Settings) -> dict[str, object]:
    """The answers pyoxigraph gives in process, which every client must reproduce."""
    snap = StoreDir(settings.store).open()
    rows = [(r["c"].value, r["label"].value) for r in snap.query(SELECT)]
    triples = {(t.subject.value, t.predicate.value, t.object.value)
               for t in snap.query(CONSTRUCT)}
    assert len(rows) == 2 and len(triples) > 6  # the data is there to be found
    return {"rows": rows, "triples": triples}


def _wrapper(endpoint: str, query: str, fmt: str, method: str, conneg_only: bool) -> SPARQLWrapper:
    sparql = SPARQLWrapper(endpoint)
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    sparql.setOnlyConneg(conneg_only)
    if method == POSTDIRECTLY:
        sparql.setMethod(POST)
        sparql.setRequestMethod(POSTDIRECTLY)
    else:
        sparql.setMethod(method)
        sparql.setRequestMethod(URLENCODED)
    return sparql


def _rows(fmt: str, converted: object) -> list[tuple[str, str]]:
    if fmt == JSON:
        bindings = converted["results"]["bindings"]  # type: ignore[index]
        return [(b["c"]["value"], b["label"]["value"]) for b in bindings]
    if fmt == XML:
        results = converted.getElementsByTagName("result")  # type: ignore[attr-defined]
        out = []
        for result in results:
            values = {b.getAttribute("name"): b.firstChild.firstChild.data
                      for b in result.getElementsByTagName("binding")}
            out.append((values["c"], values["label"]))
        return out
    text = converted.decode("utf-8")  # type: ignore[attr-defined]
    if fmt == CSV:
        return [(r["c"], r["label"]) for r in csv.DictReader(io.StringIO(text))]
    lines = [line.split("\t") for line in text.strip().splitlines()[1:]]
    return [(c.strip("<>"), label.strip('"')) for c, label in lines]


MODES = [(GET, False), (GET, True), (POST, False), (POSTDIRECTLY, True)]


@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
@pytest.mark.parametrize("method,conneg_only", MODES)
def test_sparqlwrapper_select(endpoint, expected, fmt, method, conneg_only) -> None:  # type: ignore[no-untyped-def]
    result = _wrapper(endpoint, SELECT, fmt, method, conneg_only).query()
    assert _rows(fmt, result.convert()) == expected["rows"]


@pytest.mark.parametrize("fmt", [JSON, XML])
def test_sparqlwrapper_ask(endpoint, fmt) -> None:  # type: ignore[no-untyped-def]
    for query, answer in ((f"ASK {{ ?c a <{CC}Council> }}", True),
                          (f"ASK {{ ?c a <{CC}Nothing> }}", False)):
        converted = _wrapper(endpoint, query, fmt, GET, False).query().convert()
        if fmt == JSON:
            assert converted["boolean"] is answer
        else:
            text = converted.getElementsByTagName("boolean")[0].firstChild.data
            assert text == str(answer).lower()


# SPARQLWrapper 2.0 converts RDF answers with rdflib's deprecated ConjunctiveGraph.
@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
@pytest.mark.filterwarnings("ignore:Dataset.default_context is deprecated:DeprecationWarning")
@pytest.mark.parametrize("fmt,rdflib_format", [(XML, None), (RDFXML, None), (TURTLE, "turtle"),
                                               (N3, "n3"), (JSONLD, None)])
@pytest.mark.parametrize("method,conneg_only", MODES)
def test_sparqlwrapper_construct(endpoint, expected, fmt, rdflib_format, method,  # type: ignore[no-untyped-def]
                                 conneg_only) -> None:
    converted = _wrapper(endpoint, CONSTRUCT, fmt, method, conneg_only).query().convert()
    graph = converted if isinstance(converted, Graph) else Graph().parse(
        data=converted, format=rdflib_format)
    assert {(str(s), str(p), str(o)) for s, p, o in graph} == expected["triples"]


def test_rdflib_sparqlstore(endpoint, expected) -> None:  # type: ignore[no-untyped-def]
    graph = Graph(store="SPARQLStore")
    graph.open(endpoint)
    rows = [(str(r.c), str(r.label)) for r in graph.query(SELECT)]
    assert rows == expected["rows"]
    islington = URIRef("https://w3id.org/carekg/id/council/E09000019")
    labels = set(graph.objects(islington, URIRef(LABEL)))
    assert labels == {Literal("London Borough of Islington")}
    assert (islington, None, None) in graph
    constructed = graph.query(CONSTRUCT).graph
    assert {(str(s), str(p), str(o)) for s, p, o in constructed} == expected["triples"]
    graph.close()


# -- Comunica (JavaScript) -----------------------------------------------------------

COMUNICA_SCRIPT = """
const { QueryEngine } = require('@comunica/query-sparql');
const [endpoint, select, construct] = process.argv.slice(1);
(async () => {
  const engine = new QueryEngine();
  const sources = [{ type: 'sparql', value: endpoint }];
  const bindings = await (await engine.queryBindings(select, { sources })).toArray();
  const rows = bindings.map(b => [b.get('c').value, b.get('label').value]);
  const quads = await (await engine.queryQuads(construct, { sources })).toArray();
  const triples = quads.map(q => [q.subject.value, q.predicate.value, q.object.value]);
  const ask = await engine.queryBoolean('ASK { ?s ?p ?o }', { sources });
  console.log(JSON.stringify({ rows, triples, ask }));
})().catch(e => { console.error(e); process.exit(1); });
"""


def comunica_missing() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed"
    if not (REPO / "node_modules" / "@comunica" / "query-sparql").is_dir():
        return "@comunica/query-sparql is not installed: run 'npm install' at the repository top"
    return None


def test_comunica(endpoint, expected, requirement) -> None:  # type: ignore[no-untyped-def]
    reason = comunica_missing()
    if reason:
        requirement(reason)
    run = subprocess.run(["node", "-e", COMUNICA_SCRIPT, endpoint, SELECT, CONSTRUCT],
                         cwd=REPO, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout.strip().splitlines()[-1])
    assert sorted(tuple(r) for r in answer["rows"]) == sorted(expected["rows"])
    assert {tuple(t) for t in answer["triples"]} == expected["triples"]
    assert answer["ask"] is True


def test_sparqlwrapper_is_the_installed_client() -> None:
    # Guards against the tests silently running a different client than the docs name.
    assert importlib.util.find_spec("SPARQLWrapper") is not None
