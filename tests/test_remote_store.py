"""The remote store backend against a real OpenLink Virtuoso: the bundled corpus built
into it over the Graph Store Protocol, every saved query answered the same as by the
embedded store, one document added and removed, and ``carekg serve``'s app as a thin
read-only front over it.

Virtuoso (Debian package ``virtuoso-opensource``) is started here on free loopback ports
with its own ini and data directory under a temporary directory, and stopped afterwards.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from carekg.config import Settings
from carekg.graph.remote import RemoteStore
from carekg.graph.saved_queries import bind, catalogue, run_saved, saved_query
from carekg.graph.sparql_text import with_values
from carekg.graph.store import StoreDir, open_store
from carekg.iris import DEFAULT_IRIS

CAREKG = [sys.executable, "-m", "carekg"]
XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {f"{XSD}{t}" for t in ("integer", "decimal", "double", "float", "int", "long",
                                 "nonNegativeInteger", "positiveInteger")}
#: Lets the anonymous /sparql user write through /sparql-graph-crud: only ever done on
#: this private loopback instance (docs/deploy.md).
GRANTS = ('grant SPARQL_UPDATE to "SPARQL";\n'
          "DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7);\n")

# Our own invented text in the genre (not taken from the corpus).
PAGE = """<html><head><title>Adult social care plan</title></head><body>
<h1>Day opportunities</h1>
<p>The Council currently spends £2.25m per annum on day opportunities for adults with a
learning disability.</p>
<h1>Extra care housing</h1>
<p>The Council will increase the number of extra care housing units by 2028.</p>
</body></html>
"""


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory,
             requirement: Callable[[str], None]) -> Iterator[Any]:
    """A private virtuoso-t on loopback, writable through its Graph Store endpoint."""
    if not shutil.which("virtuoso-t") or not shutil.which("isql-vt"):
        requirement("virtuoso-t/isql-vt not installed (apt-get install -y virtuoso-opensource)")
    from carekg.bench.virtuoso import Virtuoso

    server = Virtuoso(tmp_path_factory.mktemp("virtuoso") / "v", memory_mb=256)
    try:
        server.started_in = server.start()  # type: ignore[attr-defined]
        server.isql(GRANTS, timeout=60)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def remote_url(virtuoso: Any) -> str:
    """The bundled corpus built into Virtuoso through the CLI."""
    url = f"sparql+{virtuoso.endpoint}"
    built = subprocess.run([*CAREKG, "build", "--store", url, "-q"], capture_output=True,
                           text=True, timeout=900)
    assert built.returncode == 0, built.stderr
    return url


def _term(term: Any) -> str:
    """A term compared across engines where the specification leaves them free to
    differ: numbers by value (Virtuoso may write 2.50 or 2.5E0 where pyoxigraph writes
    2.5), booleans by value (Virtuoso writes "1"^^xsd:boolean), blank nodes all alike,
    and GROUP_CONCAT's text as the set of its parts (the order is unspecified; its result
    is a simple literal, where pyoxigraph keeps the parts' common language tag)."""
    if term is None:
        return "UNBOUND"
    if isinstance(term, ox.BlankNode):
        return "_:b"
    if isinstance(term, ox.Literal) and term.datatype.value == f"{XSD}boolean":
        return f"boolean:{term.value in ('1', 'true')}"
    if isinstance(term, ox.Literal) and (term.language or
                                         term.datatype.value == f"{XSD}string"):
        return "string:" + "; ".join(sorted(term.value.split("; ")))
    if isinstance(term, ox.Literal) and term.datatype.value in NUMERIC:
        try:
            return f"number:{Decimal(term.value).normalize():f}"
        except InvalidOperation:
            return f"number:{term.value}"
    return str(term)


def _rows(result: Any) -> Counter[tuple[tuple[str, str], ...]]:
    if isinstance(result, ox.QueryBoolean):
        return Counter({(("ask", str(bool(result))),): 1})
    names = [v.value for v in result.variables]
    return Counter(tuple((n, _term(row[n])) for n in names) for row in result)


def _named(triples: Any) -> set[str]:
    """Triples without blank nodes (whose labels differ between engines), as text."""
    return {str(t) for t in triples if not isinstance(t.object, ox.BlankNode)}


def test_virtuoso_started_quickly(virtuoso: Any) -> None:
    assert virtuoso.started_in < 120


#: Saved queries Virtuoso 7.2.5 (Debian) answers with fewer rows than the SPARQL
#: semantics give: each joins ``skos:broader*`` with several fact patterns. Bisected on
#: service-intentions: dropping the path gives rows, and each reduced join (the path with
#: cc:council, or with cc:direction, alone) agrees with pyoxigraph; the whole is wrong
#: however the parameter is bound (VALUES first or last, a constant, FILTER) and whatever
#: the dataset (all graphs, protocol dataset, FROM). Strict: a fixed Virtuoso shows here.
#: (service-rollup left the list when it took its joint-figure rule into a grouped
#: subquery: Virtuoso answers that form as pyoxigraph does.)
VIRTUOSO_PATH_JOINS = {"capacity-by-service", "council-service-evidence", "need-projections",
                       "service-intentions", "service-spend-across-councils"}


def _saved(name: str) -> Any:
    if name in VIRTUOSO_PATH_JOINS:
        return pytest.param(name, marks=pytest.mark.xfail(
            strict=True, reason="Virtuoso 7.2.5 drops rows of skos:broader* joins"))
    return name


@pytest.mark.parametrize("name", [_saved(n) for n in sorted(catalogue())])
def test_saved_query_same_answers(name: str, remote_url: str, built_settings: Settings) -> None:
    local = StoreDir(built_settings.store).open()
    remote = RemoteStore(remote_url).open()
    expected = _rows(run_saved(local, name))
    got = _rows(run_saved(remote, name))
    assert got == expected, (f"{name}: {sum(expected.values())} rows embedded, "
                             f"{sum(got.values())} on Virtuoso; missing "
                             f"{list(expected - got)[:3]}, extra {list(got - expected)[:3]}")


def test_parameters_bind_as_terms_not_text(remote_url: str, built_settings: Settings) -> None:
    """A value full of SPARQL syntax stays one literal or IRI: it can widen nothing."""
    queries = [q for q in catalogue().values() if q.parameters]
    assert queries, "no saved query has parameters"
    query = queries[0]
    param = query.parameters[0]
    hostile = '"} } UNION { ?s ?p ?o } #'
    try:
        bound = bind(query, {param.name: hostile})
    except Exception:  # refused as ill-formed for its kind: also safe
        return
    text = with_values(query.text, bound)
    assert hostile not in text or str(bound[ox.Variable(param.name)]) in text
    remote = RemoteStore(remote_url).open()
    local = StoreDir(built_settings.store).open()
    assert _rows(remote.query(query.text, substitutions=bound)) == _rows(
        local.query(query.text, substitutions=bound))


def test_union_default_graph_is_the_carekg_graphs(
        remote_url: str, built_settings: Settings) -> None:
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    graphs = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    remote = RemoteStore(remote_url).open()
    local = StoreDir(built_settings.store).open()
    assert _rows(remote.query(count)) == _rows(local.query(count))
    assert _rows(remote.query(graphs)) == _rows(local.query(graphs))
    assert remote.graph_names() == local.graph_names()
    construct = ("CONSTRUCT { ?s ?p ?o } WHERE { "
                 "?s a <http://www.w3.org/2002/07/owl#Class> ; ?p ?o }")
    assert _named(remote.query(construct)) == _named(local.query(construct))


def test_texts_and_meta_kept_on_the_server(remote_url: str, built_settings: Settings) -> None:
    remote = RemoteStore(remote_url).open()
    local = StoreDir(built_settings.store).open()
    assert remote.meta.documents == local.meta.documents
    for doc_id in local.meta.documents:
        assert remote.text_of(doc_id) == local.text_of(doc_id)


def test_add_and_remove_one_document(remote_url: str, tmp_path: Path) -> None:
    page = tmp_path / "plan.html"
    page.write_text(PAGE, encoding="utf-8")
    store = RemoteStore(remote_url)
    before = store.open().graph_names()
    added = subprocess.run([*CAREKG, "add", str(page), "--store", remote_url, "--council",
                            "Knowsley", "--kind", "other", "--issued", "2023", "--id",
                            "remote-plan", "-q"], capture_output=True, text=True, timeout=900)
    assert added.returncode == 0, added.stderr
    graph = str(DEFAULT_IRIS.document_graph("remote-plan"))
    snap = RemoteStore(remote_url).open()
    assert graph in snap.graph_names() and "remote-plan" in snap.meta.documents
    facts = list(snap.query(f"SELECT ?f WHERE {{ GRAPH <{graph}> {{ ?f ?p ?o }} }}"))
    assert facts
    assert "extra care housing" in (snap.text_of("remote-plan") or "")
    removed = subprocess.run([*CAREKG, "remove", "remote-plan", "--store", remote_url, "-q"],
                             capture_output=True, text=True, timeout=900)
    assert removed.returncode == 0, removed.stderr
    snap = RemoteStore(remote_url).open()
    assert snap.graph_names() == before
    assert "remote-plan" not in snap.meta.documents and snap.text_of("remote-plan") is None
    # Asked of the Graph Store, not with ASK { GRAPH <g> ... }: Virtuoso 7.2.5 answers a
    # GRAPH <iri> outside the protocol's named graphs from other data (docs/deploy.md).
    assert store.gsp("GET", graph) == b""


def test_serve_is_a_thin_front(remote_url: str, built_settings: Settings) -> None:
    from carekg.api.app import create_app

    settings = Settings(store=remote_url, rate_limit=None)
    assert isinstance(open_store(settings), RemoteStore)
    client = create_app(settings, TESTING=True).test_client()
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/carekg/def#Spend> }"
    answer = client.get("/sparql", query_string={"query": query},
                        headers={"Accept": "application/sparql-results+json"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    local = StoreDir(built_settings.store).open()
    expected = next(iter(local.query(query)))["n"].value
    assert json.loads(answer.data)["results"]["bindings"][0]["n"]["value"] == expected
    refused = client.post("/sparql", data={"update": "DROP ALL"})
    assert refused.status_code == 403
    name = sorted(set(catalogue()) - VIRTUOSO_PATH_JOINS)[0]
    saved = client.get(f"/queries/{name}", headers={"Accept": "application/sparql-results+json"})
    assert saved.status_code == 200, saved.get_data(as_text=True)
    expected_rows = sum(_rows(run_saved(local, name)).values())
    assert len(json.loads(saved.data)["results"]["bindings"]) == min(
        expected_rows, settings.max_result_rows)
    assert saved_query(name).name == name
